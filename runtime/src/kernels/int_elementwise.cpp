// Element-wise ops on plain (unquantized) integer data, as ONNX defines them: Add/Sub/Mul/Div on
// uint8, int8 and int32 (wrap-around, Div truncates; x / 0 gives 0), Pow with an integer base or
// exponent (float32 / int32 / int64 in any mix but float32 ** float32; the result has the base's type),
// and Clip on integers. Reference: ops/reference/int_elementwise.h.
#include <cmath>
#include <limits>

#include "broadcast.h"
#include "kernels/broadcast_layout.h"
#include "kernels/kernel.h"
#include "kernels/node_check.h"
#include "reference/int_elementwise.h"

namespace qinfer {

namespace {

bool plain_integer(const TensorDesc& t) {
  return (t.dtype == DType::UInt8 || t.dtype == DType::Int8 || t.dtype == DType::Int32 || t.dtype == DType::Int64) &&
         t.quant.empty() && t.layout == fb::Layout::Plain;
}

class IntBinaryKernel : public Kernel {
 public:
  IntBinaryKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(2, 2, 1);
    switch (node.op) {
      case fb::OpCode::Add: op_ = ref::IntBinaryOp::Add; break;
      case fb::OpCode::Sub: op_ = ref::IntBinaryOp::Sub; break;
      case fb::OpCode::Mul: op_ = ref::IntBinaryOp::Mul; break;
      case fb::OpCode::Div: op_ = ref::IntBinaryOp::Div; break;
      default: check_.fail("is not an integer binary op");
    }
    const TensorDesc& a = check_.input(0);
    dtype_ = a.dtype;
    if (dtype_ != DType::UInt8 && dtype_ != DType::Int8 && dtype_ != DType::Int32)
      check_.fail("integer form needs uint8, int8 or int32 inputs");
    for (const TensorDesc* t : {&a, &check_.input(1), &check_.output(0)}) {
      check_.expect_dtype(*t, dtype_, "tensor");
      check_.expect_layout(*t, fb::Layout::Plain, "tensor");
      if (!t->quant.empty()) check_.fail("tensor '" + t->name + "' is quantized; the integer form takes plain data");
    }
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    return {binary_output_shape(check_, *in[0], *in[1], fb::Layout::Plain)};
  }

  void run(const KernelIO& io, ThreadPool&) const override {
    const Shape &a = *io.input_shapes[0], &b = *io.input_shapes[1], &y = *io.output_shapes[0];
    switch (dtype_) {
      case DType::UInt8: return go<uint8_t>(io, a, b, y);
      case DType::Int8: return go<int8_t>(io, a, b, y);
      default: return go<int32_t>(io, a, b, y);
    }
  }

 private:
  template <typename T>
  void go(const KernelIO& io, const Shape& a, const Shape& b, const Shape& y) const {
    ref::int_binary(op_, a, static_cast<const T*>(io.inputs[0]), b, static_cast<const T*>(io.inputs[1]), y,
                    static_cast<T*>(io.outputs[0]));
  }
  NodeCheck check_;
  ref::IntBinaryOp op_ = ref::IntBinaryOp::Add;
  DType dtype_ = DType::Int32;
};

class MixedPowKernel : public Kernel {
 public:
  MixedPowKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(2, 2, 1);
    const TensorDesc &x = check_.input(0), &e = check_.input(1), &y = check_.output(0);
    const auto ok = [](DType d) { return d == DType::Float32 || d == DType::Int32 || d == DType::Int64; };
    const bool unsigned_e = e.dtype == DType::UInt32 || e.dtype == DType::UInt64;
    if (!ok(x.dtype) || !(ok(e.dtype) || unsigned_e))
      check_.fail("Pow needs a float32, int32 or int64 base and a float32, int32, int64, uint32 or uint64 exponent");
    check_.expect_dtype(y, x.dtype, "output");
    for (const TensorDesc* t : {&x, &e, &y}) {
      check_.expect_layout(*t, fb::Layout::Plain, "tensor");
      if (!t->quant.empty()) check_.fail("tensor '" + t->name + "' is quantized; Pow takes plain data");
    }
    x_ = x.dtype;
    e_ = e.dtype;
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    return {binary_output_shape(check_, *in[0], *in[1], fb::Layout::Plain)};
  }

