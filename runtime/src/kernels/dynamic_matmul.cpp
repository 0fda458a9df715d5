// DynamicQuantMatMul (qconv --dynamic): Y[..., N] = dequant(quant_per_row(A[..., K]) x B^T) + bias,
// B int8 [N, K] per-output-channel, see ops/dynamic_gemm.h. A and Y float32 Plain.
#include <algorithm>
#include <cmath>

#include "dynamic_gemm.h"
#include "kernels/kernel.h"
#include "kernels/node_check.h"
#include "reference/dynamic_gemm.h"

namespace qinfer {

namespace {

// Checks a constant float32 [n] tensor of per-channel weight scales (finite, > 0).
const float* checked_scales(const NodeCheck& check, const TensorDesc& s, const Shape& dims, const char* role) {
  check.expect_dtype(s, DType::Float32, role);
  check.expect_constant(s, role);
  if (s.dims != dims) check.fail(std::string(role) + " '" + s.name + "' has shape " + shape_string(s.dims) + ", expected " + shape_string(dims));
  const auto* v = reinterpret_cast<const float*>(s.constant);
  for (int64_t i = 0; i < element_count(dims); ++i)
    if (!(std::isfinite(v[i]) && v[i] > 0.0f))
      check.fail(std::string(role) + " '" + s.name + "' value " + std::to_string(v[i]) + " at " + std::to_string(i) +
                 " must be finite and > 0");
  return v;
}

class DynamicMatMulKernel : public Kernel {
 public:
  DynamicMatMulKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(3, 4, 1);
    const TensorDesc& a = check_.input(0);
    const TensorDesc& b = check_.input(1);
    check_.expect_dtype(a, DType::Float32, "A");
    check_.expect_layout(a, fb::Layout::Plain, "A");
    check_.expect_dtype(check_.output(0), DType::Float32, "output");
    check_.expect_layout(check_.output(0), fb::Layout::Plain, "output");
    check_.expect_dtype(b, DType::Int8, "B");
    check_.expect_constant(b, "B");
    if (b.dims.size() != 2 || b.dims[0] < 1 || b.dims[1] < 1 || b.dims[1] > ref::kDynamicGemmMaxK)
      check_.fail("B '" + b.name + "' has shape " + shape_string(b.dims) + ": must be [N, K] with N >= 1 and 1 <= K <= " +
                  std::to_string(ref::kDynamicGemmMaxK));
    n_ = b.dims[0], k_ = b.dims[1];
    const float* scale = checked_scales(check_, check_.input(2), Shape{n_}, "b_scale");
    const float* bias = nullptr;
    if (check_.has_input(3)) {
      const TensorDesc& c = check_.input(3);
      check_.expect_dtype(c, DType::Float32, "bias");
      check_.expect_constant(c, "bias");
      if (c.dims != Shape{n_}) check_.fail("bias '" + c.name + "' has shape " + shape_string(c.dims) + ", expected [" + std::to_string(n_) + "]");
      bias = reinterpret_cast<const float*>(c.constant);
    }
    const fb::GemmOptions* o = check_.options<fb::GemmOptions>("GemmOptions");
    if (o->alpha() != 1.0f || o->beta() != 1.0f || o->trans_a() || !o->trans_b())
      check_.fail("GemmOptions must be alpha 1, beta 1, trans_a false, trans_b true (B is stored [N, K])");
    clamp_ = fused_clamp(check_, o->activation(), o->clip_min(), o->clip_max());
    gemm_.pack(n_, k_, reinterpret_cast<const int8_t*>(b.constant), scale, bias);
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    const Shape& a = *in[0];
    if (a.empty() || a.back() != k_)
      check_.fail("A " + shape_string(a) + " must have last dimension K = " + std::to_string(k_));
    Shape out = a;
    out.back() = n_;
    return {out};
  }

  size_t scratch_bytes(const std::vector<const Shape*>&, const std::vector<const Shape*>&, int threads) const override {
    return part_bytes() * static_cast<size_t>(std::max(threads, 1));
  }

  int64_t macs(const std::vector<const Shape*>& in, const std::vector<const Shape*>&) const override {
    return element_count(*in[0]) / k_ * n_ * k_;
  }

  void run(const KernelIO& io, ThreadPool& pool) const override {
    const int64_t m = element_count(*io.input_shapes[0]) / k_;
    const auto* a = static_cast<const float*>(io.inputs[0]);
    auto* y = static_cast<float*>(io.outputs[0]);
    const int parts = pool.threads();
    auto* sbase = static_cast<uint8_t*>(io.scratch);
    const bool clamp = std::isfinite(clamp_.lo) || std::isfinite(clamp_.hi);
    pool.parallel_for(parts, [&](int64_t pb, int64_t pe) {
      for (int64_t p = pb; p < pe; ++p) {
        const int64_t r0 = m * p / parts, r1 = m * (p + 1) / parts;
        gemm_.run(a, k_, y, n_, r0, r1, sbase + static_cast<size_t>(p) * part_bytes());
        if (clamp)
          for (float* v = y + r0 * n_; v < y + r1 * n_; ++v) *v = std::min(std::max(*v, clamp_.lo), clamp_.hi);
      }
    });
  }

 private:
  size_t part_bytes() const { return (gemm_.scratch_bytes() + 63) / 64 * 64; }

  NodeCheck check_;
  int64_t n_ = 0, k_ = 0;
  FloatClamp clamp_;
  DynamicGemm gemm_;
};

}  // namespace

std::unique_ptr<Kernel> create_dynamic_matmul_kernel(const Model& m, const NodeDesc& n) {
  return std::make_unique<DynamicMatMulKernel>(m, n);
}

}  // namespace qinfer
