// Conv: fp32 on NCHW data, or uint8 x int8 -> uint8 on NHWC data with per-channel weights.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "kernels/kernel.h"
#include "kernels/node_check.h"
#include "conv_f32_fast.h"
#include "dwconv_qu8s8_hwy.h"
#include "kernels/int8_gemm.h"
#include "reference/conv.h"

namespace qinfer {

namespace {

// QINFER_ISA=ref forces the scalar reference int8 kernels (read once per kernel, at creation).
bool int8_reference_forced() {
  const char* isa = std::getenv("QINFER_ISA");
  return isa && std::strcmp(isa, "ref") == 0;
}

constexpr int64_t kIm2colTileRows = 32;  // output pixels per im2col tile of the int8 GEMM path
constexpr int64_t kColumnSplitRows = 256;  // int8 GEMMs with fewer rows split columns across threads
size_t round64(size_t v) { return (v + 63) / 64 * 64; }

class ConvKernel : public Kernel {
 public:
  ConvKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(2, 3, 1);
    const fb::ConvOptions* o = check_.options<fb::ConvOptions>("ConvOptions");
    kernel_ = check_.ints(o->kernel(), 2, 1, 0, "kernel");
    strides_ = check_.ints(o->strides(), 2, 1, 1, "strides");
    pads_ = check_.ints(o->pads(), 4, 0, 0, "pads");
    dilations_ = check_.ints(o->dilations(), 2, 1, 1, "dilations");
    if (o->group() < 1) check_.fail("group " + std::to_string(o->group()) + " must be >= 1");
    groups_ = o->group();
    clamp_ = fused_clamp(check_, o->activation(), o->clip_min(), o->clip_max());

    const TensorDesc& x = check_.input(0);
    const TensorDesc& w = check_.input(1);
    const TensorDesc& y = check_.output(0);
    check_.expect_constant(w, "weight");
    if (w.dims.size() != 4) check_.fail("weight '" + w.name + "' has rank " + std::to_string(w.dims.size()) + ", expected 4 (O, I, KH, KW)");
    if (kernel_[0] == 0) kernel_ = {w.dims[2], w.dims[3]};
    if (kernel_[0] != w.dims[2] || kernel_[1] != w.dims[3]) check_.fail("kernel does not match the weight's spatial shape");
    if (w.dims[0] % groups_ != 0) check_.fail("weight has " + std::to_string(w.dims[0]) + " output channels, not divisible by group " + std::to_string(groups_));
    const TensorDesc* b = check_.has_input(2) ? &check_.input(2) : nullptr;
    if (b) {
      check_.expect_constant(*b, "bias");
      if (b->dims != Shape{w.dims[0]}) check_.fail("bias '" + b->name + "' must have shape [" + std::to_string(w.dims[0]) + "]");
    }
    out_c_ = w.dims[0];
    in_c_per_group_ = w.dims[1];
    weights_ = w.constant;
    bias_ = b ? b->constant : nullptr;

