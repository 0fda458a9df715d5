// Depthwise int8 convolution, NHWC, vectorized along channels (see dwconv_qu8s8_hwy.h).
#include "dwconv_qu8s8_hwy.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128 | HWY_RVV)
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "hwy/dwconv_qu8s8_hwy.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/qu8s8_common-inl.h"

HWY_BEFORE_NAMESPACE();
namespace qinfer::q8 {
namespace HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;

// `nv` vectors of channels starting at c0 for one output pixel. Taps [ky0,ky1) x [kx0,kx1) are valid.
// `tail`: channels in the last vector when it is partial (0: full); partial inputs go through a buffer.
// kInterior: every tap is inside the image, so the input zero point is folded into the bias
// (bias_interior = bias - x_zp * sum of the channel's taps) and x is used as is.
template <size_t NV, bool kInterior>
HWY_INLINE void DwPixel(const PackedDwQu8s8& p, const ref::Conv2DGeometry& g, const uint8_t* HWY_RESTRICT xrow0,
                        int64_t iy0, int64_t ix0, int64_t ky0, int64_t ky1, int64_t kx0, int64_t kx1, int64_t c0,
                        size_t tail, uint8_t* HWY_RESTRICT out) {
  const hn::ScalableTag<int32_t> d;
  const hn::Rebind<uint8_t, decltype(d)> d8;
  const size_t L = hn::Lanes(d);
  using V = hn::Vec<decltype(d)>;
  const V zp = hn::Set(d, p.x_zero_point);
  V acc[NV];
  const int32_t* bias = kInterior ? p.bias_interior.data() : p.bias.data();
  for (size_t v = 0; v < NV; ++v) acc[v] = hn::LoadU(d, bias + c0 + v * L);
  for (int64_t ky = ky0; ky < ky1; ++ky) {
    const uint8_t* xr = xrow0 + ((iy0 + ky * g.dilation_h) * g.in_w) * g.in_c + c0;
    const int32_t* wr = p.w.data() + ky * p.kw * p.cpad + c0;
    for (int64_t kx = kx0; kx < kx1; ++kx) {
      const uint8_t* xp = xr + (ix0 + kx * g.dilation_w) * g.in_c;
      const int32_t* wp = wr + kx * p.cpad;
      for (size_t v = 0; v < NV; ++v) {
        hn::Vec<decltype(d8)> xb;
        if (tail != 0 && v == NV - 1) {
          uint8_t buf[64] = {0};
          std::memcpy(buf, xp + v * L, tail);
          xb = hn::LoadU(d8, buf);
        } else {
          xb = hn::LoadU(d8, xp + v * L);
        }
        const V xv = kInterior ? hn::PromoteTo(d, xb) : hn::Sub(hn::PromoteTo(d, xb), zp);
        const V wv = hn::LoadU(d, wp + v * L);  // int16 weight in the low half, high half 0
#if QINFER_Q8_MADD
        // pmaddwd: lo16(x - zp) * w + hi16(x - zp) * 0, exact since |x - zp| <= 255.
        acc[v] = PairDotVV(d, xv, wv, acc[v]);
#else
        acc[v] = hn::Add(acc[v], hn::Mul(xv, hn::ShiftRight<16>(hn::ShiftLeft<16>(wv))));
#endif
      }
    }
  }
  const Requant rq(p.y_zero_point, p.y_min, p.y_max);
  for (size_t v = 0; v < NV; ++v) {
    if (tail != 0 && v == NV - 1) {
      uint8_t buf[64];
      RequantStore(d, acc[v], p.multiplier.data() + c0 + v * L, rq, buf);
      std::memcpy(out + c0 + v * L, buf, tail);
    } else {
      RequantStore(d, acc[v], p.multiplier.data() + c0 + v * L, rq, out + c0 + v * L);
    }
  }
}

void DwRun(const PackedDwQu8s8& p, const ref::Conv2DGeometry& g, const uint8_t* x, uint8_t* y, int64_t row_begin,
           int64_t row_end) {
  const hn::ScalableTag<int32_t> d;
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  const int64_t C = g.in_c;
  const int64_t full4 = C / (4 * L) * (4 * L);
  const int64_t full1 = C / L * L;
  const size_t tail = static_cast<size_t>(C - full1);
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t n = row / g.out_h, oy = row % g.out_h;
    const int64_t iy0 = oy * g.stride_h - g.pad_top;
    // valid ky: 0 <= iy0 + ky * dh < in_h
    int64_t ky0 = 0, ky1 = g.kernel_h;
    while (ky0 < ky1 && iy0 + ky0 * g.dilation_h < 0) ++ky0;
    while (ky1 > ky0 && iy0 + (ky1 - 1) * g.dilation_h >= g.in_h) --ky1;
    const uint8_t* xrow0 = x + n * g.in_h * g.in_w * C;
    for (int64_t ox = 0; ox < g.out_w; ++ox) {
      const int64_t ix0 = ox * g.stride_w - g.pad_left;
      int64_t kx0 = 0, kx1 = g.kernel_w;
      while (kx0 < kx1 && ix0 + kx0 * g.dilation_w < 0) ++kx0;
      while (kx1 > kx0 && ix0 + (kx1 - 1) * g.dilation_w >= g.in_w) --kx1;
      uint8_t* out = y + ((n * g.out_h + oy) * g.out_w + ox) * C;
      int64_t c0 = 0;
      if (ky0 == 0 && ky1 == g.kernel_h && kx0 == 0 && kx1 == g.kernel_w) {
        for (; c0 < full4; c0 += 4 * L) DwPixel<4, true>(p, g, xrow0, iy0, ix0, ky0, ky1, kx0, kx1, c0, 0, out);
        for (; c0 < full1; c0 += L) DwPixel<1, true>(p, g, xrow0, iy0, ix0, ky0, ky1, kx0, kx1, c0, 0, out);
        if (tail != 0) DwPixel<1, true>(p, g, xrow0, iy0, ix0, ky0, ky1, kx0, kx1, c0, tail, out);
      } else {
        for (; c0 < full4; c0 += 4 * L) DwPixel<4, false>(p, g, xrow0, iy0, ix0, ky0, ky1, kx0, kx1, c0, 0, out);
        for (; c0 < full1; c0 += L) DwPixel<1, false>(p, g, xrow0, iy0, ix0, ky0, ky1, kx0, kx1, c0, 0, out);
        if (tail != 0) DwPixel<1, false>(p, g, xrow0, iy0, ix0, ky0, ky1, kx0, kx1, c0, tail, out);
      }
    }
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace qinfer::q8
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qinfer::q8 {

HWY_EXPORT(DwRun);

PackedDwQu8s8 dwconv_qu8s8_pack(int64_t channels, int64_t kernel_h, int64_t kernel_w, const int8_t* w,
                                const int32_t* bias, const float* multiplier, int32_t x_zero_point,
                                int32_t y_zero_point, int32_t y_min, int32_t y_max) {
  PackedDwQu8s8 p;
  p.c = channels, p.kh = kernel_h, p.kw = kernel_w;
  p.cpad = (channels + 15) / 16 * 16;
  p.x_zero_point = x_zero_point, p.y_zero_point = y_zero_point, p.y_min = y_min, p.y_max = y_max;
  p.w.assign(static_cast<size_t>(kernel_h * kernel_w * p.cpad), 0);
  p.bias.assign(static_cast<size_t>(p.cpad), 0);
  p.bias_interior.assign(static_cast<size_t>(p.cpad), 0);
  p.multiplier.assign(static_cast<size_t>(p.cpad), 0.0f);
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t t = 0; t < kernel_h * kernel_w; ++t) p.w[static_cast<size_t>(t * p.cpad + c)] =
          static_cast<int32_t>(static_cast<uint16_t>(static_cast<int16_t>(w[c * kernel_h * kernel_w + t])));
    p.bias[static_cast<size_t>(c)] = bias ? bias[c] : 0;
    int64_t wsum = 0;
    for (int64_t t = 0; t < kernel_h * kernel_w; ++t) wsum += w[c * kernel_h * kernel_w + t];
    // Wraps mod 2^32 like the reference's int32 accumulator.
    const int64_t folded = static_cast<int64_t>(bias ? bias[c] : 0) - static_cast<int64_t>(x_zero_point) * wsum;
    p.bias_interior[static_cast<size_t>(c)] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(folded)));
    p.multiplier[static_cast<size_t>(c)] = multiplier[c];
  }
  return p;
}

void dwconv_qu8s8_run(const PackedDwQu8s8& packed, const ref::Conv2DGeometry& g, const uint8_t* x, uint8_t* y,
                      int64_t row_begin, int64_t row_end) {
  assert(g.groups == g.in_c && g.out_c == g.in_c && g.in_c == packed.c);
  assert(g.kernel_h == packed.kh && g.kernel_w == packed.kw);
  HWY_DYNAMIC_DISPATCH(DwRun)(packed, g, x, y, row_begin, row_end);
}

}  // namespace qinfer::q8
#endif  // HWY_ONCE
