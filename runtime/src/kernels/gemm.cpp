// Gemm: ONNX Gemm in fp32, or uint8 [M,K] x int8 [N,K]^T -> uint8 with int32 bias.
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "kernels/int8_gemm.h"
#include "kernels/kernel.h"
#include "kernels/node_check.h"
#include "reference/gemm.h"

namespace qinfer {

namespace {

class GemmKernel : public Kernel {
 public:
  GemmKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(2, 3, 1);
    const fb::GemmOptions* o = check_.options<fb::GemmOptions>("GemmOptions");
    trans_a_ = o->trans_a();
    trans_b_ = o->trans_b();
    alpha_ = o->alpha();
    beta_ = o->beta();
    clamp_ = fused_clamp(check_, o->activation(), o->clip_min(), o->clip_max());
    const TensorDesc& a = check_.input(0);
    const TensorDesc& b = check_.input(1);
    const TensorDesc& y = check_.output(0);
    for (const TensorDesc* t : {&a, &b, &y}) check_.expect_layout(*t, fb::Layout::Plain, "tensor");
    if (check_.has_input(2)) c_ = &check_.input(2);
    quantized_ = a.dtype != DType::Float32;
    if (!quantized_) {
      for (const TensorDesc* t : {&a, &b, &y}) check_.expect_dtype(*t, DType::Float32, "tensor");
      if (c_) check_.expect_dtype(*c_, DType::Float32, "C");
      return;
    }
    check_.expect_dtype(a, DType::UInt8, "A");
    check_.expect_dtype(b, DType::Int8, "B");
    check_.expect_dtype(y, DType::UInt8, "output");
    check_.expect_constant(b, "B");
    if (trans_a_ || !trans_b_ || alpha_ != 1.0f || beta_ != 1.0f)
      check_.fail("int8 Gemm needs trans_a = 0, trans_b = 1, alpha = beta = 1");
    if (b.dims.size() != 2) check_.fail("B '" + b.name + "' must have rank 2");
    check_.expect_per_tensor(a, "A");
    check_.expect_per_tensor(y, "output");
    if (b.quant.empty() || (b.quant.scale.size() > 1 && b.quant.axis != 0))
      check_.fail("B '" + b.name + "' needs per-tensor or axis-0 (per output) quantization");
    for (int32_t z : b.quant.zero_point)
      if (z != 0) check_.fail("B '" + b.name + "' has zero point " + std::to_string(z) + "; int8 weights must be symmetric (0)");
    if (c_) {
      check_.expect_dtype(*c_, DType::Int32, "bias");
      check_.expect_constant(*c_, "bias");
      if (c_->dims != Shape{b.dims[0]}) check_.fail("bias '" + c_->name + "' must have shape [" + std::to_string(b.dims[0]) + "]");
    }
    a_zero_point_ = a.quant.zero_point[0];
    y_zero_point_ = y.quant.zero_point[0];
    const qmath::QRange r = quantized_clamp(y, clamp_);
    y_min_ = r.lo;
    y_max_ = r.hi;
    for (int64_t n = 0; n < b.dims[0]; ++n)
      multipliers_.push_back(qmath::requant_multiplier(a.quant.scale[0], b.quant.scale[b.quant.scale.size() == 1 ? 0 : n], y.quant.scale[0]));
    // QINFER_ISA=ref keeps the scalar reference (read once, here).
    const char* isa = std::getenv("QINFER_ISA");
    if (!(isa && std::strcmp(isa, "ref") == 0)) {
      use_packed_ = true;
      gemm_q8_.pack(b.dims[0], b.dims[1], reinterpret_cast<const int8_t*>(b.constant), a_zero_point_,
                    c_ ? reinterpret_cast<const int32_t*>(c_->constant) : nullptr, multipliers_.data(), y_zero_point_,
                    y_min_, y_max_);
    }
  }

  size_t scratch_bytes(const std::vector<const Shape*>&, const std::vector<const Shape*>&, int threads) const override {
    if (!use_packed_) return 0;
    return part_bytes() * static_cast<size_t>(std::max(threads, 1));
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    const Shape& a = *in[0];
    const Shape& b = *in[1];
    if (a.size() != 2 || b.size() != 2)
      check_.fail("A " + shape_string(a) + " and B " + shape_string(b) + " must both have rank 2");
    const int64_t m = trans_a_ ? a[1] : a[0], k = trans_a_ ? a[0] : a[1];
    const int64_t kb = trans_b_ ? b[1] : b[0], n = trans_b_ ? b[0] : b[1];
    if (k != kb) check_.fail("inner dimensions differ: A " + shape_string(a) + ", B " + shape_string(b));
    if (in.size() > 2 && in[2]) {
      const Shape& c = *in[2];
      const bool ok = c.size() <= 2 && (c.empty() || c.back() == n || c.back() == 1) &&
                      (c.size() < 2 || c[0] == m || c[0] == 1);
      if (!ok) check_.fail("C " + shape_string(c) + " does not broadcast to [" + std::to_string(m) + "," + std::to_string(n) + "]");
    }
    return {Shape{m, n}};
  }

