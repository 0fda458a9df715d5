// Depthwise int8 convolution, NHWC, vectorized along channels (see dwconv_qu8s8_hwy.h).
#include "dwconv_qu8s8_hwy.h"

#include <algorithm>
#include <cassert>
#include <cstring>

// Also compile the AVX-512 VNNI target (vpdpwssd: the pair product and the add in one instruction).
#ifndef HWY_WANT_AVX3_DL
#define HWY_WANT_AVX3_DL
#endif
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

// Channels [c_begin, C) of every output pixel, any geometry.
void DwRunGeneral(const PackedDwQu8s8& p, const ref::Conv2DGeometry& g, const uint8_t* x, uint8_t* y,
                  int64_t row_begin, int64_t row_end, int64_t c_begin) {
  const hn::ScalableTag<int32_t> d;
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  const int64_t C = g.in_c;
  const int64_t full4 = c_begin + (C - c_begin) / (4 * L) * (4 * L);
  const int64_t full1 = c_begin + (C - c_begin) / L * L;
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
      int64_t c0 = c_begin;
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


// ---- Fast path: KH x KW (3 or 5), stride 1 or 2, dilation 1, whole L-channel blocks ----
// Several kernel rows share one int32 lane: a "column group" holds, for channel c, the bytes of
// input rows r0, r0 + 1, ... at one input column, and one multiply-add instruction applies all of
// them (the packed weights hold the matching taps, zero past the last row). Column groups are kept
// in registers and reused by the next output pixels (a column serves KW/S pixels). Rows outside the
// image point at p.zrow (x_zp bytes) with a column step of 0, so every pixel uses bias_interior
// (zero point folded in at pack time) and the interior loop has no bounds checks.

// Two rows per group as an int16 pair, pmaddwd (vpdpwssd on AVX3_DL): every target.
template <int KH>
struct PairTaps {
  static constexpr int kGroups = (KH + 1) / 2;
  static const int32_t* Weights(const PackedDwQu8s8& p) { return p.wpair.data(); }
  // src[r]: row r's bytes of this column (channel block start included).
  template <class D>
  static HWY_INLINE hn::Vec<D> Group(D d, const uint8_t* const (&src)[KH], int g) {
    const hn::Rebind<uint8_t, D> d8;
    const auto lo = hn::PromoteTo(d, hn::LoadU(d8, src[2 * g]));
    if (2 * g + 1 == KH) return lo;  // odd last row: the high half stays 0
    return hn::Or(lo, hn::ShiftLeft<16>(hn::PromoteTo(d, hn::LoadU(d8, src[2 * g + 1]))));
  }
  template <class D>
  static HWY_INLINE hn::Vec<D> Dot(D d, hn::Vec<D> x, hn::Vec<D> w, hn::Vec<D> acc) {
    return PairDotVV(d, x, w, acc);
  }
};

#if HWY_TARGET == HWY_AVX3_DL
// Four rows per group as bytes, vpdpbusd (uint8 x int8, 4 products per lane, exact in int32 without
// saturation): a 3x3 pixel is 3 instructions instead of 6. The rows' 16 bytes go into the four 128-bit
// blocks of a zmm and one vpermb moves byte c of block j to byte 4c + j (zeroing missing rows).
template <int KH>
struct QuadTaps {
  static constexpr int kGroups = (KH + 3) / 4;
  static const int32_t* Weights(const PackedDwQu8s8& p) { return p.wquad.data(); }
  template <class D>
  static HWY_INLINE hn::Vec<D> Group(D d, const uint8_t* const (&src)[KH], int g) {
    const int r0 = 4 * g, rows = KH - r0 < 4 ? KH - r0 : 4;
    if (rows == 1) return hn::PromoteTo(d, hn::LoadU(hn::Rebind<uint8_t, D>(), src[r0]));
    __m512i z = _mm512_castsi128_si512(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src[r0])));
    z = _mm512_inserti32x4(z, _mm_loadu_si128(reinterpret_cast<const __m128i*>(src[r0 + 1])), 1);
    if (rows > 2) z = _mm512_inserti32x4(z, _mm_loadu_si128(reinterpret_cast<const __m128i*>(src[r0 + 2])), 2);
    if (rows > 3) z = _mm512_inserti32x4(z, _mm_loadu_si128(reinterpret_cast<const __m128i*>(src[r0 + 3])), 3);
    alignas(64) static constexpr uint8_t kIdx[64] = {
        0, 16, 32, 48, 1, 17, 33, 49, 2,  18, 34, 50, 3,  19, 35, 51, 4,  20, 36, 52, 5,  21,
        37, 53, 6, 22, 38, 54, 7, 23, 39, 55, 8, 24, 40, 56, 9, 25, 41, 57, 10, 26, 42, 58, 11, 27,
        43, 59, 12, 28, 44, 60, 13, 29, 45, 61, 14, 30, 46, 62, 15, 31, 47, 63};
    const __mmask64 keep = rows == 4 ? ~0ull : rows == 3 ? 0x7777777777777777ull : 0x3333333333333333ull;
    (void)d;
    return hn::Vec<D>{_mm512_maskz_permutexvar_epi8(keep, _mm512_load_si512(kIdx), z)};
  }
  // Inline asm: Highway 1.0.3's AVX3_DL target attributes omit avx512vnni (its CPU check requires it).
  template <class D>
  static HWY_INLINE hn::Vec<D> Dot(D, hn::Vec<D> x, hn::Vec<D> w, hn::Vec<D> acc) {
    auto r = acc.raw;
    asm("vpdpbusd %2, %1, %0" : "+v"(r) : "v"(x.raw), "v"(w.raw));
    return hn::Vec<D>{r};
  }
};
#endif

