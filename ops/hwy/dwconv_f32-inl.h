// Per-target depthwise fp32 conv on one NCHW plane (included by conv_f32_fast.cpp per target):
//   f32dwconv_minmax__{target}: copies the input plane into a zero-padded plane in scratch (so the
//   inner loop has no bounds checks), then for every output row runs up to 4 vectors of output
//   columns at once (4 independent FMA chains), all kh*kw taps broadcast from the weights.
//   stride_w 1: unaligned loads; 2: two loads + ConcatEven; other: GatherIndex.
//   Columns past out_w are computed on the padding and dropped with a masked store.

#if defined(QINFER_OPS_HWY_DWCONV_F32_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef QINFER_OPS_HWY_DWCONV_F32_INL_H_
#undef QINFER_OPS_HWY_DWCONV_F32_INL_H_
#else
#define QINFER_OPS_HWY_DWCONV_F32_INL_H_
#endif

#include <algorithm>
#include <cstdint>

#include "hwy/gemm_f32-inl.h"  // CopyFloats
#include "hwy/highway.h"
#include "reference/conv.h"

HWY_BEFORE_NAMESPACE();
namespace qinfer::f32 {
namespace HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;
// At most 16 lanes, so that the padded plane the (target-independent) plan sizes is wide enough.
using DDw = hn::CappedTag<float, 16>;

template <int kStride>
HWY_INLINE hn::Vec<DDw> LoadTap(DDw d, const float* HWY_RESTRICT p, int64_t stride, hn::Vec<hn::Rebind<int32_t, DDw>> idx) {
  (void)stride, (void)idx;
#if HWY_TARGET == HWY_SCALAR
  return hn::LoadU(d, p);  // one lane: the tap itself
#else
  if (kStride == 1) return hn::LoadU(d, p);
  if (kStride == 2) return hn::ConcatEven(d, hn::LoadU(d, p + hn::Lanes(d)), hn::LoadU(d, p));
  return hn::GatherIndex(d, p, idx);
#endif
}

// Output columns [ox0, ox0 + NVEC*L) of one row (the last vector may be partial: `cols` valid).
template <int kStride, size_t NVEC>
HWY_INLINE void DwRowBlock(const ref::Conv2DGeometry& g, const float* HWY_RESTRICT in_row0, int64_t cols_padded,
                           const float* HWY_RESTRICT w, float bias, float lo, float hi, float* HWY_RESTRICT out,
                           int64_t ox0, int64_t cols) {
  const DDw d;
  const hn::Rebind<int32_t, DDw> di;
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  const int64_t sw = g.stride_w;
  const auto idx = hn::Mul(hn::Iota(di, 0), hn::Set(di, static_cast<int32_t>(sw)));
  hn::Vec<DDw> acc[NVEC];
  for (size_t j = 0; j < NVEC; ++j) acc[j] = hn::Set(d, bias);
  for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
    const float* row = in_row0 + ky * g.dilation_h * cols_padded;
    for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
      const auto wv = hn::Set(d, w[ky * g.kernel_w + kx]);
      const float* p = row + ox0 * sw + kx * g.dilation_w;
#pragma GCC unroll 4
      for (size_t j = 0; j < NVEC; ++j)
        acc[j] = hn::MulAdd(wv, LoadTap<kStride>(d, p + static_cast<int64_t>(j) * L * sw, sw, idx), acc[j]);
    }
  }
  const auto vlo = hn::Set(d, lo), vhi = hn::Set(d, hi);
#pragma GCC unroll 4
  for (size_t j = 0; j < NVEC; ++j) {
    const int64_t col = ox0 + static_cast<int64_t>(j) * L;
    const auto v = hn::Min(hn::Max(acc[j], vlo), vhi);
    if (col + L <= cols) {
      hn::StoreU(v, d, out + col);
    } else {
      hn::BlendedStore(v, hn::FirstN(d, static_cast<size_t>(cols - col)), d, out + col);
    }
  }
}

template <int kStride>
HWY_INLINE void DwRows(const ref::Conv2DGeometry& g, const float* pad, int64_t cols_padded, const float* w, float bias,
                       float lo, float hi, float* y) {
  const DDw d;
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  for (int64_t oy = 0; oy < g.out_h; ++oy) {
    const float* in_row0 = pad + oy * g.stride_h * cols_padded;
    float* out = y + oy * g.out_w;
    int64_t ox = 0;
    for (; ox + 4 * L <= g.out_w; ox += 4 * L)
      DwRowBlock<kStride, 4>(g, in_row0, cols_padded, w, bias, lo, hi, out, ox, g.out_w);
    const int64_t rest = (g.out_w - ox + L - 1) / L;  // 0..4 vectors, the last one partial
    if (rest == 4) DwRowBlock<kStride, 4>(g, in_row0, cols_padded, w, bias, lo, hi, out, ox, g.out_w);
    if (rest == 3) DwRowBlock<kStride, 3>(g, in_row0, cols_padded, w, bias, lo, hi, out, ox, g.out_w);
    if (rest == 2) DwRowBlock<kStride, 2>(g, in_row0, cols_padded, w, bias, lo, hi, out, ox, g.out_w);
    if (rest == 1) DwRowBlock<kStride, 1>(g, in_row0, cols_padded, w, bias, lo, hi, out, ox, g.out_w);
  }
}

// One output plane. x_plane: the input channel (in_h x in_w); w: kernel_h x kernel_w taps;
// pad: rows_padded x cols_padded floats of scratch (sizes from the plan).
HWY_INLINE void DepthwisePlane(const ref::Conv2DGeometry& g, const float* HWY_RESTRICT x_plane,
                               const float* HWY_RESTRICT w, float bias, float lo, float hi, float* HWY_RESTRICT y,
                               float* HWY_RESTRICT pad, int64_t rows_padded, int64_t cols_padded) {
  const int64_t copy_w = std::max<int64_t>(0, std::min(g.in_w, cols_padded - g.pad_left));
  for (int64_t r = 0; r < rows_padded; ++r) {
    float* dst = pad + r * cols_padded;
    const int64_t iy = r - g.pad_top;
    if (iy < 0 || iy >= g.in_h || copy_w == 0) {
      std::fill(dst, dst + cols_padded, 0.0f);
      continue;
    }
    std::fill(dst, dst + g.pad_left, 0.0f);
    CopyFloats(x_plane + iy * g.in_w, static_cast<size_t>(copy_w), dst + g.pad_left);
    std::fill(dst + g.pad_left + copy_w, dst + cols_padded, 0.0f);
  }
  if (g.stride_w == 1) {
    DwRows<1>(g, pad, cols_padded, w, bias, lo, hi, y);
  } else if (g.stride_w == 2) {
    DwRows<2>(g, pad, cols_padded, w, bias, lo, hi, y);
  } else {
    DwRows<0>(g, pad, cols_padded, w, bias, lo, hi, y);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace qinfer::f32
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
