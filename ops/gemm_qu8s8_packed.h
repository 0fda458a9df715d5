// Packed int8 GEMM, the runtime's entry to the JIT kernels (no graph, no model format):
//
//   acc[m,n] = bias[n] + sum_k (A[m,k] - a_zero_point) * B[n,k]                      (int32)
//   Y[m,n]   = clamp(round_half_even(float(acc) * multiplier[n]) + y_zero_point, y_min, y_max)
//
// bit-identical to ref::gemm_qu8s8 (ops/reference/gemm.h) on every variant. B (int8 weights,
// stored [N, K], zero point 0) is packed once, for the variant chosen at pack time, with the input
// zero point folded into the bias; run() then computes any slice of rows of a strided A.
//
// With a residual Add (Qu8s8GemmOptions::residual) the kernels apply an int8 Add to each output
// value and the same element of a uint8 matrix R before storing:
//   Y[m,n] = qmath::add(Yconv[m,n], za, ma, R[m,n], zb, mb, zy, lo, hi)      (ref::add_qu8_flat)
// where Yconv is the result above, never stored. Bit-identical to ref::gemm_qu8s8 followed by
// ref::add_qu8_flat.
//
// Variant choice (Isa::kBest): QINFER_ISA=ref|avx2|avxvnni|avx512vnni|amx if set, else the strongest
// the CPU runs; where that is AMX, GEMMs with K < 48 take AVX-512 VNNI (faster there). A variant the CPU lacks (forced by QINFER_ISA or requested explicitly), or a JIT
// failure, gives the reference kernel; qu8s8_gemm_fallback_reason() then says why.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "jit/cpu.h"
#include "jit/gemm_qu8s8_config.h"
#include "reference/elementwise.h"

namespace qinfer {

using jit::Isa;

struct Qu8s8GemmOptions {
  Isa isa = Isa::kBest;           // or one variant explicitly (tests, benchmarks); QINFER_ISA is ignored then
  int mr = 0, nr = 0;             // tile override for tuning (0: the variant's default)
  bool avxvnni_as_evex = false;   // test hook: run the AVX-VNNI kernel's code on an AVX512-VNNI CPU
  // Fused residual Add: operand a is this GEMM's output (a_zero_point must be y_zero_point),
  // operand b the R given to run_qu8s8_gemm; multipliers must be finite.
  bool residual = false;
  ref::AddQu8Params residual_add{};
};

// Owns the packed weights (64-byte aligned) and the kernels. Move-only; read-only after packing,
// so any number of threads may run() it at once. Members are internal: use the functions below.
struct PackedQu8s8Gemm {
  int64_t n = 0, k = 0;
  int32_t a_zero_point = 0, y_zero_point = 0, y_min = 0, y_max = 255;
  Isa isa = Isa::kRef;
  int mr = 1, nr = 0;
  int64_t full_panels = 0;
  int64_t panel_bytes = 0;                             // stride of the packed panels
  struct AlignedFree {
    void operator()(uint8_t* p) const;
  };
  std::unique_ptr<uint8_t, AlignedFree> packed;        // panels (gemm_qu8s8_config.h)
  jit::GemmQu8s8KernelFn kernels[jit::kGemmMaxMr + 1] = {};  // kernels[rows], rows 1..mr
  // Without the tail panel (N not a multiple of nr only): for column ranges that end before it.
  jit::GemmQu8s8KernelFn body_kernels[jit::kGemmMaxMr + 1] = {};
  float lo = 0.0f, hi = 0.0f;                          // y_min - y_zero_point, y_max - y_zero_point
  // The reference variant keeps the operands as given.
  std::vector<int8_t> ref_b;
  std::vector<int32_t> ref_bias;                       // empty: no bias
  std::vector<float> ref_multiplier;
  bool residual = false;                               // kernels fuse Qu8s8GemmOptions::residual_add
  ref::AddQu8Params residual_add{};
  jit::GemmQu8s8Residual residual_consts;              // the same, broadcast for the JIT epilogue
  std::string variant;                                 // kernel name
  bool pack_clamp = false;  // the kernels clamp with saturating packs (jit::GemmQu8s8Config::pack_clamp)
  std::string fallback_reason;                         // empty unless the request was not honoured
};

// Packs B [n, k] (row-major int8), bias [n] (int32, may be null) and multiplier [n]. Requires
// 0 <= y_min <= y_max <= 255 and |y_min - y_zero_point|, |y_max - y_zero_point| <= 2^24;
// throws std::invalid_argument otherwise (packing happens at load time, never inside run).
PackedQu8s8Gemm pack_qu8s8_gemm(const int8_t* b, const int32_t* bias, const float* multiplier, int64_t n,
                                int64_t k, int32_t a_zero_point, int32_t y_zero_point, int32_t y_min,
                                int32_t y_max, const Qu8s8GemmOptions& options = {});

// Y rows [row_begin, row_end) of the M x N result: A[i, kk] = a[i * lda + kk] (only K bytes of
// each row are read), Y[i, nn] = y[i * ldy + nn] (only N bytes of each row are written).
// Never allocates, never throws; callers split rows across threads. Residual GEMMs read
// R[i, nn] = residual[i * ld_residual + nn] (N bytes per row; R may not overlap Y).
void run_qu8s8_gemm(const PackedQu8s8Gemm& p, int64_t m, const uint8_t* a, int64_t lda, uint8_t* y, int64_t ldy,
                    int64_t row_begin, int64_t row_end, const uint8_t* residual = nullptr,
                    int64_t ld_residual = 0);

// Column panels of the result: Y columns [panel * nr, min(N, (panel + 1) * nr)); the last one is the
// tail panel when N is not a multiple of nr. 1 for the reference variant (no column split).
int64_t qu8s8_gemm_column_panels(const PackedQu8s8Gemm& p);

// Y rows [row_begin, row_end) x column panels [panel_begin, panel_end): lets callers split N
// across threads where M is small (each thread then streams only its part of B). run_qu8s8_gemm
// is the whole panel range. Long panel ranges are walked in blocks that stay in L2 while every
// block of rows passes. Never allocates, never throws.
void run_qu8s8_gemm_panels(const PackedQu8s8Gemm& p, int64_t m, const uint8_t* a, int64_t lda, uint8_t* y,
                           int64_t ldy, int64_t row_begin, int64_t row_end, int64_t panel_begin, int64_t panel_end,
                           const uint8_t* residual = nullptr, int64_t ld_residual = 0);

// The variant that runs, e.g. "qu8s8_gemm_minmax_fp32_8x32c4__avx512vnni" or "qu8s8_gemm_minmax_fp32__ref".
const char* qu8s8_gemm_variant_name(const PackedQu8s8Gemm& p);
Isa qu8s8_gemm_isa(const PackedQu8s8Gemm& p);
// Why the variant is not the one requested ("" when it is).
const char* qu8s8_gemm_fallback_reason(const PackedQu8s8Gemm& p);

}  // namespace qinfer
