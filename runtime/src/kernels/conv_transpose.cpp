// ConvTranspose, fp32 NCHW with weights [C_in, C_out / group, KH, KW].
#include <cmath>

#include "kernels/conv_transpose_geometry.h"
#include "kernels/kernel.h"
#include "kernels/node_check.h"
#include "reference/conv_transpose.h"
#include "reference/elementwise.h"

namespace qinfer {

namespace {

class ConvTransposeKernel : public Kernel {
 public:
  ConvTransposeKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(2, 3, 1);
    const fb::ConvOptions* o = check_.options<fb::ConvOptions>("ConvOptions");
    geo_.read_options(check_, o);
    if (o->group() < 1) check_.fail("group " + std::to_string(o->group()) + " must be >= 1");
    groups_ = o->group();
    clamp_ = fused_clamp(check_, o->activation(), o->clip_min(), o->clip_max());
    const TensorDesc& w = check_.input(1);
    check_.expect_constant(w, "weight");
    for (const TensorDesc* t : {&check_.input(0), &w, &check_.output(0)}) {
      check_.expect_dtype(*t, DType::Float32, "tensor");
      check_.expect_layout(*t, fb::Layout::Plain, "tensor");
    }
    if (w.dims.size() != 4) check_.fail("weight '" + w.name + "' must have rank 4 (C_in, C_out/group, KH, KW)");
    if (w.dims[0] % groups_ != 0) check_.fail("weight has " + std::to_string(w.dims[0]) + " input channels, not divisible by group");
    geo_.set_kernel(check_, o, w.dims[2], w.dims[3]);
    in_c_ = w.dims[0];
    out_c_ = w.dims[1] * groups_;
    weights_ = reinterpret_cast<const float*>(w.constant);
    bias_ = check_.optional_bias<float>(2, DType::Float32, out_c_);
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    return {geo_.output_shape(check_, *in[0], in_c_, out_c_)};
  }

  int64_t macs(const std::vector<const Shape*>& in, const std::vector<const Shape*>&) const override {
    const Shape& x = *in[0];
    return x[0] * x[1] * x[2] * x[3] * (out_c_ / groups_) * geo_.kernel[0] * geo_.kernel[1];
  }

  void run(const KernelIO& io, ThreadPool& pool) const override {
    const Shape& x = *io.input_shapes[0];
    const Shape& y = *io.output_shapes[0];
    ref::Conv2DGeometry g = geo_.conv2d(x, y);
    g.groups = groups_;
    auto* yp = static_cast<float*>(io.outputs[0]);
    pool.parallel_for(g.rows(), [&](int64_t b, int64_t e) {
      ref::conv_transpose2d_f32_nchw(g, static_cast<const float*>(io.inputs[0]), weights_, bias_, yp, b, e);
      if (clamp_.lo > -INFINITY || clamp_.hi < INFINITY)
        for (int64_t row = b; row < e; ++row)
          for (int64_t c = 0; c < g.out_c; ++c) {
            float* p = yp + ((row / g.out_h * g.out_c + c) * g.out_h + row % g.out_h) * g.out_w;
            ref::clamp_f32(g.out_w, p, clamp_.lo, clamp_.hi, p);
          }
    });
  }

 private:
  NodeCheck check_;
  ConvTransposeGeometry geo_;
  int64_t groups_ = 1, in_c_ = 0, out_c_ = 0;
  FloatClamp clamp_;
  const float* weights_ = nullptr;
  const float* bias_ = nullptr;
};

}  // namespace

std::unique_ptr<Kernel> create_conv_transpose_kernel(const Model& m, const NodeDesc& n) {
  return std::make_unique<ConvTransposeKernel>(m, n);
}

}  // namespace qinfer
