// Reference GEMM (ONNX Gemm semantics for fp32; a fixed [M,K] x [N,K]^T form for int8).
#pragma once

#include <cstdint>

namespace qinfer::ref {

// Y[M,N] = clamp(alpha * op(A) * op(B) + beta * C, out_min, out_max).
// A is [M,K] (or [K,M] with trans_a), B is [K,N] (or [N,K] with trans_b).
// C (nullptr: none) is read at c[m * c_stride_m + n * c_stride_n]: strides of 0 broadcast.
struct GemmF32Args {
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  float alpha = 1.0f, beta = 1.0f;
  const float* c = nullptr;
  int64_t c_stride_m = 0, c_stride_n = 0;
  float out_min, out_max;
};
void gemm_f32(const GemmF32Args& args, const float* a, const float* b, float* y, int64_t row_begin,
              int64_t row_end);

// uint8 A [M,K], int8 B stored [N,K] (symmetric per row n), int32 bias [N] (nullptr: none):
//   acc = bias[n] + sum_k (a[m,k] - a_zero_point) * b[n,k]
//   y[m,n] = clamp(round_half_even(float(acc) * multiplier[n]) + y_zero_point, y_min, y_max)
void gemm_qu8s8(int64_t m, int64_t n, int64_t k, const uint8_t* a, int32_t a_zero_point, const int8_t* b,
                const int32_t* bias, const float* multiplier, int32_t y_zero_point, int32_t y_min, int32_t y_max,
                uint8_t* y, int64_t row_begin, int64_t row_end);

// Y[M,N] = A[M,K] x B[K,N], all row-major, rows [row_begin, row_end) of Y. Each y element is
// accumulated over k in order (float32), like gemm_f32.
void matmul_f32(int64_t n, int64_t k, const float* a, const float* b, float* y, int64_t row_begin, int64_t row_end);

}  // namespace qinfer::ref