  int64_t macs(const std::vector<const Shape*>& in, const std::vector<const Shape*>& out) const override {
    const Shape& a = *in[0];
    return (*out[0])[0] * (*out[0])[1] * (trans_a_ ? a[0] : a[1]);
  }

  void run(const KernelIO& io, ThreadPool& pool) const override {
    const Shape& y = *io.output_shapes[0];
    const Shape& a = *io.input_shapes[0];
    const int64_t m = y[0], n = y[1], k = trans_a_ ? a[0] : a[1];
    if (quantized_) {
      const auto* ap = static_cast<const uint8_t*>(io.inputs[0]);
      const auto* bp = static_cast<const int8_t*>(io.inputs[1]);
      const auto* cp = c_ ? static_cast<const int32_t*>(io.inputs[2]) : nullptr;
      auto* yp = static_cast<uint8_t*>(io.outputs[0]);
      if (use_packed_) {
        const int parts = pool.threads();
        auto* sbase = static_cast<uint8_t*>(io.scratch);
        // Few rows (a classifier's batch): threads split the columns, else each would stream all
        // the weights (or, at M = 1, one thread would do everything).
        const int64_t panels = gemm_q8_.column_panels();
        const bool by_columns = parts > 1 && m < 256 && m < n && panels >= parts;
        pool.parallel_for(parts, [&](int64_t b, int64_t e) {
          for (int64_t p = b; p < e; ++p) {
            void* scratch = sbase + static_cast<size_t>(p) * part_bytes();
            if (by_columns)
              gemm_q8_.run_panels(m, ap, k, yp, n, 0, m, panels * p / parts, panels * (p + 1) / parts, scratch);
            else
              gemm_q8_.run(m, ap, k, yp, n, m * p / parts, m * (p + 1) / parts, scratch);
          }
        });
        return;
      }
      pool.parallel_for(m, [&](int64_t b, int64_t e) {
        ref::gemm_qu8s8(m, n, k, ap, a_zero_point_, bp, cp, multipliers_.data(), y_zero_point_, y_min_, y_max_, yp, b, e);
      });
      return;
    }
    ref::GemmF32Args args;
    args.m = m, args.n = n, args.k = k;
    args.trans_a = trans_a_, args.trans_b = trans_b_;
    args.alpha = alpha_, args.beta = beta_;
    args.out_min = clamp_.lo, args.out_max = clamp_.hi;
    if (c_) {
      const Shape& c = *io.input_shapes[2];
      args.c = static_cast<const float*>(io.inputs[2]);
      args.c_stride_n = (!c.empty() && c.back() != 1) ? 1 : 0;
      args.c_stride_m = (c.size() == 2 && c[0] != 1) ? c[1] : 0;
    }
    const auto* ap = static_cast<const float*>(io.inputs[0]);
    const auto* bp = static_cast<const float*>(io.inputs[1]);
    auto* yp = static_cast<float*>(io.outputs[0]);
    pool.parallel_for(m, [&](int64_t b, int64_t e) { ref::gemm_f32(args, ap, bp, yp, b, e); });
  }

 private:
  size_t part_bytes() const { return (gemm_q8_.scratch_bytes() + 63) / 64 * 64; }

  NodeCheck check_;
  bool trans_a_ = false, trans_b_ = false, quantized_ = false;
  float alpha_ = 1.0f, beta_ = 1.0f;
  FloatClamp clamp_;
  const TensorDesc* c_ = nullptr;
  int32_t a_zero_point_ = 0, y_zero_point_ = 0, y_min_ = 0, y_max_ = 255;
  std::vector<float> multipliers_;
  bool use_packed_ = false;
  Int8Gemm gemm_q8_;  // int8 B packed (JIT or Highway)
};

}  // namespace

std::unique_ptr<Kernel> create_gemm_kernel(const Model& model, const NodeDesc& node) {
  return std::make_unique<GemmKernel>(model, node);
}

}  // namespace qinfer
