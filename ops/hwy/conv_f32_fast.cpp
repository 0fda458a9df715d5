// Fast fp32 Conv2D (NCHW): plan, weight packing and the dispatched entry point (see conv_f32_fast.h).
#include "conv_f32_fast.h"

#include <algorithm>
#include <cstring>

// Register-blocked accumulators live in arrays of vectors, which sizeless (SVE/RVV) vectors forbid.
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128 | HWY_RVV)
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "hwy/conv_f32_fast.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/dwconv_f32-inl.h"
#include "hwy/gemm_f32-inl.h"

HWY_BEFORE_NAMESPACE();
namespace qinfer::f32 {
namespace HWY_NAMESPACE {

// Copies `count` floats src[0], src[2], ... (stride 2); `avail` floats are readable from src.
HWY_INLINE void CopyStride2(const float* HWY_RESTRICT src, int64_t count, int64_t avail, float* HWY_RESTRICT dst) {
  int64_t j = 0;
#if HWY_TARGET != HWY_SCALAR
  const DF d;
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  for (; j + L <= count && 2 * (j + L) <= avail; j += L)
    hn::StoreU(hn::ConcatEven(d, hn::LoadU(d, src + 2 * j + L), hn::LoadU(d, src + 2 * j)), d, dst + j);
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
  // Tail with hardware-masked loads (no lane past `avail` is read) and a masked store.
  for (; j < count; j += L) {
    const int64_t rest = avail - 2 * j;  // readable floats from src + 2j
    const auto lo = hn::MaskedLoad(hn::FirstN(d, static_cast<size_t>(std::min(rest, L))), d, src + 2 * j);
    const auto hi = hn::MaskedLoad(hn::FirstN(d, static_cast<size_t>(std::clamp<int64_t>(rest - L, 0, L))), d,
                                   src + 2 * j + L);
    hn::BlendedStore(hn::ConcatEven(d, hi, lo), hn::FirstN(d, static_cast<size_t>(std::min(count - j, L))), d, dst + j);
  }
#endif
#endif
  (void)avail;
  for (; j < count; ++j) dst[j] = src[2 * j];
}

// im2col of one image and group, written straight into packed B panels:
// B[k, n] with k = (ic, ky, kx) and n = (oy, ox); zero where the tap falls on padding.
// The block's columns are cut once into pieces (one output row, one panel each); every k row then
// copies each piece as one (clipped) contiguous or strided run of an input row.
struct Im2colB {
  const ref::Conv2DGeometry* g;
  const float* x;  // first input channel of this image and group

  struct Piece {
    int64_t iy0, ix0;   // oy * stride_h, ox * stride_w of the piece's first column
    int64_t len;        // columns
    int64_t dst;        // offset of the piece's first column in k row 0 of the block
    int64_t width;      // row stride of the piece's panel
  };

  // out[j] = input(iy, ix0 + j * stride_w) for j < len, 0 outside the image.
  HWY_INLINE void CopyPiece(const float* plane, int64_t iy, int64_t ix0, int64_t len, float* HWY_RESTRICT out) const {
    const ref::Conv2DGeometry& G = *g;
    if (iy < 0 || iy >= G.in_h) {
      std::fill(out, out + len, 0.0f);
      return;
    }
    const float* src = plane + iy * G.in_w;
    const int64_t sw = G.stride_w;
    int64_t j_lo, j_hi;  // columns reading inside the row: ix0 + j * sw in [0, in_w)
    if (sw == 1) {
      j_lo = -ix0;
      j_hi = G.in_w - ix0;
    } else if (sw == 2) {
      j_lo = ix0 >= 0 ? 0 : (1 - ix0) >> 1;
      j_hi = ix0 >= G.in_w ? 0 : (G.in_w - ix0 + 1) >> 1;
    } else {
      j_lo = ix0 >= 0 ? 0 : (-ix0 + sw - 1) / sw;
      j_hi = ix0 >= G.in_w ? 0 : (G.in_w - ix0 + sw - 1) / sw;
    }
    j_lo = std::clamp<int64_t>(j_lo, 0, len);
    j_hi = std::clamp<int64_t>(j_hi, j_lo, len);
    std::fill(out, out + j_lo, 0.0f);
    const float* first = src + ix0 + j_lo * sw;
    if (sw == 1) {
      CopyFloats(first, static_cast<size_t>(j_hi - j_lo), out + j_lo);
    } else if (sw == 2) {
      CopyStride2(first, j_hi - j_lo, G.in_w - (ix0 + j_lo * 2), out + j_lo);
    } else {
      for (int64_t j = j_lo; j < j_hi; ++j) out[j] = src[ix0 + j * sw];
    }
    std::fill(out + j_hi, out + len, 0.0f);
  }

