// uint8 Add / Mul and the Quantize / Dequantize boundary, vectorized (see elementwise_qu8_hwy.h).
#include "elementwise_qu8_hwy.h"

#include <algorithm>
#include <utility>
#include <cstring>

#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128 | HWY_RVV)
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "hwy/elementwise_qu8_hwy.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "quant_math.h"

HWY_BEFORE_NAMESPACE();
namespace qinfer::q8 {
namespace HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;

// clamp(round_half_even(f) + zp, lo, hi) as qmath::add_zero_point_clamped(to_int32_rne(f), ...):
// f is first clamped to +-2^30 (beyond that the result is lo or hi either way; a NaN becomes
// -2^30 on x86 and ARM alike, i.e. lo, as the reference's INT32_MIN does).
template <class DF, class DI>
HWY_INLINE hn::Vec<DI> RoundAddClamp(DF df, DI di, hn::Vec<DF> f, int32_t zp, int32_t lo, int32_t hi) {
  f = hn::Min(hn::Max(f, hn::Set(df, -1073741824.0f)), hn::Set(df, 1073741824.0f));
  const auto q = hn::Add(hn::NearestInt(f), hn::Set(di, zp));
  return hn::Min(hn::Max(q, hn::Set(di, lo)), hn::Set(di, hi));
}

void AddQu8(int64_t count, const uint8_t* HWY_RESTRICT a, const uint8_t* HWY_RESTRICT b, const ref::AddQu8Params& p,
            uint8_t* HWY_RESTRICT y) {
  const hn::ScalableTag<int32_t> di;
  const hn::RebindToFloat<decltype(di)> df;
  const hn::Rebind<uint8_t, decltype(di)> d8;
  const int64_t n = static_cast<int64_t>(hn::Lanes(di));
  const auto za = hn::Set(di, p.a_zero_point), zb = hn::Set(di, p.b_zero_point);
  const auto ma = hn::Set(df, p.a_multiplier), mb = hn::Set(df, p.b_multiplier);
  int64_t i = 0;
  for (; i + n <= count; i += n) {
    const auto va = hn::Sub(hn::PromoteTo(di, hn::LoadU(d8, a + i)), za);
    const auto vb = hn::Sub(hn::PromoteTo(di, hn::LoadU(d8, b + i)), zb);
    const auto ta = hn::Mul(hn::ConvertTo(df, va), ma);
    const auto tb = hn::Mul(hn::ConvertTo(df, vb), mb);
    hn::StoreU(hn::DemoteTo(d8, RoundAddClamp(df, di, hn::Add(ta, tb), p.y_zero_point, p.y_min, p.y_max)), d8, y + i);
  }
  for (; i < count; ++i)
    y[i] = static_cast<uint8_t>(qmath::add(a[i], p.a_zero_point, p.a_multiplier, b[i], p.b_zero_point, p.b_multiplier,
                                           p.y_zero_point, p.y_min, p.y_max));
}

void MulQu8(int64_t count, const uint8_t* HWY_RESTRICT a, const uint8_t* HWY_RESTRICT b, const ref::MulQu8Params& p,
            uint8_t* HWY_RESTRICT y) {
  const hn::ScalableTag<int32_t> di;
  const hn::RebindToFloat<decltype(di)> df;
  const hn::Rebind<uint8_t, decltype(di)> d8;
  const int64_t n = static_cast<int64_t>(hn::Lanes(di));
  const auto za = hn::Set(di, p.a_zero_point), zb = hn::Set(di, p.b_zero_point);
  const auto m = hn::Set(df, p.multiplier);
  int64_t i = 0;
  for (; i + n <= count; i += n) {
    const auto va = hn::Sub(hn::PromoteTo(di, hn::LoadU(d8, a + i)), za);
    const auto vb = hn::Sub(hn::PromoteTo(di, hn::LoadU(d8, b + i)), zb);
    const auto f = hn::Mul(hn::ConvertTo(df, hn::Mul(va, vb)), m);
    hn::StoreU(hn::DemoteTo(d8, RoundAddClamp(df, di, f, p.y_zero_point, p.y_min, p.y_max)), d8, y + i);
  }
  for (; i < count; ++i)
    y[i] = static_cast<uint8_t>(qmath::requantize((int32_t(a[i]) - p.a_zero_point) * (int32_t(b[i]) - p.b_zero_point),
                                                  p.multiplier, p.y_zero_point, p.y_min, p.y_max));
}

// Contiguous float -> uint8: q = clamp(rne(x / scale) + zp, 0, 255).
void QuantizeSpan(int64_t count, const float* HWY_RESTRICT x, float scale, int32_t zp, uint8_t* HWY_RESTRICT y) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<uint8_t, decltype(di)> d8;
  const int64_t n = static_cast<int64_t>(hn::Lanes(df));
  const auto s = hn::Set(df, scale);
  int64_t i = 0;
  for (; i + n <= count; i += n)
    hn::StoreU(hn::DemoteTo(d8, RoundAddClamp(df, di, hn::Div(hn::LoadU(df, x + i), s), zp, 0, 255)), d8, y + i);
  for (; i < count; ++i) y[i] = static_cast<uint8_t>(qmath::quantize(x[i], scale, zp, 0, 255));
}

