// int8 ConvTranspose (group 1): uint8 NHWC input and output, int8 weights [C_out, C_in, KH, KW]
// stored OHWI (as for Conv), int32 bias. When the kernel equals the stride and there is no
// padding (the 2x2 / stride 2 upsampling of PP-OCR's DB head), every output pixel gets exactly one
// tap and the op is KH GEMMs: for kernel row ky, input row iy of N * H gives output row
// iy * KH + ky, with columns (kx, oc) contiguous in NHWC. Otherwise (and under QINFER_ISA=ref)
// the reference runs. Both give identical bytes (ops/reference/conv_transpose_qu8.h).
#include <cstdlib>
#include <cstring>

#include "kernels/conv_transpose_geometry.h"
#include "kernels/int8_gemm.h"
#include "kernels/kernel.h"
#include "kernels/node_check.h"
#include "reference/conv_transpose.h"
#include "reference/conv_transpose_qu8.h"

namespace qinfer {

namespace {

size_t round64(size_t v) { return (v + 63) / 64 * 64; }

class ConvTransposeQu8Kernel : public Kernel {
 public:
  ConvTransposeQu8Kernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(2, 3, 1);
    const fb::ConvOptions* o = check_.options<fb::ConvOptions>("ConvOptions");
    geo_.read_options(check_, o);
    if (o->group() != 1) check_.fail("int8 ConvTranspose needs group 1, got " + std::to_string(o->group()));
    const FloatClamp clamp = fused_clamp(check_, o->activation(), o->clip_min(), o->clip_max());
    const TensorDesc& x = check_.input(0);
    const TensorDesc& w = check_.input(1);
    const TensorDesc& y = check_.output(0);
    for (const TensorDesc* t : {&x, &y}) {
      check_.expect_dtype(*t, DType::UInt8, "tensor");
      check_.expect_layout(*t, fb::Layout::NHWC, "tensor");
      check_.expect_per_tensor(*t, "tensor");
    }
    check_.expect_constant(w, "weight");
    check_.expect_dtype(w, DType::Int8, "weight");
    check_.expect_layout(w, fb::Layout::NHWC, "weight");
    if (w.dims.size() != 4 || w.dims[0] < 1 || w.dims[1] < 1 || w.dims[2] < 1 || w.dims[3] < 1)
      check_.fail("weight '" + w.name + "' must have rank 4 (C_out, C_in, KH, KW) with positive dims");
    out_c_ = w.dims[0], in_c_ = w.dims[1];
    geo_.set_kernel(check_, o, w.dims[2], w.dims[3]);
    if (w.quant.empty() || (w.quant.scale.size() != 1 && (w.quant.axis != 0 || static_cast<int64_t>(w.quant.scale.size()) != out_c_)))
      check_.fail("weight '" + w.name + "' needs per-tensor or axis-0 (per output channel) quantization");
    for (int32_t z : w.quant.zero_point)
      if (z != 0) check_.fail("weight '" + w.name + "' has zero point " + std::to_string(z) + "; int8 weights must be symmetric (0)");
    weights_ = reinterpret_cast<const int8_t*>(w.constant);
    bias_ = check_.optional_bias<int32_t>(2, DType::Int32, out_c_);
    x_zero_point_ = x.quant.zero_point[0];
    y_zero_point_ = y.quant.zero_point[0];
    const qmath::QRange r = quantized_clamp(y, clamp);
    y_min_ = r.lo, y_max_ = r.hi;
    for (int64_t c = 0; c < out_c_; ++c)
      multipliers_.push_back(
          qmath::requant_multiplier(x.quant.scale[0], w.quant.scale[w.quant.scale.size() == 1 ? 0 : c], y.quant.scale[0]));
    const char* isa = std::getenv("QINFER_ISA");
    const bool ref_forced = isa && std::strcmp(isa, "ref") == 0;
    if (ref_forced || !one_tap_per_output()) return;
    // B for kernel row ky: [KW * C_out, C_in], row (kx, oc) = w[oc, ky, kx, :].
    const int64_t n = geo_.kernel[1] * out_c_;
    std::vector<int8_t> b(static_cast<size_t>(n * in_c_));
    std::vector<int32_t> bias(static_cast<size_t>(n), 0);
    std::vector<float> mult(static_cast<size_t>(n));
    gemms_.resize(static_cast<size_t>(geo_.kernel[0]));
    for (int64_t ky = 0; ky < geo_.kernel[0]; ++ky) {
      for (int64_t kx = 0; kx < geo_.kernel[1]; ++kx)
        for (int64_t oc = 0; oc < out_c_; ++oc) {
          const int64_t col = kx * out_c_ + oc;
          std::memcpy(&b[col * in_c_], weights_ + ((oc * geo_.kernel[0] + ky) * geo_.kernel[1] + kx) * in_c_, static_cast<size_t>(in_c_));
          bias[col] = bias_ ? bias_[oc] : 0;
          mult[col] = multipliers_[oc];
        }
      gemms_[ky].pack(n, in_c_, b.data(), x_zero_point_, bias.data(), mult.data(), y_zero_point_, y_min_, y_max_);
    }
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    return {geo_.output_shape(check_, *in[0], in_c_, out_c_)};
  }

