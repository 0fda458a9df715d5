// qu8s8_gemm_xw_minmax_fp32_<MR>x<NR>c4__avx2: exact u8 x s8 on AVX2 without VNNI.
// vpmaddubsw would add two u8 x s8 products into a saturating int16 (255*127*2 > 32767), so it
// cannot match the reference. Instead the weights are packed already widened to int16 ("xw"),
// split per group of 4 k into an even vector of (k0, k2) pairs and an odd one of (k1, k3) pairs;
// each A row's 4 bytes are broadcast and split the same way (mask / shift by 8 within 16-bit
// words), and vpmaddwd forms exact int32 pair sums (|a*b| <= 255*128, two of them fit easily).
#pragma once

#include "jit/gemm_qu8s8_generator.h"

namespace qinfer::jit {

class GemmQu8s8Avx2Generator final : public GemmQu8s8Generator {
 public:
  explicit GemmQu8s8Avx2Generator(const GemmQu8s8Config& cfg) : GemmQu8s8Generator(cfg) {}

 private:
  void kernel_setup() override;
  void k_group(int nv, int a_disp, int64_t w_disp) override;
  void k_tail_group(int nv, int a_disp, int64_t w_disp, int rem) override;
  void load_weights(int nv, int64_t w_disp);
  void multiply_row(int r, int nv);

  // ---- ymm register map (after the accumulators) ----
  Xbyak::Ymm w_even(int v) const { return Xbyak::Ymm(first_free_vreg() + 2 * v); }
  Xbyak::Ymm w_odd(int v) const { return Xbyak::Ymm(first_free_vreg() + 2 * v + 1); }
  Xbyak::Ymm a_even() const { return Xbyak::Ymm(first_free_vreg() + 2 * cfg_.vectors()); }
  Xbyak::Ymm a_odd() const { return Xbyak::Ymm(first_free_vreg() + 2 * cfg_.vectors() + 1); }
  Xbyak::Ymm product() const { return Xbyak::Ymm(first_free_vreg() + 2 * cfg_.vectors() + 2); }
  Xbyak::Ymm low_byte_mask() const { return Xbyak::Ymm(15); }  // 0x00FF in every word; whole kernel
};

}  // namespace qinfer::jit
