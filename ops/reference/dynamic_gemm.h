// Reference dynamic quantization GEMM (ONNX Runtime's DynamicQuantizeMatMul idea): fp32 activations
// are quantized per row at run time, multiplied by int8 weights quantized offline, and the int32
// result is dequantized to fp32. This header is the one definition of its arithmetic; the Highway
// kernel (ops/dynamic_gemm_hwy.h) reproduces it bit for bit.
//
//   row r of A (K floats):  [lo, hi] = [min(0, min_k a), max(0, max_k a)]
//                           (scale_r, zp_r) = qmath::choose_affine(lo, hi, 0, 255)
//                           q[r,k] = qmath::quantize(a[r,k], scale_r, zp_r, 0, 255)      (uint8)
//   acc[r,n]  = sum_k q[r,k] * B[n,k]                                     (int32, exact)
//   y[r,n]    = float(acc[r,n] - zp_r * colsum[n]) * (scale_r * w_scale[n]) + bias[n]
//   colsum[n] = sum_k B[n,k]
//
// acc - zp_r * colsum[n] = sum_k (q - zp_r) * B[n,k] is exact in int32 for K <= kDynamicGemmMaxK.
// Each float operation is rounded once (no FMA: -ffp-contract=off); bias is 0 when absent.
#pragma once

#include <cstdint>

#include "quant_math.h"

namespace qinfer::ref {

// |sum_k (q - zp) * w| <= 255 * 128 * K < 2^31.
inline constexpr int64_t kDynamicGemmMaxK = 65536;

struct RowQuant {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

// Chooses the row's parameters and writes its K uint8 values.
RowQuant quantize_row_u8(const float* a, int64_t k, uint8_t* q);

// The epilogue, defined once: `corrected` = acc - zp_r * colsum[n] (exact int32).
inline float dynamic_dequantize(int32_t corrected, float row_scale, float w_scale, float bias) {
  const float s = row_scale * w_scale;
  return static_cast<float>(corrected) * s + bias;
}

// Column sums of B [N, K] (int8, row-major), for the epilogue.
void weight_column_sums(const int8_t* b, int64_t n, int64_t k, int32_t* colsum);

// Y rows [row_begin, row_end): A[r, k] = a[r * lda + k] (fp32), B [N, K] int8 row-major,
// w_scale [N], bias [N] or nullptr, Y[r, n] = y[r * ldy + n]. `q_row`: K bytes of scratch.
void dynamic_gemm_f32(int64_t n, int64_t k, const float* a, int64_t lda, const int8_t* b, const float* w_scale,
                      const float* bias, float* y, int64_t ldy, int64_t row_begin, int64_t row_end, uint8_t* q_row);

}  // namespace qinfer::ref