// Input rows of one output row: address of column 0 and the byte step per column (C, or 0 in padding).
template <int KH>
struct DwRows {
  const uint8_t* base[KH];
  int64_t step[KH];
};

// acc = bias + every tap of the column groups in `col` (input columns ix0 .. ix0 + KW - 1).
template <class Taps, int KW, class D>
HWY_INLINE hn::Vec<D> DwTaps(D d, const hn::Vec<D> (&col)[KW][Taps::kGroups],
                             const hn::Vec<D> (&w)[Taps::kGroups * KW], hn::Vec<D> acc) {
  for (int kx = 0; kx < KW; ++kx)
    for (int g = 0; g < Taps::kGroups; ++g) acc = Taps::Dot(d, col[kx][g], w[g * KW + kx], acc);
  return acc;
}

template <class Taps, int KH, int KW, int S>
HWY_NOINLINE void DwRowBlock(const PackedDwQu8s8& p, const DwRows<KH>& rows, int64_t in_w, int64_t pad_left,
                             int64_t c0, int64_t out_w, int64_t out_c, uint8_t* HWY_RESTRICT yrow) {
  constexpr int G = Taps::kGroups;
  const hn::ScalableTag<int32_t> d;
  using V = hn::Vec<decltype(d)>;
  V w[G * KW];
  for (int i = 0; i < G * KW; ++i) w[i] = hn::LoadU(d, Taps::Weights(p) + i * p.cpad + c0);
  const V bias = hn::LoadU(d, p.bias_interior.data() + c0);
  const RequantVec<decltype(d)> rq(d, p.multiplier.data() + c0, p.y_zero_point, p.y_min, p.y_max);
  V col[KW][G];
  // Interior pixels [ox_a, ox_b): all KW columns inside [0, in_w). The others check each column.
  int64_t ox_a = (pad_left + S - 1) / S, ox_b = in_w - KW + pad_left >= 0 ? (in_w - KW + pad_left) / S + 1 : 0;
  ox_a = std::min(ox_a, out_w);
  ox_b = std::max(std::min(ox_b, out_w), ox_a);
  for (int64_t ox = 0; ox < out_w; ++ox) {
    if (ox == ox_a) ox = ox_b;  // the interior loop below
    if (ox == out_w) break;
    for (int kx = 0; kx < KW; ++kx) {
      const int64_t ix = ox * S - pad_left + kx;
      const bool inside = ix >= 0 && ix < in_w;
      const uint8_t* src[KH];
      for (int r = 0; r < KH; ++r) src[r] = inside ? rows.base[r] + ix * rows.step[r] + c0 : p.zrow.data() + c0;
      for (int g = 0; g < G; ++g) col[kx][g] = Taps::Group(d, src, g);
    }
    rq.Store(d, DwTaps<Taps, KW>(d, col, w, bias), yrow + ox * out_c + c0);
  }
  if (ox_a == ox_b) return;
  // Local row pointers at the current pixel's first column (the compiler keeps them in registers).
  const uint8_t* px[KH];
  int64_t st[KH];
  for (int r = 0; r < KH; ++r) st[r] = rows.step[r], px[r] = rows.base[r] + (ox_a * S - pad_left) * st[r] + c0;
  auto column = [&](int g, int kx) HWY_ATTR {
    const uint8_t* src[KH];
    for (int r = 0; r < KH; ++r) src[r] = px[r] + kx * st[r];
    return Taps::Group(d, src, g);
  };
  for (int kx = 0; kx < KW; ++kx)
    for (int g = 0; g < G; ++g) col[kx][g] = column(g, kx);
  uint8_t* out = yrow + ox_a * out_c + c0;
  for (int64_t ox = ox_a;;) {
    rq.Store(d, DwTaps<Taps, KW>(d, col, w, bias), out);
    if (++ox == ox_b) break;
    out += out_c;
    for (int r = 0; r < KH; ++r) px[r] += S * st[r];
    // Slide the window by S columns: reuse what overlaps, load the rest.
    for (int kx = 0; kx < KW; ++kx)
      for (int g = 0; g < G; ++g) col[kx][g] = kx + S < KW ? col[kx + S][g] : column(g, kx);
  }
}

