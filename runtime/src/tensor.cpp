#include <cstdlib>
#include <cstring>
#include <limits>
#include <sstream>

#include "qinfer/error.h"
#include "qinfer/tensor.h"

namespace qinfer {

size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::Float32: return 4;
    case DType::UInt8: return 1;
    case DType::Int8: return 1;
    case DType::Int32: return 4;
    case DType::Int64: return 8;
    case DType::Bool: return 1;
    case DType::Float16: return 2;
    case DType::BFloat16: return 2;
    case DType::Float64: return 8;
    case DType::UInt32: return 4;
    case DType::UInt64: return 8;
    case DType::Int16: return 2;
  }
  return 0;
}

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::Float32: return "float32";
    case DType::UInt8: return "uint8";
    case DType::Int8: return "int8";
    case DType::Int32: return "int32";
    case DType::Int64: return "int64";
    case DType::Bool: return "bool";
    case DType::Float16: return "float16";
    case DType::BFloat16: return "bfloat16";
    case DType::Float64: return "float64";
    case DType::UInt32: return "uint32";
    case DType::UInt64: return "uint64";
    case DType::Int16: return "int16";
  }
  return "unknown";
}

int64_t element_count(const std::vector<int64_t>& shape) {
  constexpr int64_t kLimit = int64_t{1} << 62;
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0) throw Error("negative dimension " + std::to_string(d) + " in shape " + shape_string(shape));
    if (d != 0 && count > kLimit / d) throw Error("shape " + shape_string(shape) + " has more than 2^62 elements");
    count *= d;
  }
  return count;
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? "," : "") << shape[i];
  s << ']';
  return s.str();
}

void Tensor::FreeAligned::operator()(void* p) const { std::free(p); }

Tensor::Tensor(DType dtype, std::vector<int64_t> shape)
    : dtype_(dtype), shape_(std::move(shape)), count_(qinfer::element_count(shape_)) {
  const size_t bytes = byte_size();
  const size_t rounded = (bytes + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, rounded == 0 ? 64 : rounded);
  if (!p) throw Error("out of memory allocating a tensor of " + std::to_string(bytes) + " bytes");
  std::memset(p, 0, rounded == 0 ? 64 : rounded);
  data_.reset(p);
}

Tensor Tensor::from_floats(std::vector<int64_t> shape, const float* data, size_t count) {
  Tensor t(DType::Float32, std::move(shape));
  if (static_cast<size_t>(t.count_) != count)
    throw Error("Tensor::from_floats: shape " + shape_string(t.shape_) + " holds " + std::to_string(t.count_) +
                " elements but " + std::to_string(count) + " were given");
  std::memcpy(t.raw_data(), data, count * sizeof(float));
  return t;
}

Tensor::Tensor(const Tensor& other) : Tensor(other.dtype_, other.shape_) {
  if (other.data_) std::memcpy(raw_data(), other.raw_data(), byte_size());
}

Tensor& Tensor::operator=(const Tensor& other) {
  if (this != &other) *this = Tensor(other);
  return *this;
}

void Tensor::check_type(DType requested) const {
  if (requested != dtype_)
    throw Error(std::string("tensor holds ") + dtype_name(dtype_) + ", not " + dtype_name(requested));
}

}  // namespace qinfer
