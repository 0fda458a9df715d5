// qu8s8_gemm_minmax_fp32_<MR>x<NR>c4__amx: the same contract as the vector kernels
// (gemm_qu8s8_config.h), computed with AMX tiles. Up to 2 x 2 accumulator tiles of 16 rows x 16
// int32 channels (MR <= 32, NR <= 32): per 64 k, tdpbusd multiplies a 16 x 64-byte A tile (rows of
// A, loaded with stride lda) with a weight tile of 16 groups x 64 bytes (the kC4 panel's groups
// are exactly its rows), adding u8 x s8 products into int32 exactly and without saturation, as
// vpdpbusd does. A K tail (K % 64) is read through a zero-padded copy on the stack (masked loads
// read exactly the K bytes of each row); the weight panels carry zero groups up to whole tiles.
//
// The tile configuration is loaded only when the thread's differs (it is kept between calls).
// The accumulator tiles go to one of two stack buffers and come back 8 rows at a time into zmm
// registers for the shared requantization (and residual Add) epilogue. Panels are software-
// pipelined: the tile unit multiplies panel p while the vector units run the epilogue of panel
// p - 1 from the other buffer.
#pragma once

#include "jit/gemm_qu8s8_generator.h"

namespace qinfer::jit {

class GemmQu8s8AmxGenerator final : public GemmQu8s8Generator {
 public:
  explicit GemmQu8s8AmxGenerator(const GemmQu8s8Config& cfg) : GemmQu8s8Generator(cfg) {}

 private:
  void generate() override;
  int acc_rows() const override { return kEpilogueRows; }
  // The vector K loop is not used: multiply_panel is the tile loop.
  void k_group(int, int, int64_t) override {}
  void k_tail_group(int, int, int64_t, int) override {}

  void emit_tile_config();
  void setup();
  // Tiles of the panel at reg_w: started at its folded bias, then all of K.
  void multiply_panel(int nv);
  void multiply_tiles(int nv, bool from_tail);
  // Stores the accumulator tiles to the buffer of this panel (see buffer()).
  void store_tiles(int nv);
  // Requantizes and stores the panel whose tiles are in its buffer: the current one (reg_w,
  // reg_y) or the previous one (reg_w - panel bytes, reg_y - NR).
  void epilogue_panel(bool previous, int nv, int n_valid);
  // reg_tmp_buf = this panel's buffer (by the parity of reg_panels), or the previous panel's.
  void buffer(bool previous);

  int row_tiles() const { return cfg_.mr > 16 ? 2 : 1; }
  int tile_rows(int i) const { return i == 0 ? (cfg_.mr < 16 ? cfg_.mr : 16) : cfg_.mr - 16; }
  int64_t k_main() const { return cfg_.k / 64 * 64; }
  int k_rem() const { return static_cast<int>(cfg_.k % 64); }
  int tail_vectors() const { return (cfg_.n_tail + 15) / 16; }

  static constexpr int kEpilogueRows = 8;  // 16 zmm accumulators per epilogue pass
  // Tiles: accumulators C(i, j) = tmm(2i + j), A row tiles tmm4/5, weight tiles tmm6/7.
  static Xbyak::Tmm c_tile(int i, int j) { return Xbyak::Tmm(2 * i + j); }
  static Xbyak::Tmm a_tile(int i) { return Xbyak::Tmm(4 + i); }
  static Xbyak::Tmm b_tile(int j) { return Xbyak::Tmm(6 + j); }
  // Stack frame (64-byte aligned): two accumulator buffers (4 tiles x 1 KB each), then the A tail
  // rows (32 x 64 bytes).
  static constexpr int kBufferBytes = 4096, kATailOffset = 2 * kBufferBytes, kFrameBytes = kATailOffset + 2048;

  Xbyak::Label l_config_;
  // ---- GPR map (see the base class; the vector K loop's registers are free here) ----
  const Xbyak::Reg64 reg_frame = rbp;    // rsp before the frame was carved
  const Xbyak::Reg64 reg_a0 = rsi;       // A row 0
  const Xbyak::Reg64 reg_a1 = rdx;       // A row 16
  const Xbyak::Reg64 reg_a0k = rcx;      // A row 0 at the current K position
  const Xbyak::Reg64 reg_tmp_buf = rcx;  // accumulator buffer (outside the K loop)
  const Xbyak::Reg64 reg_a1k = rdi;      // A row 16 at the current K position (dead in the epilogue)
  const Xbyak::Reg64 reg_wk = r13;       // weight groups at the current K position
  const Xbyak::Reg64 reg_wstride = rax;  // weight tile row stride: NR * 4 bytes
  const Xbyak::Reg64 reg_64 = r8;        // stride of the stack tiles (reg_yrow: free until the epilogue)
};

}  // namespace qinfer::jit
