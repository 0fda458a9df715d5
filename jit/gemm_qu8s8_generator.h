// Shared skeleton of the qu8s8 GEMM kernels (see gemm_qu8s8_config.h for the contract): argument
// loading, the loop over weight panels, the K loop, and the fused requantization epilogue. The
// instruction-set variants supply only the multiply-accumulate of one group of 4 k.
#pragma once

#include "jit/gemm_qu8s8_config.h"
#include "jit/generator.h"

namespace qinfer::jit {

class GemmQu8s8Generator : public Generator {
 public:
  const GemmQu8s8Config& config() const { return cfg_; }

 protected:
  explicit GemmQu8s8Generator(const GemmQu8s8Config& cfg);

  // Once, after the arguments are loaded (e.g. a constant register).
  virtual void kernel_setup() {}
  // Rows whose accumulators are in registers at once (the epilogue's register map starts after them).
  virtual int acc_rows() const { return cfg_.mr; }
  // acc(r, v) += A[r, 4g .. 4g+3] . W[group g, vector v] for r < mr, v < nv, where the A bytes
  // are at a_row(r, a_disp) and the group at reg_w + w_disp.
  virtual void k_group(int nv, int a_disp, int64_t w_disp) = 0;
  // The same for the last, partial group: only `rem` (1..3) A bytes exist (load_a_tail).
  virtual void k_tail_group(int nv, int a_disp, int64_t w_disp, int rem) = 0;

  bool zmm() const { return cfg_.isa == Isa::kAvx512Vnni || cfg_.amx(); }
  int vector_bytes() const { return cfg_.lanes() * 4; }
  // Vector register `idx` at the variant's width (zmm or ymm).
  Xbyak::Xmm vreg(int idx) const;
  // Accumulators are registers 0 .. acc_rows()*V-1; the variant's K-loop registers start after them.
  Xbyak::Xmm acc(int r, int v) const { return vreg(r * cfg_.vectors() + v); }
  int first_free_vreg() const { return acc_rows() * cfg_.vectors(); }
  // Address of A[r, disp] within the current K position.
  Xbyak::RegExp a_row(int r, int disp) const;
  // eax = the `rem` (1..3) bytes at a_row(r, disp), zero-extended; reads exactly those bytes, so a
  // row ending at the end of its allocation is safe.
  void load_a_tail(int r, int disp, int rem);
  static Xbyak::RegExp at(const Xbyak::Reg64& base, int64_t disp);
  // The requantization epilogue of one panel: epilogue_begin once, then epilogue_rows for rows
  // [r0, r1) in order, their accumulators in acc(r - r0, v) (already including the folded bias),
  // the multipliers at reg_w + mult_disp.
  void epilogue_begin(int n_valid);
  void epilogue_rows(int r0, int r1, int nv, int n_valid, int64_t mult_disp);
  // The same for cfg_.pack_clamp kernels (gemm_qu8s8_generator.cpp).
  void pack_epilogue_begin(int n_valid);
  void pack_epilogue_rows(int r0, int r1, int nv, int n_valid, int64_t mult_disp);
  void pack_rows_ymm(int r0, int r1, int nv, int n_valid);
  void store_bytes(const Xbyak::Xmm& v, const Xbyak::RegExp& dst, int count);
  void residual_rows_begin();
  void set_partial_lane_mask(int n_valid);
  // Preamble and the argument registers (reg_args, reg_lda, reg_lda3, reg_w, reg_y, reg_ldy, reg_panels).
  void load_args();
  // The whole kernel: arguments, kernel_setup, the panel loop (full panels, then the tail panel),
  // postamble. Variants with another panel schedule override it.
  void generate() override;

  const GemmQu8s8Config cfg_;

  // ---- GPR map (every GPR but rsp is free: the preamble saved the callee-saved ones) ----
  const Xbyak::Reg64 reg_args = r15;    // const GemmQu8s8Args*
  const Xbyak::Reg64 reg_lda = r14;
  const Xbyak::Reg64 reg_lda3 = r13;    // 3 * lda
  const Xbyak::Reg64 reg_w = r12;       // walks the packed panels
  const Xbyak::Reg64 reg_y = r11;       // Y row 0 of the current panel
  const Xbyak::Reg64 reg_panels = r10;  // full panels left
  const Xbyak::Reg64 reg_kloop = r9;    // K-loop iterations left
  const Xbyak::Reg64 reg_yrow = r8;     // Y row pointer in the epilogue
  const Xbyak::Reg64 reg_ldy = rbx;
  const Xbyak::Reg64 reg_tmp = rax;     // A tail bytes, store masks, partial stores
  // A rows r = 3i, 3i+1, 3i+2 are at reg_a[i] + {0, lda, 2*lda} (+ the K position).
  const Xbyak::Reg64 reg_a[4] = {rsi, rdx, rcx, rbp};
  // Epilogue of residual kernels (the A rows are dead there: the next panel reloads them).
  const Xbyak::Reg64 reg_rrow = rdi;    // R row pointer
  const Xbyak::Reg64 reg_rtmp = rcx;    // partial residual loads (ymm)

 private:
  // One panel of nv vectors (n_valid channels): compute, requantize and store; on entry reg_w is
  // the panel's start, on exit the next panel's.
  void compute_panel(int nv, int n_valid);
  void load_row_bases();
  void add_residual(const Xbyak::Xmm& a, const Xbyak::Xmm& t, const Xbyak::RegExp& src, int count);
  // a += float(b - zb) * mb for R's bytes b (the part of the Add that reads R).
  void add_residual_operand(const Xbyak::Xmm& a, const Xbyak::Xmm& t, const Xbyak::RegExp& src, int count);
  void load_residual(const Xbyak::Xmm& t, const Xbyak::RegExp& src, int count);
  void store(const Xbyak::Xmm& v, const Xbyak::RegExp& dst, int count, const Xbyak::Xmm& scratch);
};

}  // namespace qinfer::jit