  void run(const KernelIO& io, ThreadPool&) const override {
    switch (x_) {
      case DType::Float32: return with_x<float>(io);
      case DType::Int32: return with_x<int32_t>(io);
      default: return with_x<int64_t>(io);
    }
  }

 private:
  template <typename X>
  void with_x(const KernelIO& io) const {
    switch (e_) {
      case DType::Float32: return go<X, float>(io);
      case DType::Int32: return go<X, int32_t>(io);
      case DType::UInt32: return go<X, uint32_t>(io);
      case DType::UInt64: return go<X, uint64_t>(io);
      default: return go<X, int64_t>(io);
    }
  }
  template <typename X, typename E>
  void go(const KernelIO& io) const {
    ref::pow_mixed(*io.input_shapes[0], static_cast<const X*>(io.inputs[0]), *io.input_shapes[1],
                   static_cast<const E*>(io.inputs[1]), *io.output_shapes[0], static_cast<X*>(io.outputs[0]));
  }
  NodeCheck check_;
  DType x_ = DType::Float32, e_ = DType::Float32;
};

class IntClipKernel : public Kernel {
 public:
  IntClipKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(1, 1, 1);
    const fb::ClipOptions* o = check_.options<fb::ClipOptions>("ClipOptions");
    const TensorDesc &x = check_.input(0), &y = check_.output(0);
    if (!plain_integer(x)) check_.fail("integer Clip needs plain integer data");
    check_.expect_dtype(y, x.dtype, "output");
    check_.expect_layout(y, fb::Layout::Plain, "output");
    if (!y.quant.empty()) check_.fail("output '" + y.name + "' is quantized; integer Clip takes plain data");
    dtype_ = x.dtype;
    const float lo = o->min(), hi = o->max();
    if (std::isnan(lo) || std::isnan(hi) || lo > hi) check_.fail("Clip bounds must be ordered numbers");
    lo_ = lo, hi_ = hi;
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override { return {*in[0]}; }

  void run(const KernelIO& io, ThreadPool&) const override {
    const int64_t n = element_count(*io.input_shapes[0]);
    switch (dtype_) {
      case DType::UInt8: return go<uint8_t>(io, n);
      case DType::Int8: return go<int8_t>(io, n);
      case DType::Int32: return go<int32_t>(io, n);
      default: return go<int64_t>(io, n);
    }
  }

 private:
  // The bound as T: rounded inward to an integer, saturated to T's range.
  template <typename T>
  static T bound(float v, bool lower) {
    const double r = lower ? std::ceil(double(v)) : std::floor(double(v));
    if (r <= double(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
    if (r >= double(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return static_cast<T>(r);
  }
  template <typename T>
  void go(const KernelIO& io, int64_t n) const {
    T lo = bound<T>(lo_, true), hi = bound<T>(hi_, false);
    if (lo > hi) lo = hi;  // no integer between the bounds: ONNX gives max
    ref::clip_int(static_cast<const T*>(io.inputs[0]), lo, hi, static_cast<T*>(io.outputs[0]), n);
  }
  NodeCheck check_;
  DType dtype_ = DType::Int32;
  float lo_ = 0, hi_ = 0;
};

}  // namespace

// The integer kernel for `node`, or nullptr when the node is not an integer form handled here.
std::unique_ptr<Kernel> create_int_elementwise_kernel(const Model& model, const NodeDesc& node) {
  if (node.inputs.empty() || node.inputs[0] < 0) return nullptr;
  const TensorDesc& x = model.tensors()[node.inputs[0]];
  switch (node.op) {
    case fb::OpCode::Add:
    case fb::OpCode::Sub:
    case fb::OpCode::Mul:
    case fb::OpCode::Div:
      if (plain_integer(x) && x.dtype != DType::Int64) return std::make_unique<IntBinaryKernel>(model, node);
      return nullptr;
    case fb::OpCode::Pow: {
      const bool e_float = node.inputs.size() < 2 || node.inputs[1] < 0 ||
                           model.tensors()[node.inputs[1]].dtype == DType::Float32;
      if (x.dtype == DType::Float32 && e_float) return nullptr;  // the float32 kernel
      return std::make_unique<MixedPowKernel>(model, node);
    }
    case fb::OpCode::Clip:
      if (plain_integer(x)) return std::make_unique<IntClipKernel>(model, node);
      return nullptr;
    default: return nullptr;
  }
}

}  // namespace qinfer
