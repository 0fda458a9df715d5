// One packed uint8 x int8 GEMM (ops/reference/gemm.h contract, strided A and Y) on the best
// kernel this CPU has: the x86 JIT (ops/gemm_qu8s8_packed.h) when it generated a variant for
// this CPU, otherwise the Highway kernel (ops/gemm_qu8s8_hwy.h). All are bit-identical.
// QINFER_ISA=hwy skips the JIT (to compare it with the portable kernel); QINFER_ISA=ref is
// handled by the callers, which then keep the scalar reference.
// A residual Add (pack's `residual`) is fused into the JIT kernels' epilogue; the Highway kernel
// does not fuse it (fuses_residual() is false), the caller then applies the Add itself.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "gemm_qu8s8_hwy.h"
#include "gemm_qu8s8_packed.h"

namespace qinfer {

class Int8Gemm {
 public:
  // B [n, k] row-major int8 (zero point 0), bias int32 [n] or null, multiplier float [n].
  void pack(int64_t n, int64_t k, const int8_t* b, int32_t a_zero_point, const int32_t* bias, const float* multiplier,
            int32_t y_zero_point, int32_t y_min, int32_t y_max, const ref::AddQu8Params* residual = nullptr) {
    const char* isa = std::getenv("QINFER_ISA");
    if (!(isa && std::strcmp(isa, "hwy") == 0)) {
      Qu8s8GemmOptions options;
      if (residual) options.residual = true, options.residual_add = *residual;
      auto jit = std::make_unique<PackedQu8s8Gemm>(
          pack_qu8s8_gemm(b, bias, multiplier, n, k, a_zero_point, y_zero_point, y_min, y_max, options));
      if (qu8s8_gemm_isa(*jit) != Isa::kRef) {
        jit_ = std::move(jit);
        return;
      }
    }
    hwy_ = q8::qu8s8_gemm_pack(n, k, b, k, a_zero_point, bias, multiplier, y_zero_point, y_min, y_max);
  }

  bool fuses_residual() const { return jit_ && jit_->residual; }
  size_t scratch_bytes() const { return jit_ ? 0 : q8::qu8s8_gemm_scratch_bytes(hwy_); }

  // Rows [row_begin, row_end); `scratch` holds scratch_bytes() bytes private to this call. When
  // fuses_residual(), R[i, nn] = residual[i * ld_residual + nn] is added (required then).
  void run(int64_t m, const uint8_t* a, int64_t lda, uint8_t* y, int64_t ldy, int64_t row_begin, int64_t row_end,
           void* scratch, const uint8_t* residual = nullptr, int64_t ld_residual = 0) const {
    if (jit_)
      run_qu8s8_gemm(*jit_, m, a, lda, y, ldy, row_begin, row_end, residual, ld_residual);
    else
      q8::qu8s8_gemm_run(hwy_, m, a, lda, y, ldy, row_begin, row_end, scratch);
  }

  // Rows per kernel call of the JIT kernel (1 for the Highway kernel, which tiles rows itself).
  int64_t row_tile() const { return jit_ ? jit_->mr : 1; }

  // Column panels the result can be split into (1: no column split; the Highway kernel).
  int64_t column_panels() const { return jit_ ? qu8s8_gemm_column_panels(*jit_) : 1; }

  // Rows [row_begin, row_end) x column panels [panel_begin, panel_end) of column_panels(); with
  // fuses_residual(), R as in run() (only those columns are read).
  void run_panels(int64_t m, const uint8_t* a, int64_t lda, uint8_t* y, int64_t ldy, int64_t row_begin,
                  int64_t row_end, int64_t panel_begin, int64_t panel_end, void* scratch,
                  const uint8_t* residual = nullptr, int64_t ld_residual = 0) const {
    if (jit_)
      run_qu8s8_gemm_panels(*jit_, m, a, lda, y, ldy, row_begin, row_end, panel_begin, panel_end, residual,
                            ld_residual);
    else  // one column panel: the whole rows (the Highway kernel fuses no residual)
      run(m, a, lda, y, ldy, row_begin, row_end, scratch);
  }

  const char* kernel_name() const { return jit_ ? qu8s8_gemm_variant_name(*jit_) : q8::qu8s8_kernels_target(); }

 private:
  std::unique_ptr<PackedQu8s8Gemm> jit_;
  q8::PackedQu8s8 hwy_;
};

}  // namespace qinfer