  int64_t macs(const std::vector<const Shape*>& in, const std::vector<const Shape*>&) const override {
    const Shape& x = *in[0];
    return x[0] * x[1] * x[2] * x[3] * out_c_ * geo_.kernel[0] * geo_.kernel[1];
  }

  size_t scratch_bytes(const std::vector<const Shape*>&, const std::vector<const Shape*>&, int threads) const override {
    return gemms_.empty() ? 0 : round64(gemms_[0].scratch_bytes()) * static_cast<size_t>(threads);
  }

  void run(const KernelIO& io, ThreadPool& pool) const override {
    const Shape& xs = *io.input_shapes[0];
    const Shape& ys = *io.output_shapes[0];
    const auto* x = static_cast<const uint8_t*>(io.inputs[0]);
    auto* y = static_cast<uint8_t*>(io.outputs[0]);
    if (gemms_.empty()) {
      const ref::Conv2DGeometry g = geo_.conv2d(xs, ys);
      pool.parallel_for(g.rows(), [&](int64_t b, int64_t e) {
        ref::conv_transpose2d_qu8s8_nhwc(g, x, x_zero_point_, weights_, bias_, multipliers_.data(), y_zero_point_, y_min_,
                                         y_max_, y, b, e);
      });
      return;
    }
    const int64_t in_rows = xs[0] * xs[2], in_w = xs[3], out_w = ys[3], kh = geo_.kernel[0], kw = geo_.kernel[1];
    const int parts = pool.threads();
    const size_t part_bytes = round64(gemms_[0].scratch_bytes());
    auto* scratch = static_cast<uint8_t*>(io.scratch);
    pool.parallel_for(parts, [&](int64_t pb, int64_t pe) {
      for (int64_t p = pb; p < pe; ++p)
        for (int64_t r = in_rows * p / parts; r < in_rows * (p + 1) / parts; ++r)  // r = n * H + iy
          for (int64_t ky = 0; ky < kh; ++ky)
            gemms_[ky].run(in_w, x + r * in_w * in_c_, in_c_, y + (r * kh + ky) * out_w * out_c_, kw * out_c_, 0, in_w,
                           scratch + static_cast<size_t>(p) * part_bytes);
    });
  }

 private:
  bool one_tap_per_output() const {
    const ConvTransposeGeometry& c = geo_;
    return c.kernel[0] == c.strides[0] && c.kernel[1] == c.strides[1] && c.pads[0] == 0 && c.pads[1] == 0 && c.pads[2] == 0 &&
           c.pads[3] == 0 && c.dilations[0] == 1 && c.dilations[1] == 1 && c.output_padding[0] == 0 && c.output_padding[1] == 0;
  }

  NodeCheck check_;
  ConvTransposeGeometry geo_;
  int64_t in_c_ = 0, out_c_ = 0;
  const int8_t* weights_ = nullptr;
  const int32_t* bias_ = nullptr;
  int32_t x_zero_point_ = 0, y_zero_point_ = 0, y_min_ = 0, y_max_ = 255;
  std::vector<float> multipliers_;
  std::vector<Int8Gemm> gemms_;  // one per kernel row (fast path only)
};

}  // namespace

std::unique_ptr<Kernel> create_conv_transpose_qu8_kernel(const Model& m, const NodeDesc& n) {
  return std::make_unique<ConvTransposeQu8Kernel>(m, n);
}

}  // namespace qinfer
