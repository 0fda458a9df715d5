// Helpers for ops that move quantized 8-bit data without changing it (Pad, Split): the output
// keeps the input's quantization, and rank-4 NHWC data is handled in memory order.
#pragma once

#include <string>

#include "kernels/node_check.h"

namespace qinfer {

// `out` must be 8-bit with exactly the per-tensor quantization of `in` (a copy stays exact).
inline void expect_copy_quantization(const NodeCheck& check, const TensorDesc& in, const TensorDesc& out) {
  if (in.dtype != DType::UInt8 && in.dtype != DType::Int8)
    check.fail("input '" + in.name + "' has quantization but is " + dtype_name(in.dtype) + " (uint8 or int8 expected)");
  check.expect_per_tensor(in, "input");
  check.expect_per_tensor(out, "output");
  if (out.quant.scale[0] != in.quant.scale[0] || out.quant.zero_point[0] != in.quant.zero_point[0])
    check.fail("output '" + out.name + "' must have the quantization of input '" + in.name + "' (the op copies values)");
}

// Memory-order shape of a logical N,C,H,W shape stored NHWC, and the memory axis of a logical one.
inline Shape nhwc_memory_shape(const Shape& s) { return {s[0], s[2], s[3], s[1]}; }
inline int64_t nhwc_memory_axis(int64_t logical_axis) {
  return logical_axis == 1 ? 3 : logical_axis >= 2 ? logical_axis - 1 : logical_axis;
}

}  // namespace qinfer
