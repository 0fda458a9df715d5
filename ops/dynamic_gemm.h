// Dynamic quantization GEMM (fp32 A x int8 B -> fp32 Y, activations quantized per row at run
// time): the arithmetic is ops/reference/dynamic_gemm.h; this is the packed entry point the
// runtime uses. `pack` keeps the weights for the scalar reference (reference = true, or
// QINFER_ISA=ref) or packs them for the Highway kernel (ops/hwy/dynamic_gemm_hwy.cpp: exact int16
// pair products, dynamic dispatch over AVX-512 / AVX2 / SSE4 / NEON / portable). Both give
// bit-identical outputs. Read-only after packing: any number of threads may run() at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qinfer {

class DynamicGemm {
 public:
  // B [n, k] int8 row-major (symmetric, zero point 0), w_scale [n], bias [n] or nullptr.
  // Requires 1 <= k <= ref::kDynamicGemmMaxK (callers validate; asserted).
  void pack(int64_t n, int64_t k, const int8_t* b, const float* w_scale, const float* bias, bool reference);
  void pack(int64_t n, int64_t k, const int8_t* b, const float* w_scale, const float* bias);  // QINFER_ISA

  // Scratch one run() needs (a multiple of 64; pass 64-byte-aligned memory).
  size_t scratch_bytes() const;
  // Rows [row_begin, row_end) of Y[m, n] = y[m * ldy + n] from A[m, k] = a[m * lda + k] (fp32).
  // Never allocates, never throws.
  void run(const float* a, int64_t lda, float* y, int64_t ldy, int64_t row_begin, int64_t row_end,
           void* scratch) const;

  int64_t n() const { return n_; }
  int64_t k() const { return k_; }
  bool reference() const { return reference_; }
  const char* kernel_name() const;

  // Packed state (internal to ops/).
  int64_t n_ = 0, k_ = 0, kpairs_ = 0, panels_ = 0, chunk_rows_ = 0;
  bool reference_ = true;
  std::vector<int8_t> ref_b_;          // reference: B as given
  std::vector<float> ref_scale_, ref_bias_;
  std::vector<int32_t> b_pairs_;       // Highway: panels * kpairs * 16 int16 pairs (gemm_qu8s8_hwy.h layout)
  std::vector<int32_t> colsum_;        // panels * 16 (0 past n)
  std::vector<float> w_scale_, bias_;  // panels * 16 (0 past n)
};

}  // namespace qinfer
