#include "reference/dynamic_gemm.h"

#include <algorithm>

namespace qinfer::ref {

RowQuant quantize_row_u8(const float* a, int64_t k, uint8_t* q) {
  float lo = 0.0f, hi = 0.0f;
  bool finite = true;
  for (int64_t i = 0; i < k; ++i) {
    const float v = a[i];
    if (!(v == v)) finite = false;  // NaN: min/max would depend on the order
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (!finite) lo = hi = 0.0f;  // NaN rows: scale 1, zero point 0 (NaN quantizes to 0)
  const qmath::AffineParams p = qmath::choose_affine(lo, hi, 0, 255);
  for (int64_t i = 0; i < k; ++i) q[i] = static_cast<uint8_t>(qmath::quantize(a[i], p.scale, p.zero_point, 0, 255));
  return {p.scale, p.zero_point};
}

void weight_column_sums(const int8_t* b, int64_t n, int64_t k, int32_t* colsum) {
  for (int64_t j = 0; j < n; ++j) {
    int32_t s = 0;
    for (int64_t i = 0; i < k; ++i) s += b[j * k + i];
    colsum[j] = s;
  }
}

void dynamic_gemm_f32(int64_t n, int64_t k, const float* a, int64_t lda, const int8_t* b, const float* w_scale,
                      const float* bias, float* y, int64_t ldy, int64_t row_begin, int64_t row_end, uint8_t* q_row) {
  for (int64_t r = row_begin; r < row_end; ++r) {
    const RowQuant rq = quantize_row_u8(a + r * lda, k, q_row);
    for (int64_t j = 0; j < n; ++j) {
      const int8_t* bj = b + j * k;
      int32_t acc = 0, colsum = 0;
      for (int64_t i = 0; i < k; ++i) {
        acc += static_cast<int32_t>(q_row[i]) * bj[i];
        colsum += bj[i];
      }
      const int32_t corrected = acc - rq.zero_point * colsum;
      y[r * ldy + j] = dynamic_dequantize(corrected, rq.scale, w_scale[j], bias ? bias[j] : 0.0f);
    }
  }
}

}  // namespace qinfer::ref
