// Unary float32 functions (Sigmoid, HardSigmoid, Sqrt, Erf, Tanh, Exp, Log, Neg, Abs,
// Reciprocal) and Cast between element types.
#include "kernels/kernel.h"
#include "kernels/node_check.h"
#include "kernels/values.h"
#include "reference/elementwise.h"

namespace qinfer {

namespace {

ref::UnaryOp unary_op(fb::OpCode op) {
  switch (op) {
    case fb::OpCode::HardSigmoid: return ref::UnaryOp::HardSigmoid;
    case fb::OpCode::Sqrt: return ref::UnaryOp::Sqrt;
    case fb::OpCode::Erf: return ref::UnaryOp::Erf;
    case fb::OpCode::Tanh: return ref::UnaryOp::Tanh;
    case fb::OpCode::Exp: return ref::UnaryOp::Exp;
    case fb::OpCode::Log: return ref::UnaryOp::Log;
    case fb::OpCode::Neg: return ref::UnaryOp::Neg;
    case fb::OpCode::Abs: return ref::UnaryOp::Abs;
    case fb::OpCode::Reciprocal: return ref::UnaryOp::Reciprocal;
    default: return ref::UnaryOp::Sigmoid;
  }
}

class UnaryKernel : public Kernel {
 public:
  UnaryKernel(const Model& model, const NodeDesc& node) : check_(model, node), op_(unary_op(node.op)) {
    check_.expect_version(1);
    check_.expect_arity(1, 1, 1);
    for (const TensorDesc* t : {&check_.input(0), &check_.output(0)}) {
      check_.expect_dtype(*t, DType::Float32, "tensor");
      check_.expect_layout(*t, fb::Layout::Plain, "tensor");
    }
    if (node.op == fb::OpCode::HardSigmoid) {
      const fb::HardSigmoidOptions* o = check_.options<fb::HardSigmoidOptions>("HardSigmoidOptions");
      alpha_ = o->alpha();
      beta_ = o->beta();
    }
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override { return {*in[0]}; }

  void run(const KernelIO& io, ThreadPool& pool) const override {
    const auto* x = static_cast<const float*>(io.inputs[0]);
    auto* y = static_cast<float*>(io.outputs[0]);
    pool.parallel_for(element_count(*io.input_shapes[0]),
                      [&](int64_t b, int64_t e) { ref::unary_f32(op_, x, alpha_, beta_, y, b, e); });
  }

 private:
  NodeCheck check_;
  ref::UnaryOp op_;
  float alpha_ = 0.0f, beta_ = 0.0f;
};

class CastKernel : public Kernel {
 public:
  CastKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(1, 1, 1);
    const fb::CastOptions* o = check_.options<fb::CastOptions>("CastOptions");
    const TensorDesc& y = check_.output(0);
    if (static_cast<int>(o->to()) != static_cast<int>(y.dtype))
      check_.fail(std::string("casts to ") + fb::EnumNameDType(o->to()) + " but the output '" + y.name + "' is " +
                  dtype_name(y.dtype));
    for (const TensorDesc* t : {&check_.input(0), &y}) check_.expect_layout(*t, fb::Layout::Plain, "tensor");
    from_ = elem_of(check_.input(0).dtype);
    to_ = elem_of(y.dtype);
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override { return {*in[0]}; }

  void run(const KernelIO& io, ThreadPool&) const override {
    ref::cast(from_, io.inputs[0], to_, io.outputs[0], element_count(*io.input_shapes[0]));
  }

 private:
  NodeCheck check_;
  ref::Elem from_ = ref::Elem::F32, to_ = ref::Elem::F32;
};

}  // namespace

std::unique_ptr<Kernel> create_unary_kernel(const Model& model, const NodeDesc& node) {
  return std::make_unique<UnaryKernel>(model, node);
}
std::unique_ptr<Kernel> create_cast_kernel(const Model& model, const NodeDesc& node) {
  return std::make_unique<CastKernel>(model, node);
}

}  // namespace qinfer
