#include "jit/gemm_qu8s8_amx.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace qinfer::jit {

using namespace Xbyak;

#define ARG(field) static_cast<int>(offsetof(GemmQu8s8Args, field))

// The 64-byte tile configuration (palette 1): bytes 16 + 2t hold tile t's bytes per row, byte
// 48 + t its rows. Unused tiles stay 0 x 0.
void GemmQu8s8AmxGenerator::emit_tile_config() {
  uint8_t config[64] = {};
  config[0] = 1;  // palette
  auto set = [&config](int tile, int rows, int row_bytes) {
    config[16 + 2 * tile] = static_cast<uint8_t>(row_bytes & 0xff);
    config[16 + 2 * tile + 1] = static_cast<uint8_t>(row_bytes >> 8);
    config[48 + tile] = static_cast<uint8_t>(rows);
  };
  for (int i = 0; i < row_tiles(); ++i) {
    set(a_tile(i).getIdx(), tile_rows(i), 64);
    for (int j = 0; j < 2; ++j) set(c_tile(i, j).getIdx(), tile_rows(i), 64);
  }
  for (int j = 0; j < 2; ++j) set(b_tile(j).getIdx(), 16, 64);
  Label l_after;
  jmp(l_after, T_NEAR);
  align(64);
  L(l_config_);
  for (uint8_t b : config) db(b);
  L(l_after);
}

void GemmQu8s8AmxGenerator::setup() {
  emit_tile_config();
  mov(reg_frame, rsp);
  sub(rsp, kFrameBytes);
  and_(rsp, -64);
  // ldtilecfg costs ~260 cycles (as much as a 32 x 32 x 64 block): skip it when this thread's
  // tiles already have this configuration (the common case: full 32-row blocks of any K and N
  // share it). Reading it back and comparing is cheap; the state stays configured between calls
  // (no tilerelease), so the next kernel of the thread usually finds it.
  Label l_configured;
  sttilecfg(ptr[rsp + kATailOffset]);  // the A tail rows are written after this
  vmovdqu8(zmm0, ptr[rsp + kATailOffset]);
  vpcmpeqb(k3, zmm0, ptr[rip + l_config_]);
  kortestq(k3, k3);
  jc(l_configured);  // all 64 bytes equal
  ldtilecfg(ptr[rip + l_config_]);
  L(l_configured);
  mov(reg_a0, ptr[reg_args + ARG(a)]);
  if (row_tiles() == 2) {
    mov(reg_a1, reg_lda);
    shl(reg_a1, 4);
    add(reg_a1, reg_a0);
  }
  mov(reg_64, 64);
  if (k_rem() > 0) {
    // The last K % 64 bytes of each row, zero-padded to 64: the same for every panel.
    mov(rax, (uint64_t{1} << k_rem()) - 1);
    kmovq(k2, rax);
    mov(reg_a0k, reg_a0);
    for (int r = 0; r < cfg_.mr; ++r) {
      vmovdqu8(zmm0 | k2 | T_z, ptr[at(reg_a0k, k_main())]);  // masked-off bytes are not read
      vmovdqa64(ptr[rsp + kATailOffset + 64 * r], zmm0);
      if (r + 1 < cfg_.mr) add(reg_a0k, reg_lda);
    }
  }
}

void GemmQu8s8AmxGenerator::generate() {
  load_args();
  setup();
  const int64_t panel = cfg_.panel_bytes();
  auto next_panel = [&] {
    add(reg_w, static_cast<uint32_t>(panel));
    add(reg_y, cfg_.nr);
    dec(reg_panels);
  };
  Label l_no_full, l_last_full, l_loop, l_done;
  test(reg_panels, reg_panels);
  jz(l_no_full, T_NEAR);
  multiply_panel(cfg_.vectors());  // the first full panel: nothing to overlap yet
  store_tiles(cfg_.vectors());
  next_panel();
  jz(l_last_full, T_NEAR);
  L(l_loop);
  multiply_panel(cfg_.vectors());                          // panel p on the tile unit ...
  epilogue_panel(true, cfg_.vectors(), cfg_.nr);           // ... while panel p - 1 is requantized
  store_tiles(cfg_.vectors());
  next_panel();
  jnz(l_loop, T_NEAR);
  L(l_last_full);
  if (cfg_.n_tail > 0) multiply_panel(tail_vectors());
  epilogue_panel(true, cfg_.vectors(), cfg_.nr);
  if (cfg_.n_tail > 0) {
    store_tiles(tail_vectors());
    epilogue_panel(false, tail_vectors(), cfg_.n_tail);
  }
  jmp(l_done, T_NEAR);
  L(l_no_full);
  if (cfg_.n_tail > 0) {
    multiply_panel(tail_vectors());
    store_tiles(tail_vectors());
    epilogue_panel(false, tail_vectors(), cfg_.n_tail);
  }
  L(l_done);
  mov(rsp, reg_frame);
  postamble();
}