  void Pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, int64_t nr, float* HWY_RESTRICT dst) const {
    const ref::Conv2DGeometry& G = *g;
    const int64_t taps = G.kernel_h * G.kernel_w, plane_size = G.in_h * G.in_w;
    constexpr int kMaxPieces = 96;
    Piece pieces[kMaxPieces];
    int64_t col = 0, oy = n0 / G.out_w, ox = n0 % G.out_w;
    while (col < nc) {
      int np = 0;
      while (col < nc && np < kMaxPieces) {
        const int64_t p0 = col / nr * nr;
        const int64_t width = PanelWidth(std::min(nr, nc - p0));
        const int64_t len = std::min({G.out_w - ox, p0 + nr - col, nc - col});
        pieces[np++] = Piece{oy * G.stride_h, ox * G.stride_w, len, p0 * kc + (col - p0), width};
        col += len;
        ox += len;
        if (ox == G.out_w) ox = 0, ++oy;
      }
      for (int64_t kk = 0; kk < kc; ++kk) {
        const int64_t k = k0 + kk, ic = k / taps, t = k % taps, ky = t / G.kernel_w, kx = t % G.kernel_w;
        const float* plane = x + ic * plane_size;
        const int64_t iy_off = ky * G.dilation_h - G.pad_top, ix_off = kx * G.dilation_w - G.pad_left;
        for (int i = 0; i < np; ++i) {
          const Piece& pc = pieces[i];
          CopyPiece(plane, pc.iy0 + iy_off, pc.ix0 + ix_off, pc.len, dst + pc.dst + kk * pc.width);
        }
      }
    }
    // Zero the padding columns of the last panel.
    const int64_t last_p0 = (nc - 1) / nr * nr, last_cols = nc - last_p0;
    const int64_t last_width = PanelWidth(last_cols);
    if (last_width > last_cols)
      for (int64_t kk = 0; kk < kc; ++kk) {
        float* row = dst + last_p0 * kc + kk * last_width;
        std::fill(row + last_cols, row + last_width, 0.0f);
      }
  }
};

bool IsPointwise(const ref::Conv2DGeometry& g) {
  return g.kernel_h == 1 && g.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 &&
         g.pad_left == 0 && g.out_h == g.in_h && g.out_w == g.in_w;
}

void ConvRun(const ref::Conv2DGeometry& g, const float* x, const float* packed, const float* bias, float lo, float hi,
             float* y, const ConvF32Plan& plan, int64_t item_begin, int64_t item_end, void* part_scratch) {
  float* scratch = static_cast<float*>(part_scratch);
  const int64_t in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
  const int64_t icg = g.in_c_per_group(), ocg = g.out_c_per_group();
  if (plan.depthwise) {
    const int64_t taps = g.kernel_h * g.kernel_w;
    for (int64_t item = item_begin; item < item_end; ++item) {
      const int64_t img = item / g.out_c, oc = item % g.out_c, ic = oc / ocg;
      DepthwisePlane(g, x + (img * g.in_c + ic) * in_plane, packed + oc * taps, bias ? bias[oc] : 0.0f, lo, hi,
                     y + (img * g.out_c + oc) * out_plane, scratch, plan.dw_rows, plan.dw_cols);
    }
    return;
  }
  const int64_t per = plan.gemm.items();
  const int64_t a_floats = gemm_packed_a_floats(plan.gemm.m, plan.gemm.k);
  const bool pointwise = IsPointwise(g);
  for (int64_t item = item_begin; item < item_end;) {
    const int64_t outer = item / per, sub0 = item % per, sub1 = std::min(per, sub0 + (item_end - item));
    const int64_t img = outer / g.groups, grp = outer % g.groups;
    const float* xg = x + (img * g.in_c + grp * icg) * in_plane;
    const GemmProblem pr{&plan.gemm,
                         packed + grp * a_floats,
                         y + (img * g.out_c + grp * ocg) * out_plane,
                         out_plane,
                         bias ? bias + grp * ocg : nullptr,
                         GemmBias::kPerRow,
                         lo,
                         hi};
    if (pointwise) {
      RunGemmItems(pr, StridedB{xg, in_plane, 1}, sub0, sub1, scratch);
    } else {
      RunGemmItems(pr, Im2colB{&g, xg}, sub0, sub1, scratch);
    }
    item += sub1 - sub0;
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace qinfer::f32
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qinfer::f32 {

HWY_EXPORT(ConvRun);

namespace {
int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
size_t round64(size_t bytes) { return (bytes + 63) / 64 * 64; }
constexpr int64_t kDwMaxLanes = 16;  // DDw in dwconv_f32-inl.h
}  // namespace

bool conv2d_f32_is_depthwise(const ref::Conv2DGeometry& g) { return g.groups > 1 && g.in_c == g.groups; }

int64_t conv2d_f32_packed_floats(const ref::Conv2DGeometry& g) {
  if (conv2d_f32_is_depthwise(g)) return (g.out_c * g.kernel_h * g.kernel_w + 15) / 16 * 16;
  return g.groups * gemm_packed_a_floats(g.out_c_per_group(), g.in_c_per_group() * g.kernel_h * g.kernel_w);
}

void conv2d_f32_pack(const ref::Conv2DGeometry& g, const float* w_oihw, float* packed) {
  const int64_t total = conv2d_f32_packed_floats(g);
  if (conv2d_f32_is_depthwise(g)) {
    const int64_t n = g.out_c * g.kernel_h * g.kernel_w;
    std::copy(w_oihw, w_oihw + n, packed);
    std::fill(packed + n, packed + total, 0.0f);
    return;
  }
  const int64_t m = g.out_c_per_group(), k = g.in_c_per_group() * g.kernel_h * g.kernel_w;
  const int64_t a_floats = gemm_packed_a_floats(m, k);
  for (int64_t grp = 0; grp < g.groups; ++grp) gemm_pack_a(m, k, w_oihw + grp * m * k, k, 1, packed + grp * a_floats);
}

ConvF32Plan conv2d_f32_plan(const ref::Conv2DGeometry& g, int threads) {
  ConvF32Plan p;
  p.parts = std::max(1, threads);
  const int64_t min_items = p.parts == 1 ? 1 : 3 * p.parts;
  if (conv2d_f32_is_depthwise(g)) {
    p.depthwise = true;
    p.work_items = g.batch * g.out_c;
    const int64_t lanes_cols = ceil_div(g.out_w, kDwMaxLanes) * kDwMaxLanes;
    p.dw_rows = (g.out_h - 1) * g.stride_h + (g.kernel_h - 1) * g.dilation_h + 1;
    p.dw_cols = std::max(g.pad_left + g.in_w, lanes_cols * g.stride_w + (g.kernel_w - 1) * g.dilation_w);
    p.scratch_bytes_per_part = round64(static_cast<size_t>(p.dw_rows * p.dw_cols) * sizeof(float));
    return p;
  }
  p.gemms = g.batch * g.groups;
  p.gemm = gemm_blocking(g.out_c_per_group(), g.out_h * g.out_w, g.in_c_per_group() * g.kernel_h * g.kernel_w,
                         ceil_div(min_items, std::max<int64_t>(1, p.gemms)));
  p.work_items = p.gemms * p.gemm.items();
  p.scratch_bytes_per_part = round64(p.gemm.scratch_bytes());
  return p;
}

size_t conv2d_f32_scratch_bytes(const ref::Conv2DGeometry& g, int threads) {
  return conv2d_f32_plan(g, threads).scratch_bytes();
}

void conv2d_f32_run(const ref::Conv2DGeometry& g, const float* x, const float* packed, const float* bias,
                    float out_min, float out_max, float* y, const ConvF32Plan& plan, int64_t item_begin,
                    int64_t item_end, void* part_scratch) {
  HWY_DYNAMIC_DISPATCH(ConvRun)(g, x, packed, bias, out_min, out_max, y, plan, item_begin, item_end, part_scratch);
}

void conv2d_f32_run_part(const ref::Conv2DGeometry& g, const float* x, const float* packed, const float* bias,
                         float out_min, float out_max, float* y, const ConvF32Plan& plan, int64_t part,
                         void* scratch) {
  const int64_t items = plan.work_items, parts = plan.parts;
  const int64_t base = items / parts, extra = items % parts;
  const int64_t begin = part * base + std::min<int64_t>(part, extra);
  const int64_t end = begin + base + (part < extra ? 1 : 0);
  if (begin >= end) return;
  conv2d_f32_run(g, x, packed, bias, out_min, out_max, y, plan, begin, end,
                 static_cast<char*>(scratch) + plan.scratch_bytes_per_part * static_cast<size_t>(part));
}

}  // namespace qinfer::f32
#endif  // HWY_ONCE