// Contiguous uint8 -> float: (q - zp) * scale.
void DequantizeSpan(int64_t count, const uint8_t* HWY_RESTRICT x, float scale, int32_t zp, float* HWY_RESTRICT y) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<uint8_t, decltype(di)> d8;
  const int64_t n = static_cast<int64_t>(hn::Lanes(df));
  const auto s = hn::Set(df, scale);
  const auto z = hn::Set(di, zp);
  int64_t i = 0;
  for (; i + n <= count; i += n)
    hn::StoreU(hn::Mul(hn::ConvertTo(df, hn::Sub(hn::PromoteTo(di, hn::LoadU(d8, x + i)), z)), s), df, y + i);
  for (; i < count; ++i) y[i] = qmath::dequantize(x[i], scale, zp);
}

constexpr int64_t kPixels = 256;  // pixels per block of the layout-changing loops

// The layout-changing loops' walk: for each image, block of up to kPixels pixels and channel,
// fn(offset of the block in the NCHW plane, offset of its first pixel's channel c in NHWC, len).
// Only pixels [q0, q1) of the n * h * w pixels (images one after the other) are walked.
template <class Fn>
void ForEachChannelBlock(const ref::Dims4& d, int64_t q0, int64_t q1, const Fn& fn) {
  const int64_t hw = d.h * d.w;
  for (int64_t q = q0; q < q1;) {
    const int64_t n = q / hw, p0 = q % hw;
    const int64_t len = std::min({kPixels, hw - p0, q1 - q});
    for (int64_t c = 0; c < d.c; ++c) fn((n * d.c + c) * hw + p0, (n * hw + p0) * d.c + c, len);
    q += len;
  }
}

// [begin, end) of `part` among `parts` equal shares of `total` units.
std::pair<int64_t, int64_t> Share(int64_t total, int64_t part, int64_t parts) {
  return {total * part / parts, total * (part + 1) / parts};
}

// NCHW -> NHWC with 3 channels (an image input): quantize a block of each plane, then interleave
// the three blocks with vector stores instead of one byte store per element.
void Quantize3(const float* x, float scale, int32_t zp, uint8_t* y, const ref::Dims4& d, int64_t q0, int64_t q1) {
  const hn::ScalableTag<uint8_t> d8;
  const int64_t n8 = static_cast<int64_t>(hn::Lanes(d8));
  const int64_t hw = d.h * d.w;
  HWY_ALIGN uint8_t block[3][kPixels];
  for (int64_t q = q0; q < q1;) {
    const int64_t n = q / hw, p0 = q % hw;
    const int64_t len = std::min({kPixels, hw - p0, q1 - q});
    q += len;
    for (int64_t c = 0; c < 3; ++c) QuantizeSpan(len, x + (n * 3 + c) * hw + p0, scale, zp, block[c]);
    uint8_t* out = y + (n * hw + p0) * 3;
    int64_t i = 0;
    for (; i + n8 <= len; i += n8)
      hn::StoreInterleaved3(hn::Load(d8, block[0] + i), hn::Load(d8, block[1] + i), hn::Load(d8, block[2] + i), d8,
                            out + i * 3);
    for (; i < len; ++i)
      for (int64_t c = 0; c < 3; ++c) out[i * 3 + c] = block[c][i];
  }
}