// C(i, j) += A tile i . weight tile j for the next 64 k (16 groups) at reg_wk; A from the rows
// (reg_a0k / reg_a1k, stride lda) or from the stack tail copy (stride 64).
void GemmQu8s8AmxGenerator::multiply_tiles(int nv, bool from_tail) {
  for (int i = 0; i < row_tiles(); ++i) {
    if (from_tail) tileloadd(a_tile(i), ptr[rsp + reg_64 + kATailOffset + 1024 * i]);
    else tileloadd(a_tile(i), ptr[(i == 0 ? reg_a0k : reg_a1k) + reg_lda]);
  }
  for (int j = 0; j < nv; ++j) tileloadd(b_tile(j), ptr[reg_wk + reg_wstride + 64 * j]);
  for (int i = 0; i < row_tiles(); ++i)
    for (int j = 0; j < nv; ++j) tdpbusd(c_tile(i, j), a_tile(i), b_tile(j));
}

void GemmQu8s8AmxGenerator::multiply_panel(int nv) {
  // The accumulators start at the folded bias (the panel header): a tile load with row stride 0
  // repeats its 64 bytes in all 16 rows, so the epilogue has no bias to add.
  xor_(reg_kloop.cvt32(), reg_kloop.cvt32());  // the stride; reg_kloop is set after it
  for (int i = 0; i < row_tiles(); ++i)
    for (int j = 0; j < nv; ++j) tileloadd(c_tile(i, j), ptr[reg_w + reg_kloop + 64 * j]);
  const int64_t gb = cfg_.group_bytes();
  lea(reg_wk, ptr[reg_w + static_cast<uint32_t>(cfg_.header_bytes())]);
  mov(reg_wstride, gb);
  const int64_t blocks = k_main() / 64;
  if (blocks > 0) {
    mov(reg_a0k, reg_a0);
    if (row_tiles() == 2) mov(reg_a1k, reg_a1);
    Label l_k;
    if (blocks > 1) mov(reg_kloop, blocks);
    L(l_k);
    multiply_tiles(nv, false);
    add(reg_a0k, 64);
    if (row_tiles() == 2) add(reg_a1k, 64);
    add(reg_wk, static_cast<uint32_t>(16 * gb));
    if (blocks > 1) {
      dec(reg_kloop);
      jnz(l_k, T_NEAR);
    }
  }
  if (k_rem() > 0) multiply_tiles(nv, true);
}

void GemmQu8s8AmxGenerator::buffer(bool previous) {
  // Panels alternate buffers by the parity of the full panels left (reg_panels counts down).
  mov(reg_tmp_buf, reg_panels);
  and_(reg_tmp_buf, 1);
  if (previous) xor_(reg_tmp_buf, 1);
  shl(reg_tmp_buf, 12);
  static_assert(kBufferBytes == 1 << 12, "buffer() shifts by log2(kBufferBytes)");
  add(reg_tmp_buf, rsp);
}

void GemmQu8s8AmxGenerator::store_tiles(int nv) {
  buffer(false);
  for (int i = 0; i < row_tiles(); ++i)
    for (int j = 0; j < nv; ++j) tilestored(ptr[reg_tmp_buf + reg_64 + 1024 * (2 * i + j)], c_tile(i, j));
}

void GemmQu8s8AmxGenerator::epilogue_panel(bool previous, int nv, int n_valid) {
  const int64_t w_disp = previous ? -cfg_.panel_bytes() : 0;
  buffer(previous);
  if (previous) sub(reg_y, cfg_.nr);
  epilogue_begin(n_valid);
  for (int r0 = 0; r0 < cfg_.mr; r0 += kEpilogueRows) {
    const int r1 = std::min(cfg_.mr, r0 + kEpilogueRows);
    for (int r = r0; r < r1; ++r) {
      for (int v = 0; v < nv; ++v) {
        const Zmm a(acc(r - r0, v).getIdx());
        vmovdqa32(a, ptr[reg_tmp_buf + 1024 * (2 * (r / 16) + v) + 64 * (r % 16)]);  // bias included
      }
    }
    epilogue_rows(r0, r1, nv, n_valid, w_disp + 4 * cfg_.nr);  // multipliers follow the biases
  }
  if (previous) add(reg_y, cfg_.nr);
  mov(reg_64, 64);  // the epilogue used it as reg_yrow
}

}  // namespace qinfer::jit

#undef ARG
