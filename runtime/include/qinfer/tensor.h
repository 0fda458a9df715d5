// qinfer::Tensor: an owning, 64-byte-aligned, row-major tensor used for model inputs and outputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace qinfer {

// Bool: one byte per element, 0 or 1 (numpy bool_, ONNX BOOL). Float16 (IEEE half) and BFloat16
// are 2-byte bit patterns (raw_data()); they, Float64, UInt32 and UInt64 are storage types: model
// inputs and outputs, converted by Cast (and UInt32/UInt64 as Pow's exponent); docs/conformance.md.
enum class DType : uint8_t {
  Float32 = 0, UInt8 = 1, Int8 = 2, Int32 = 3, Int64 = 4, Bool = 5,
  Float16 = 6, BFloat16 = 7, Float64 = 8, UInt32 = 9, UInt64 = 10,
  Int16 = 11  // symmetric int16 activations of an input layer (qconv --input-int16); internal only
};

size_t dtype_size(DType dtype);
const char* dtype_name(DType dtype);

// Product of dims; throws Error on negative dims or overflow past 2^62 elements.
int64_t element_count(const std::vector<int64_t>& shape);
std::string shape_string(const std::vector<int64_t>& shape);

class Tensor {
 public:
  Tensor() = default;
  // Zero-filled tensor of the given type and shape.
  Tensor(DType dtype, std::vector<int64_t> shape);
  // Copies `count` elements from `data`; count must equal the shape's element count.
  static Tensor from_floats(std::vector<int64_t> shape, const float* data, size_t count);

  Tensor(const Tensor& other);
  Tensor& operator=(const Tensor& other);
  Tensor(Tensor&&) noexcept = default;
  Tensor& operator=(Tensor&&) noexcept = default;

  DType dtype() const { return dtype_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  int64_t element_count() const { return count_; }
  size_t byte_size() const { return static_cast<size_t>(count_) * dtype_size(dtype_); }

  void* raw_data() { return data_.get(); }
  const void* raw_data() const { return data_.get(); }
  // Typed access; throws Error if T does not match dtype().
  template <typename T>
  T* data();
  template <typename T>
  const T* data() const;

 private:
  struct FreeAligned {
    void operator()(void* p) const;
  };
  void check_type(DType requested) const;

  DType dtype_ = DType::Float32;
  std::vector<int64_t> shape_;
  int64_t count_ = 0;
  std::unique_ptr<void, FreeAligned> data_;
};

template <typename T>
struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::Float32; };
template <> struct DTypeOf<uint8_t> { static constexpr DType value = DType::UInt8; };
template <> struct DTypeOf<int8_t> { static constexpr DType value = DType::Int8; };
template <> struct DTypeOf<int16_t> { static constexpr DType value = DType::Int16; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::Int32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::Int64; };
template <> struct DTypeOf<bool> { static constexpr DType value = DType::Bool; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::Float64; };
template <> struct DTypeOf<uint32_t> { static constexpr DType value = DType::UInt32; };
template <> struct DTypeOf<uint64_t> { static constexpr DType value = DType::UInt64; };

template <typename T>
T* Tensor::data() {
  check_type(DTypeOf<T>::value);
  return static_cast<T*>(data_.get());
}
template <typename T>
const T* Tensor::data() const {
  check_type(DTypeOf<T>::value);
  return static_cast<const T*>(data_.get());
}

// A read-only view of a tensor inside a running model (see Runtime::Options::observer).
struct TensorView {
  const std::string& name;
  DType dtype;
  const std::vector<int64_t>& shape;  // logical shape (ONNX order)
  const void* data;                   // row-major in the logical shape's order
};

}  // namespace qinfer
