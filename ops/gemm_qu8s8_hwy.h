// Packed uint8 x int8 -> uint8 GEMM with Highway dynamic dispatch (AVX-512 / AVX2 / SSE4 / NEON /
// portable fallback chosen at run time). Bit-identical to ref::gemm_qu8s8 on every target.
//
//   acc[m,n]  = bias[n] + sum_k (A[m,k] - a_zp) * B[n,k]                       (int32, exact)
//   Y[m,n]    = clamp(round_half_even(float(acc) * multiplier[n]) + y_zp, y_min, y_max)
//
// A: uint8 [M,K], row stride lda (activations, read at run time).
// B: int8 [N,K] (constant weights), packed once by qu8s8_gemm_pack into panels of
//    kQu8s8PanelCols columns, K in pairs: packed.b[(p * kpairs + kk) * 16 + j] holds the int16 pair
//    (B[16p+j, 2kk], B[16p+j, 2kk+1]) in one int32 word (low half = even k). Columns >= N and the odd
//    K tail are zero. The layout does not depend on the CPU target.
// The input zero point is folded into the bias at pack time: bias'[n] = bias[n] - a_zp * sum_k B[n,k]
// (mod 2^32, like the reference's int32 accumulator), so the kernel sums A[m,k] * B[n,k] exactly with
// pairwise int16 x int16 -> int32 multiply-adds (never the saturating u8 x s8 pair sums).
//
// Requantization: Mul (no FMA), clamp the float to [-2^30, 2^30] (cannot change an in-range result,
// keeps the zero-point add from overflowing), round half-even, + y_zp, clamp to [y_min, y_max].
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qinfer::q8 {

inline constexpr int64_t kQu8s8PanelCols = 16;

struct PackedQu8s8 {
  int64_t n = 0, k = 0;
  int64_t kpairs = 0;       // ceil(k / 2)
  int64_t panels = 0;       // ceil(n / 16)
  int64_t chunk_rows = 0;   // rows of A packed per step (a multiple of 8; sets the scratch size)
  int32_t y_zero_point = 0, y_min = 0, y_max = 255;
  std::vector<int32_t> b;   // panels * kpairs * 16 int16 pairs
  std::vector<int32_t> bias;  // panels * 16, input zero point folded in (0 past N)
  std::vector<float> multiplier;  // panels * 16 (0 past N)
};

// Packs B[n, k] = b[n * ldb + k] (ldb >= k). bias (nullptr: none) int32 [N], multiplier float [N].
PackedQu8s8 qu8s8_gemm_pack(int64_t n, int64_t k, const int8_t* b, int64_t ldb, int32_t a_zero_point,
                            const int32_t* bias, const float* multiplier, int32_t y_zero_point, int32_t y_min,
                            int32_t y_max);

// Scratch one qu8s8_gemm_run call needs (a multiple of 64; pass 64-byte-aligned memory).
size_t qu8s8_gemm_scratch_bytes(const PackedQu8s8& packed);

// Rows [row_begin, row_end) of Y[m, n] = y[m * ldy + n] from A[m, k] = a[m * lda + k].
// `scratch`: qu8s8_gemm_scratch_bytes(packed) bytes private to this call. Never allocates, never throws.
void qu8s8_gemm_run(const PackedQu8s8& packed, int64_t m, const uint8_t* a, int64_t lda, uint8_t* y, int64_t ldy,
                    int64_t row_begin, int64_t row_end, void* scratch);

// Name of the Highway target the int8 kernels dispatch to now ("AVX3", "AVX2", ...).
const char* qu8s8_kernels_target();
// Highway targets compiled into the int8 kernels (bitmask of HWY_* target bits).
int64_t qu8s8_kernels_compiled_targets();

}  // namespace qinfer::q8
