#include "lut_u8_fast.h"

#include "reference/lut.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define QINFER_LUT_VBMI 1
#else
#define QINFER_LUT_VBMI 0
#endif

namespace qinfer {

namespace {

#if QINFER_LUT_VBMI
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) void apply_vbmi(const uint8_t* table, const uint8_t* x,
                                                                        uint8_t* y, int64_t begin, int64_t end) {
  const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
  const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
  int64_t i = begin;
  for (; i + 64 <= end; i += 64) {
    const __m512i idx = _mm512_loadu_si512(x + i);
    const __m512i lo = _mm512_permutex2var_epi8(t0, idx, t1);  // bits 0..6 of the index
    const __m512i hi = _mm512_permutex2var_epi8(t2, idx, t3);
    _mm512_storeu_si512(y + i, _mm512_mask_blend_epi8(_mm512_movepi8_mask(idx), lo, hi));  // bit 7 picks
  }
  ref::apply_lut_u8(table, x, y, i, end);
}

bool has_vbmi() {
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vbmi");
  return yes;
}
#endif

}  // namespace

void apply_lut_u8_fast(const uint8_t table[256], const uint8_t* x, uint8_t* y, int64_t begin, int64_t end) {
#if QINFER_LUT_VBMI
  if (has_vbmi()) return apply_vbmi(table, x, y, begin, end);
#endif
  ref::apply_lut_u8(table, x, y, begin, end);
}

const char* lut_u8_fast_path() {
#if QINFER_LUT_VBMI
  if (has_vbmi()) return "avx512vbmi";
#endif
  return "scalar";
}

}  // namespace qinfer
