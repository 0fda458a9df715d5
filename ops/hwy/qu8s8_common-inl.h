// Shared per-target pieces of the int8 Highway kernels: exact int16 pair dot products and the
// requantization epilogue of qmath::requantize. Included once per target (foreach_target.h).
#if defined(QINFER_QU8S8_COMMON_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef QINFER_QU8S8_COMMON_INL_H_
#undef QINFER_QU8S8_COMMON_INL_H_
#else
#define QINFER_QU8S8_COMMON_INL_H_
#endif

#include <cstdint>

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace qinfer::q8 {
namespace HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;

// x86 SIMD targets: pmaddwd (exact: |a| <= 255, |b| <= 128, no -32768 * -32768 pair).
#undef QINFER_Q8_MADD
#if HWY_ARCH_X86 && HWY_TARGET != HWY_EMU128 && HWY_TARGET != HWY_SCALAR
#define QINFER_Q8_MADD 1
#else
#define QINFER_Q8_MADD 0
#endif

// An int32 vector whose lanes each hold an int16 pair (low half = even element).
template <class D>
struct PairOperand {
  using V = hn::Vec<D>;
#if QINFER_Q8_MADD
  V v;
  static HWY_INLINE PairOperand Load(D d, const int32_t* p) { return PairOperand{hn::LoadU(d, p)}; }
  static HWY_INLINE PairOperand From(V x) { return PairOperand{x}; }
#else
  V lo, hi;  // sign-extended halves
  static HWY_INLINE PairOperand From(V x) {
    return PairOperand{hn::ShiftRight<16>(hn::ShiftLeft<16>(x)), hn::ShiftRight<16>(x)};
  }
  static HWY_INLINE PairOperand Load(D d, const int32_t* p) { return From(hn::LoadU(d, p)); }
#endif
};

// A broadcast pair of non-negative int16 values (uint8 activations), packed lo | hi << 16.
template <class D>
struct PairBroadcast {
  using V = hn::Vec<D>;
#if QINFER_Q8_MADD
  V v;
  HWY_INLINE PairBroadcast(D d, int32_t pair) : v(hn::Set(d, pair)) {}
#else
  V lo, hi;
  HWY_INLINE PairBroadcast(D d, int32_t pair) : lo(hn::Set(d, pair & 0xFFFF)), hi(hn::Set(d, pair >> 16)) {}
#endif
};

// acc + lo(a) * lo(b) + hi(a) * hi(b), lane by lane, in int32 (exact).
template <class D>
HWY_INLINE hn::Vec<D> PairDot(D d, const PairBroadcast<D>& a, const PairOperand<D>& b, hn::Vec<D> acc) {
#if QINFER_Q8_MADD
  const hn::Repartition<int16_t, D> d16;
  hn::Vec<D> unused = hn::Zero(d);
  return hn::ReorderWidenMulAccumulate(d, hn::BitCast(d16, a.v), hn::BitCast(d16, b.v), acc, unused);
#else
  (void)d;
  return hn::Add(acc, hn::Add(hn::Mul(a.lo, b.lo), hn::Mul(a.hi, b.hi)));
#endif
}

// Same for two general pair vectors (both operands vary per lane).
template <class D>
HWY_INLINE hn::Vec<D> PairDotVV(D d, hn::Vec<D> a, hn::Vec<D> b, hn::Vec<D> acc) {
#if HWY_TARGET == HWY_AVX3_DL
  // vpdpwssd: the same exact sum in one instruction (no saturation). Inline asm because Highway
  // 1.0.3's AVX3_DL target attributes omit avx512vnni (its CPU check does require it).
  (void)d;
  auto r = acc.raw;
  asm("vpdpwssd %2, %1, %0" : "+v"(r) : "v"(a.raw), "v"(b.raw));
  return hn::Vec<D>{r};
#elif QINFER_Q8_MADD
  const hn::Repartition<int16_t, D> d16;
  hn::Vec<D> unused = hn::Zero(d);
  return hn::ReorderWidenMulAccumulate(d, hn::BitCast(d16, a), hn::BitCast(d16, b), acc, unused);
#else
  (void)d;
  const PairOperand<D> pa = PairOperand<D>::From(a), pb = PairOperand<D>::From(b);
  return hn::Add(acc, hn::Add(hn::Mul(pa.lo, pb.lo), hn::Mul(pa.hi, pb.hi)));
#endif
}

// Requantization constants (scalar; vectors are made at the point of use and hoisted by the compiler).
struct Requant {
  int32_t zp, lo, hi;
  Requant(int32_t z, int32_t l, int32_t h) : zp(z), lo(l), hi(h) {}
};

// q = clamp(round_half_even(float(acc) * mult) + zp, lo, hi), stored as Lanes(d) uint8 at out.
// The product is clamped to [-2^30, 2^30] first: results of the reference saturate the same way
// (any value beyond that range ends at lo or hi, since |zp| and the clamp bounds are < 2^30).
template <class D>
HWY_INLINE void RequantStore(D d, hn::Vec<D> acc, const float* HWY_RESTRICT mult, const Requant& rq,
                             uint8_t* HWY_RESTRICT out) {
  const hn::RebindToFloat<D> df;
  const hn::Rebind<uint8_t, D> d8;
  auto f = hn::Mul(hn::ConvertTo(df, acc), hn::LoadU(df, mult));
  f = hn::Min(hn::Max(f, hn::Set(df, -1073741824.0f)), hn::Set(df, 1073741824.0f));
  auto q = hn::Add(hn::NearestInt(f), hn::Set(d, rq.zp));
  q = hn::Min(hn::Max(q, hn::Set(d, rq.lo)), hn::Set(d, rq.hi));
  hn::StoreU(hn::DemoteTo(d8, q), d8, out);
}

// RequantStore with the constants in registers, for kernels that requantize one channel block many
// times. Clamping the float to [lo - zp, hi - zp] before rounding is the same as clamping after
// (the bounds are integers and rounding is monotonic), and leaves no overflow for the conversion.
template <class D>
struct RequantVec {
  using VF = hn::Vec<hn::RebindToFloat<D>>;
  VF mult, flo, fhi;
  hn::Vec<D> zp, lo, hi;
  HWY_INLINE RequantVec(D d, const float* HWY_RESTRICT m, int32_t z, int32_t l, int32_t h) {
    const hn::RebindToFloat<D> df;
    mult = hn::LoadU(df, m);
    flo = hn::Set(df, static_cast<float>(l - z));
    fhi = hn::Set(df, static_cast<float>(h - z));
    zp = hn::Set(d, z), lo = hn::Set(d, l), hi = hn::Set(d, h);
  }
  HWY_INLINE void Store(D d, hn::Vec<D> acc, uint8_t* HWY_RESTRICT out) const {
    const hn::RebindToFloat<D> df;
    // Max first: x86 returns the second operand for a NaN product, like the reference's lo.
    const auto f = hn::Min(hn::Max(hn::Mul(hn::ConvertTo(df, acc), mult), flo), fhi);
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
    (void)d;  // in range: plain vcvtps2dq (round half even) and a truncating narrow
    const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(f.raw), zp.raw);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm512_cvtepi32_epi8(q));
#else
    const hn::Rebind<uint8_t, D> d8;
    auto q = hn::Add(hn::NearestInt(f), zp);
    q = hn::Min(hn::Max(q, lo), hi);  // a no-op except for NaN products off x86
    hn::StoreU(hn::DemoteTo(d8, q), d8, out);
#endif
  }
};