#if HWY_TARGET == HWY_AVX3_DL
template <int KH>
using FastTaps = QuadTaps<KH>;
#else
template <int KH>
using FastTaps = PairTaps<KH>;
#endif

template <int KH, int KW, int S>
void DwRunFast(const PackedDwQu8s8& p, const ref::Conv2DGeometry& g, const uint8_t* x, uint8_t* y, int64_t row_begin,
               int64_t row_end, int64_t c_end) {
  const int64_t L = static_cast<int64_t>(hn::Lanes(hn::ScalableTag<int32_t>()));
  const int64_t C = g.in_c;
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t n = row / g.out_h, oy = row % g.out_h;
    DwRows<KH> rows;
    for (int ky = 0; ky < KH; ++ky) {
      const int64_t iy = oy * S - g.pad_top + ky;
      const bool inside = iy >= 0 && iy < g.in_h;
      rows.base[ky] = inside ? x + ((n * g.in_h + iy) * g.in_w) * C : p.zrow.data();
      rows.step[ky] = inside ? C : 0;
    }
    uint8_t* yrow = y + (n * g.out_h + oy) * g.out_w * C;
    for (int64_t c0 = 0; c0 < c_end; c0 += L)
      DwRowBlock<FastTaps<KH>, KH, KW, S>(p, rows, g.in_w, g.pad_left, c0, g.out_w, C, yrow);
  }
}

using DwFastFn = void (*)(const PackedDwQu8s8&, const ref::Conv2DGeometry&, const uint8_t*, uint8_t*, int64_t,
                          int64_t, int64_t);

// The fast path for this geometry, or nullptr.
DwFastFn DwFastFor(const ref::Conv2DGeometry& g) {
  if (g.dilation_h != 1 || g.dilation_w != 1 || g.kernel_h != g.kernel_w || g.stride_h != g.stride_w) return nullptr;
  const int64_t k = g.kernel_h, s = g.stride_h;
  if (k == 3 && s == 1) return &DwRunFast<3, 3, 1>;
  if (k == 3 && s == 2) return &DwRunFast<3, 3, 2>;
  if (k == 5 && s == 1) return &DwRunFast<5, 5, 1>;
  if (k == 5 && s == 2) return &DwRunFast<5, 5, 2>;
  return nullptr;
}

void DwRun(const PackedDwQu8s8& p, const ref::Conv2DGeometry& g, const uint8_t* x, uint8_t* y, int64_t row_begin,
           int64_t row_end) {
  const hn::ScalableTag<int32_t> d;
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  const int64_t C = g.in_c;
  // Whole vectors of channels take the fast path where it exists; the rest (channel tail, other
  // shapes) the general per-pixel loop below.
  int64_t c_fast = 0;
  if (const DwFastFn fast = DwFastFor(g)) {
    c_fast = C / L * L;
    if (c_fast != 0) fast(p, g, x, y, row_begin, row_end, c_fast);
    if (c_fast == C) return;
  }
  DwRunGeneral(p, g, x, y, row_begin, row_end, c_fast);
}

int64_t DwActiveTarget() { return HWY_TARGET; }

}  // namespace HWY_NAMESPACE
}  // namespace qinfer::q8
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qinfer::q8 {

HWY_EXPORT(DwRun);
HWY_EXPORT(DwActiveTarget);

const char* dwconv_qu8s8_target() { return hwy::TargetName(HWY_DYNAMIC_DISPATCH(DwActiveTarget)()); }

int64_t dwconv_qu8s8_compiled_targets() { return HWY_TARGETS; }

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
  const int64_t pairs = (kernel_h + 1) / 2;
  p.wpair.assign(static_cast<size_t>(pairs * kernel_w * p.cpad), 0);
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t ky = 0; ky < kernel_h; ++ky)
      for (int64_t kx = 0; kx < kernel_w; ++kx) {
        const uint32_t half = static_cast<uint16_t>(static_cast<int16_t>(w[(c * kernel_h + ky) * kernel_w + kx]));
        int32_t& word = p.wpair[static_cast<size_t>(((ky / 2) * kernel_w + kx) * p.cpad + c)];
        word = static_cast<int32_t>(static_cast<uint32_t>(word) | (ky % 2 == 0 ? half : half << 16));
      }
  const int64_t quads = (kernel_h + 3) / 4;
  p.wquad.assign(static_cast<size_t>(quads * kernel_w * p.cpad), 0);
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t ky = 0; ky < kernel_h; ++ky)
      for (int64_t kx = 0; kx < kernel_w; ++kx) {
        const uint32_t byte = static_cast<uint8_t>(w[(c * kernel_h + ky) * kernel_w + kx]);
        int32_t& word = p.wquad[static_cast<size_t>(((ky / 4) * kernel_w + kx) * p.cpad + c)];
        word = static_cast<int32_t>(static_cast<uint32_t>(word) | byte << (8 * (ky % 4)));
      }
  p.zrow.assign(static_cast<size_t>(p.cpad), static_cast<uint8_t>(x_zero_point));
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
