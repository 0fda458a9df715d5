// Broadcasting binary ops in float32 or int64: Sub, Mul, Div, Pow, and Add on int64 (float Add
// with fused activations and uint8 Add live in elementwise.cpp).
#include "broadcast.h"
#include "kernels/broadcast_layout.h"
#include "kernels/kernel.h"
#include "kernels/node_check.h"
#include "reference/elementwise.h"

namespace qinfer {

namespace {

ref::BinaryOp binary_op(fb::OpCode op) {
  switch (op) {
    case fb::OpCode::Sub: return ref::BinaryOp::Sub;
    case fb::OpCode::Mul: return ref::BinaryOp::Mul;
    case fb::OpCode::Div: return ref::BinaryOp::Div;
    case fb::OpCode::Pow: return ref::BinaryOp::Pow;
    default: return ref::BinaryOp::Add;
  }
}

class BinaryKernel : public Kernel {
 public:
  BinaryKernel(const Model& model, const NodeDesc& node) : check_(model, node), op_(binary_op(node.op)) {
    check_.expect_version(1);
    check_.expect_arity(2, 2, 1);
    const TensorDesc& a = check_.input(0);
    int64_ = a.dtype == DType::Int64;
    if (!int64_) check_.expect_dtype(a, DType::Float32, "input A");
    if (op_ == ref::BinaryOp::Pow && int64_) check_.fail("Pow needs float32 inputs");
    check_.expect_dtype(check_.input(1), a.dtype, "input B");
    check_.expect_dtype(check_.output(0), a.dtype, "output");
    for (const TensorDesc* t : {&a, &check_.input(1), &check_.output(0)})
      check_.expect_layout(*t, fb::Layout::Plain, "tensor");
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    return {binary_output_shape(check_, *in[0], *in[1], fb::Layout::Plain)};
  }

  void run(const KernelIO& io, ThreadPool&) const override {
    if (int64_)
      ref::binary_i64(op_, *io.input_shapes[0], static_cast<const int64_t*>(io.inputs[0]), *io.input_shapes[1],
                      static_cast<const int64_t*>(io.inputs[1]), *io.output_shapes[0], static_cast<int64_t*>(io.outputs[0]));
    else
      ref::binary_f32(op_, *io.input_shapes[0], static_cast<const float*>(io.inputs[0]), *io.input_shapes[1],
                      static_cast<const float*>(io.inputs[1]), *io.output_shapes[0], static_cast<float*>(io.outputs[0]));
  }

 private:
  NodeCheck check_;
  ref::BinaryOp op_;
  bool int64_ = false;
};

}  // namespace

std::unique_ptr<Kernel> create_binary_kernel(const Model& model, const NodeDesc& node) {
  return std::make_unique<BinaryKernel>(model, node);
}

}  // namespace qinfer