    quantized_ = x.dtype != DType::Float32;
    if (!quantized_) {
      for (const TensorDesc* t : {&x, &w, &y}) check_.expect_dtype(*t, DType::Float32, "tensor");
      if (b) check_.expect_dtype(*b, DType::Float32, "bias");
      for (const TensorDesc* t : {&x, &w, &y}) check_.expect_layout(*t, fb::Layout::Plain, "tensor");
      // Pack the weights once for the fast fp32 convolution (ops/conv_f32_fast.h).
      const ref::Conv2DGeometry wg = weight_geometry();
      packed_f32_.resize(static_cast<size_t>(f32::conv2d_f32_packed_floats(wg)));
      f32::conv2d_f32_pack(wg, reinterpret_cast<const float*>(weights_), packed_f32_.data());
      return;
    }
    check_.expect_dtype(x, DType::UInt8, "input");
    check_.expect_dtype(w, DType::Int8, "weight");
    check_.expect_dtype(y, DType::UInt8, "output");
    for (const TensorDesc* t : {&x, &w, &y}) check_.expect_layout(*t, fb::Layout::NHWC, "tensor");
    check_.expect_per_tensor(x, "input");
    check_.expect_per_tensor(y, "output");
    if (b) check_.expect_dtype(*b, DType::Int32, "bias");
    if (w.quant.empty() || (w.quant.scale.size() > 1 && w.quant.axis != 0))
      check_.fail("weight '" + w.name + "' needs per-tensor or axis-0 (per output channel) quantization");
    for (int32_t z : w.quant.zero_point)
      if (z != 0) check_.fail("weight '" + w.name + "' has zero point " + std::to_string(z) + "; int8 weights must be symmetric (0)");
    x_zero_point_ = x.quant.zero_point[0];
    y_zero_point_ = y.quant.zero_point[0];
    const qmath::QRange r = quantized_clamp(y, clamp_);
    y_min_ = r.lo;
    y_max_ = r.hi;
    for (int64_t c = 0; c < out_c_; ++c) {
      const float sw = w.quant.scale[w.quant.scale.size() == 1 ? 0 : c];
      multipliers_.push_back(qmath::requant_multiplier(x.quant.scale[0], sw, y.quant.scale[0]));
    }
    if (int8_reference_forced()) return;
    const auto* wq = reinterpret_cast<const int8_t*>(weights_);
    const auto* bq = reinterpret_cast<const int32_t*>(bias_);
    if (groups_ == 1) {
      // OHWI weights are already B [OC, KH*KW*IC], row-major.
      int8_mode_ = Int8Mode::kGemm;
      gemm_k_ = kernel_[0] * kernel_[1] * in_c_per_group_;
      gemm_q8_.pack(out_c_, gemm_k_, wq, x_zero_point_, bq, multipliers_.data(), y_zero_point_, y_min_, y_max_);
    } else if (groups_ == out_c_ && in_c_per_group_ == 1) {
      int8_mode_ = Int8Mode::kDepthwise;
      packed_dw_ = q8::dwconv_qu8s8_pack(out_c_, kernel_[0], kernel_[1], wq, bq, multipliers_.data(), x_zero_point_,
                                         y_zero_point_, y_min_, y_max_);
    }
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    const Shape& x = *in[0];
    if (x.size() != 4) check_.fail("input shape " + shape_string(x) + " must have rank 4 (N, C, H, W)");
    if (x[1] != in_c_per_group_ * groups_)
      check_.fail("input has " + std::to_string(x[1]) + " channels but weight expects " +
                  std::to_string(in_c_per_group_) + " x group " + std::to_string(groups_));
    const int64_t oh = ref::conv_out_extent(x[2], kernel_[0], strides_[0], pads_[0], pads_[2], dilations_[0]);
    const int64_t ow = ref::conv_out_extent(x[3], kernel_[1], strides_[1], pads_[1], pads_[3], dilations_[1]);
    if (oh <= 0 || ow <= 0) check_.fail("input " + shape_string(x) + " is smaller than the (dilated) kernel after padding");
    return {Shape{x[0], out_c_, oh, ow}};
  }

  int64_t macs(const std::vector<const Shape*>&, const std::vector<const Shape*>& out) const override {
    const Shape& y = *out[0];
    return y[0] * y[1] * y[2] * y[3] * in_c_per_group_ * kernel_[0] * kernel_[1];
  }

  size_t scratch_bytes(const std::vector<const Shape*>& in, const std::vector<const Shape*>& out,
                       int threads) const override {
    if (quantized_) {
      if (int8_mode_ != Int8Mode::kGemm) return 0;
      return int8_part_bytes() * static_cast<size_t>(std::max(threads, 1));
    }
    (void)out;
    return f32::conv2d_f32_scratch_bytes(geometry(*in[0], *out[0]), threads);
  }

