#include "reference/gemm.h"

#include <algorithm>

#include "quant_math.h"

namespace qinfer::ref {

void gemm_f32(const GemmF32Args& p, const float* a, const float* b, float* y, int64_t row_begin,
              int64_t row_end) {
  for (int64_t i = row_begin; i < row_end; ++i) {
    for (int64_t j = 0; j < p.n; ++j) {
      float acc = 0.0f;
      for (int64_t kk = 0; kk < p.k; ++kk) {
        const float av = p.trans_a ? a[kk * p.m + i] : a[i * p.k + kk];
        const float bv = p.trans_b ? b[j * p.k + kk] : b[kk * p.n + j];
        acc += av * bv;
      }
      float v = p.alpha * acc;
      if (p.c) v += p.beta * p.c[i * p.c_stride_m + j * p.c_stride_n];
      y[i * p.n + j] = std::min(std::max(v, p.out_min), p.out_max);
    }
  }
}

void gemm_qu8s8(int64_t m, int64_t n, int64_t k, const uint8_t* a, int32_t a_zero_point, const int8_t* b,
                const int32_t* bias, const float* multiplier, int32_t y_zero_point, int32_t y_min, int32_t y_max,
                uint8_t* y, int64_t row_begin, int64_t row_end) {
  (void)m;
  for (int64_t i = row_begin; i < row_end; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      int32_t acc = bias ? bias[j] : 0;
      for (int64_t kk = 0; kk < k; ++kk)
        acc += (static_cast<int32_t>(a[i * k + kk]) - a_zero_point) * static_cast<int32_t>(b[j * k + kk]);
      y[i * n + j] = static_cast<uint8_t>(qmath::requantize(acc, multiplier[j], y_zero_point, y_min, y_max));
    }
  }
}

void matmul_f32(int64_t n, int64_t k, const float* a, const float* b, float* y, int64_t row_begin, int64_t row_end) {
  // i-k-j order: the inner loop streams a row of B and a row of Y (same sums as i-j-k order).
  for (int64_t i = row_begin; i < row_end; ++i) {
    float* out = y + i * n;
    std::fill(out, out + n, 0.0f);
    for (int64_t kk = 0; kk < k; ++kk) {
      const float av = a[i * k + kk];
      const float* brow = b + kk * n;
      for (int64_t j = 0; j < n; ++j) out[j] += av * brow[j];
    }
  }
}

}  // namespace qinfer::ref
