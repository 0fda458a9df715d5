// Helpers for kernels of the newer (fp32 / int64) ops: plan-time integer values, axis
// normalization and dtype mapping.
#pragma once

#include <string>
#include <vector>

#include "kernels/node_check.h"
#include "reference/elementwise.h"

namespace qinfer {

// The integers held by input `index` (int64 or int32), which must be known at plan time.
inline std::vector<int64_t> plan_time_ints(const NodeCheck& check, size_t index, const Shape& shape, const void* data,
                                           const char* what) {
  const TensorDesc& t = check.input(index);
  if (!data)
    check.fail(std::string(what) + " '" + t.name +
               "' must be a constant or computable when planning (from constants, input shapes and shape-like "
               "inputs: fixed-size int32/int64/float32 vectors of at most 64 values); it depends on other run-time data");
  if (t.dtype != DType::Int64 && t.dtype != DType::Int32)
    check.fail(std::string(what) + " '" + t.name + "' is " + dtype_name(t.dtype) + ", expected int64 or int32");
  const int64_t n = element_count(shape);
  std::vector<int64_t> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    out[i] = t.dtype == DType::Int64 ? static_cast<const int64_t*>(data)[i] : static_cast<const int32_t*>(data)[i];
  return out;
}

// axis in [-rank, rank) -> [0, rank); fails naming the op's rule otherwise.
inline int64_t normalize_axis(const NodeCheck& check, int64_t axis, int64_t rank, const char* what) {
  if (axis < -rank || axis >= rank)
    check.fail(std::string(what) + " " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

// Concat's output shape (fp32 and uint8 kernels): inputs agree outside `axis` and add up along it.
inline Shape concat_output_shape(const NodeCheck& check, const std::vector<const Shape*>& in, int64_t axis_attr) {
  Shape out = *in[0];
  const int64_t axis = normalize_axis(check, axis_attr, static_cast<int64_t>(out.size()), "axis");
  out[axis] = 0;
  for (const Shape* s : in) {
    bool ok = s->size() == out.size();
    for (size_t d = 0; ok && d < out.size(); ++d) ok = static_cast<int64_t>(d) == axis || (*s)[d] == out[d];
    if (!ok) check.fail("input " + shape_string(*s) + " does not match " + shape_string(*in[0]) + " outside axis " + std::to_string(axis_attr));
    out[axis] += (*s)[axis];
  }
  return out;
}

inline ref::Elem elem_of(DType d) {
  switch (d) {
    case DType::Float32: return ref::Elem::F32;
    case DType::UInt8: return ref::Elem::U8;
    case DType::Int8: return ref::Elem::I8;
    case DType::Int32: return ref::Elem::I32;
    case DType::Int64: return ref::Elem::I64;
    case DType::Bool: return ref::Elem::Bool;
    case DType::Float16: return ref::Elem::F16;
    case DType::BFloat16: return ref::Elem::BF16;
    case DType::Float64: return ref::Elem::F64;
    case DType::UInt32: return ref::Elem::U32;
    case DType::UInt64: return ref::Elem::U64;
  }
  return ref::Elem::F32;
}

inline std::vector<int64_t> option_ints(const flatbuffers::Vector<int32_t>* v) {
  return v ? std::vector<int64_t>(v->begin(), v->end()) : std::vector<int64_t>{};
}

}  // namespace qinfer