  void run(const KernelIO& io, ThreadPool& pool) const override {
    const ref::Conv2DGeometry g = geometry(*io.input_shapes[0], *io.output_shapes[0]);
    if (!quantized_) {
      const auto* xp = static_cast<const float*>(io.inputs[0]);
      const auto* bp = reinterpret_cast<const float*>(bias_);
      auto* yp = static_cast<float*>(io.outputs[0]);
      const f32::ConvF32Plan plan = f32::conv2d_f32_plan(g, pool.threads());
      pool.parallel_for(plan.parts, [&](int64_t b, int64_t e) {
        for (int64_t p = b; p < e; ++p)
          f32::conv2d_f32_run_part(g, xp, packed_f32_.data(), bp, clamp_.lo, clamp_.hi, yp, plan, p, io.scratch);
      });
      return;
    }
    const auto* xp = static_cast<const uint8_t*>(io.inputs[0]);
    const auto* wp = reinterpret_cast<const int8_t*>(weights_);
    const auto* bp = reinterpret_cast<const int32_t*>(bias_);
    auto* yp = static_cast<uint8_t*>(io.outputs[0]);
    if (int8_mode_ == Int8Mode::kGemm) {
      run_int8_gemm(g, xp, yp, io.scratch, pool);
      return;
    }
    if (int8_mode_ == Int8Mode::kDepthwise) {
      pool.parallel_for(g.rows(), [&](int64_t b, int64_t e) { q8::dwconv_qu8s8_run(packed_dw_, g, xp, yp, b, e); });
      return;
    }
    pool.parallel_for(g.rows(), [&](int64_t b, int64_t e) {
      ref::conv2d_qu8s8_nhwc(g, xp, x_zero_point_, wp, bp, multipliers_.data(), y_zero_point_, y_min_, y_max_, yp, b, e);
    });
  }

 private:
  enum class Int8Mode { kReference, kGemm, kDepthwise };

  bool pointwise() const {
    return kernel_[0] == 1 && kernel_[1] == 1 && strides_[0] == 1 && strides_[1] == 1 && pads_[0] == 0 &&
           pads_[1] == 0 && pads_[2] == 0 && pads_[3] == 0;
  }
  // Scratch of one part: the GEMM's packed-A chunk, plus an im2col tile unless the conv is 1x1.
  size_t int8_part_bytes() const {
    size_t bytes = round64(gemm_q8_.scratch_bytes());
    if (!pointwise()) bytes += round64(static_cast<size_t>(kIm2colTileRows * gemm_k_));
    return bytes;
  }

