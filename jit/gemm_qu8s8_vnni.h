// qu8s8_gemm_minmax_fp32_<MR>x<NR>c4__avx512vnni (zmm, EVEX) and ..__avxvnni (ymm, VEX): per group
// of 4 k, each A row's 4 bytes are broadcast to every 32-bit lane and vpdpbusd multiplies them with
// the 4 packed weight bytes of each channel, adding the four u8 x s8 products into the int32
// accumulator exactly (the non-saturating form, so the sum wraps as the reference's int32 does).
#pragma once

#include "jit/gemm_qu8s8_generator.h"

namespace qinfer::jit {

class GemmQu8s8VnniGenerator final : public GemmQu8s8Generator {
 public:
  explicit GemmQu8s8VnniGenerator(const GemmQu8s8Config& cfg) : GemmQu8s8Generator(cfg) {}

 private:
  void k_group(int nv, int a_disp, int64_t w_disp) override;
  void k_tail_group(int nv, int a_disp, int64_t w_disp, int rem) override;
  void load_weights(int nv, int64_t w_disp);
  void multiply_row(int r, int nv, const Xbyak::Xmm& a);

  // ---- vector register map (after the accumulators) ----
  Xbyak::Xmm w_vec(int v) const { return vreg(first_free_vreg() + v); }  // weights of vector v
  // A broadcasts alternate between two registers so consecutive rows do not share one.
  Xbyak::Xmm a_bcast(int r) const { return vreg(first_free_vreg() + cfg_.vectors() + (r & 1)); }
};

}  // namespace qinfer::jit