// The packed GEMM and the dynamic GEMM share B's layout (16-column panels of int16 pairs) and A's
// packing, so they share the register blocking: kVecs vectors per panel, kMr rows per block.
using D32 = hn::ScalableTag<int32_t>;
constexpr size_t kLanes = HWY_LANES(int32_t) < 16 ? HWY_LANES(int32_t) : 16;
constexpr size_t kVecs = 16 / kLanes;  // vectors per 16-column panel
constexpr size_t kMr = kLanes >= 16 ? 8 : kLanes == 8 ? 4 : kLanes >= 4 ? 2 : 1;
static_assert(kVecs * kLanes == 16, "panel width must be a whole number of vectors");

// Packs `rows` uint8 rows of A (a + row * lda) into int32 pairs, blocks of MR rows:
// out[(blk * kp + kk) * MR + r]. Rows past `rows` (up to the block) are zero.
template <size_t MR>
void PackA(const uint8_t* HWY_RESTRICT a, int64_t lda, int64_t k, int64_t kp, int64_t rows, int32_t* HWY_RESTRICT out) {
  const int64_t mr = static_cast<int64_t>(MR);
  const int64_t blocks = (rows + mr - 1) / mr;
  const int64_t kfull = k / 2;
  for (int64_t blk = 0; blk < blocks; ++blk) {
    int32_t* ob = out + blk * kp * mr;
    for (size_t r = 0; r < MR; ++r) {
      const int64_t row = blk * mr + static_cast<int64_t>(r);
      if (row >= rows) {
        for (int64_t kk = 0; kk < kp; ++kk) ob[kk * MR + r] = 0;
        continue;
      }
      const uint8_t* ar = a + row * lda;
      for (int64_t kk = 0; kk < kfull; ++kk)
        ob[kk * MR + r] = static_cast<int32_t>(ar[2 * kk]) | (static_cast<int32_t>(ar[2 * kk + 1]) << 16);
      if (kfull < kp) ob[kfull * MR + r] = static_cast<int32_t>(ar[k - 1]);
    }
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace qinfer::q8
HWY_AFTER_NAMESPACE();

#endif  // QINFER_QU8S8_COMMON_INL_H_