void Quantize(const float* x, float scale, int32_t zp, uint8_t* y, const ref::Dims4& d, ref::LayoutMove move,
              int64_t count, int64_t part, int64_t parts) {
  if (move == ref::LayoutMove::None || d.c == 1) {
    const auto [i0, i1] = Share(count, part, parts);
    return QuantizeSpan(i1 - i0, x + i0, scale, zp, y + i0);
  }
  const auto [q0, q1] = Share(d.n * d.h * d.w, part, parts);
  if (d.c == 3) return Quantize3(x, scale, zp, y, d, q0, q1);
  // NCHW -> NHWC: quantize a block of each channel plane, then interleave the bytes.
  HWY_ALIGN uint8_t block[kPixels];
  ForEachChannelBlock(d, q0, q1, [&](int64_t plane, int64_t nhwc, int64_t len) {
    QuantizeSpan(len, x + plane, scale, zp, block);
    for (int64_t i = 0; i < len; ++i) y[nhwc + i * d.c] = block[i];
  });
}

void Dequantize(const uint8_t* x, float scale, int32_t zp, float* y, const ref::Dims4& d, ref::LayoutMove move,
                int64_t count, int64_t part, int64_t parts) {
  if (move == ref::LayoutMove::None || d.c == 1) {
    const auto [i0, i1] = Share(count, part, parts);
    return DequantizeSpan(i1 - i0, x + i0, scale, zp, y + i0);
  }
  const auto [q0, q1] = Share(d.n * d.h * d.w, part, parts);
  // NHWC -> NCHW: gather a block of one channel, then dequantize it into its plane.
  HWY_ALIGN uint8_t block[kPixels];
  ForEachChannelBlock(d, q0, q1, [&](int64_t plane, int64_t nhwc, int64_t len) {
    for (int64_t i = 0; i < len; ++i) block[i] = x[nhwc + i * d.c];
    DequantizeSpan(len, block, scale, zp, y + plane);
  });
}

}  // namespace HWY_NAMESPACE
}  // namespace qinfer::q8
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qinfer::q8 {

HWY_EXPORT(AddQu8);
HWY_EXPORT(MulQu8);
HWY_EXPORT(Quantize);
HWY_EXPORT(Dequantize);

void add_qu8_hwy(int64_t count, const uint8_t* a, const uint8_t* b, const ref::AddQu8Params& p, uint8_t* y) {
  HWY_DYNAMIC_DISPATCH(AddQu8)(count, a, b, p, y);
}
void mul_qu8_hwy(int64_t count, const uint8_t* a, const uint8_t* b, const ref::MulQu8Params& p, uint8_t* y) {
  HWY_DYNAMIC_DISPATCH(MulQu8)(count, a, b, p, y);
}
void quantize_f32_u8_hwy(const float* x, float scale, int32_t zero_point, uint8_t* y, const ref::Dims4& dims,
                         ref::LayoutMove move, int64_t count, int64_t part, int64_t parts) {
  HWY_DYNAMIC_DISPATCH(Quantize)(x, scale, zero_point, y, dims, move, count, part, parts);
}
void dequantize_u8_f32_hwy(const uint8_t* x, float scale, int32_t zero_point, float* y, const ref::Dims4& dims,
                           ref::LayoutMove move, int64_t count, int64_t part, int64_t parts) {
  HWY_DYNAMIC_DISPATCH(Dequantize)(x, scale, zero_point, y, dims, move, count, part, parts);
}

}  // namespace qinfer::q8
#endif  // HWY_ONCE