  // group == 1 int8 conv as GEMM: 1x1 stride-1 unpadded directly on the NHWC input, otherwise
  // through im2col tiles (padding taps hold the input zero point, which contributes exactly 0).
  void run_int8_gemm(const ref::Conv2DGeometry& g, const uint8_t* xp, uint8_t* yp, void* scratch,
                     ThreadPool& pool) const {
    const int64_t m = g.batch * g.out_h * g.out_w;
    const int parts = pool.threads();
    const size_t part_bytes = int8_part_bytes();
    auto* sbase = static_cast<uint8_t*>(scratch);
    // Few rows, more channels (ResNet-50 layer3/layer4: M = 196 or 49): threads split the columns,
    // so that each streams only its share of the weights (2.4 MB in layer4's 3x3) instead of all.
    // With im2col, only where whole tiles split the rows unevenly (layer4: 32 + 17 rows), since every
    // thread then builds all tiles.
    const int64_t panels = gemm_q8_.column_panels();
    const int64_t tiles = (m + kIm2colTileRows - 1) / kIm2colTileRows;
    bool by_columns = parts > 1 && m < kColumnSplitRows && m < g.out_c && panels >= parts;
    using Range = std::pair<int64_t, int64_t>;
    auto share = [&](int64_t p, int64_t count) { return Range{count * p / parts, count * (p + 1) / parts}; };
    if (by_columns && !pointwise()) {
      int64_t largest = 0;  // rows of the largest part of a split by tiles
      for (int64_t p = 0; p < parts; ++p) {
        const Range t = share(p, tiles);
        largest = std::max(largest, std::min(m, t.second * kIm2colTileRows) - t.first * kIm2colTileRows);
      }
      by_columns = largest * parts * 4 > m * 5;  // > 1.25x the even share
    }
    auto rows_of = [&](int64_t p, int64_t count) { return by_columns ? Range{0, count} : share(p, count); };
    auto panels_of = [&](int64_t p) { return by_columns ? share(p, panels) : Range{0, panels}; };
    if (pointwise()) {
      pool.parallel_for(parts, [&](int64_t b, int64_t e) {
        for (int64_t p = b; p < e; ++p) {
          const auto [r0, r1] = rows_of(p, m);
          const auto [c0, c1] = panels_of(p);
          gemm_q8_.run_panels(m, xp, gemm_k_, yp, g.out_c, r0, r1, c0, c1, sbase + static_cast<size_t>(p) * part_bytes);
        }
      });
      return;
    }
    const size_t gemm_bytes = round64(gemm_q8_.scratch_bytes());
    const int64_t ic = g.in_c;
    const uint8_t zp = static_cast<uint8_t>(x_zero_point_);
    pool.parallel_for(parts, [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p) {
        uint8_t* part = sbase + static_cast<size_t>(p) * part_bytes;
        uint8_t* tile = part + gemm_bytes;
        const auto [t0, t1] = rows_of(p, tiles);
        const auto [c0, c1] = panels_of(p);
        for (int64_t t = t0; t < t1; ++t) {
          const int64_t m0 = t * kIm2colTileRows, rows = std::min(kIm2colTileRows, m - m0);
          for (int64_t r = 0; r < rows; ++r) {
            const int64_t pix = m0 + r;
            const int64_t n = pix / (g.out_h * g.out_w), rem = pix % (g.out_h * g.out_w);
            const int64_t oy = rem / g.out_w, ox = rem % g.out_w;
            uint8_t* dst = tile + r * gemm_k_;
            for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
              const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
              for (int64_t kx = 0; kx < g.kernel_w; ++kx, dst += ic) {
                const int64_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
                if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w)
                  std::memset(dst, zp, static_cast<size_t>(ic));
                else
                  std::memcpy(dst, xp + ((n * g.in_h + iy) * g.in_w + ix) * ic, static_cast<size_t>(ic));
              }
            }
          }
          gemm_q8_.run_panels(rows, tile, gemm_k_, yp + m0 * g.out_c, g.out_c, 0, rows, c0, c1, part);
        }
      }
    });
  }

  // The fields of the geometry that only depend on the weights (what packing reads).
  ref::Conv2DGeometry weight_geometry() const {
    ref::Conv2DGeometry g;
    g.in_c = in_c_per_group_ * groups_;
    g.out_c = out_c_;
    g.groups = groups_;
    g.kernel_h = kernel_[0], g.kernel_w = kernel_[1];
    return g;
  }

  ref::Conv2DGeometry geometry(const Shape& x, const Shape& y) const {
    ref::Conv2DGeometry g;
    g.batch = x[0];
    g.in_c = x[1], g.in_h = x[2], g.in_w = x[3];
    g.out_c = y[1], g.out_h = y[2], g.out_w = y[3];
    g.kernel_h = kernel_[0], g.kernel_w = kernel_[1];
    g.stride_h = strides_[0], g.stride_w = strides_[1];
    g.pad_top = pads_[0], g.pad_left = pads_[1];
    g.dilation_h = dilations_[0], g.dilation_w = dilations_[1];
    g.groups = groups_;
    return g;
  }

  NodeCheck check_;
  std::vector<int64_t> kernel_, strides_, pads_, dilations_;
  int64_t groups_ = 1, out_c_ = 0, in_c_per_group_ = 0;
  FloatClamp clamp_;
  const uint8_t* weights_ = nullptr;
  const uint8_t* bias_ = nullptr;
  bool quantized_ = false;
  int32_t x_zero_point_ = 0, y_zero_point_ = 0, y_min_ = 0, y_max_ = 255;
  std::vector<float> multipliers_;
  std::vector<float> packed_f32_;  // fp32 weights packed for f32::conv2d_f32_run_part
  Int8Mode int8_mode_ = Int8Mode::kReference;
  int64_t gemm_k_ = 0;              // KH * KW * IC (group 1)
  Int8Gemm gemm_q8_;                // group-1 int8 weights as GEMM B (JIT or Highway)
  q8::PackedDwQu8s8 packed_dw_;     // depthwise int8 weights for q8::dwconv_qu8s8_run
};

}  // namespace

std::unique_ptr<Kernel> create_conv_kernel(const Model& model, const NodeDesc& node) {
  return std::make_unique<ConvKernel>(model, node);
}

}  // namespace qinfer
