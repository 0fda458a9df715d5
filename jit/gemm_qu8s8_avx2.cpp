#include "jit/gemm_qu8s8_avx2.h"

namespace qinfer::jit {

using namespace Xbyak;

void GemmQu8s8Avx2Generator::kernel_setup() {
  mov(eax, 0x00FF00FF);
  vmovd(Xmm(low_byte_mask().getIdx()), eax);
  vpbroadcastd(low_byte_mask(), Xmm(low_byte_mask().getIdx()));
}

void GemmQu8s8Avx2Generator::load_weights(int nv, int64_t w_disp) {
  for (int v = 0; v < nv; ++v) {
    vmovdqa(w_even(v), ptr[at(reg_w, w_disp + v * 64)]);
    vmovdqa(w_odd(v), ptr[at(reg_w, w_disp + v * 64 + 32)]);
  }
}

// a_even() holds the broadcast A bytes; splits them and accumulates row r.
void GemmQu8s8Avx2Generator::multiply_row(int r, int nv) {
  vpsrlw(a_odd(), a_even(), 8);                // words (a1, a3)
  vpand(a_even(), a_even(), low_byte_mask());  // words (a0, a2)
  for (int v = 0; v < nv; ++v) {
    const Ymm c(acc(r, v).getIdx());
    vpmaddwd(product(), a_even(), w_even(v));
    vpaddd(c, c, product());
    vpmaddwd(product(), a_odd(), w_odd(v));
    vpaddd(c, c, product());
  }
}

void GemmQu8s8Avx2Generator::k_group(int nv, int a_disp, int64_t w_disp) {
  load_weights(nv, w_disp);
  for (int r = 0; r < cfg_.mr; ++r) {
    vpbroadcastd(a_even(), dword[a_row(r, a_disp)]);
    multiply_row(r, nv);
  }
}

void GemmQu8s8Avx2Generator::k_tail_group(int nv, int a_disp, int64_t w_disp, int rem) {
  load_weights(nv, w_disp);
  for (int r = 0; r < cfg_.mr; ++r) {
    load_a_tail(r, a_disp, rem);
    vmovd(Xmm(a_even().getIdx()), eax);
    vpbroadcastd(a_even(), Xmm(a_even().getIdx()));
    multiply_row(r, nv);
  }
}

}  // namespace qinfer::jit
