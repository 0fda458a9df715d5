#include "jit/gemm_qu8s8_vnni.h"

namespace qinfer::jit {

using namespace Xbyak;

void GemmQu8s8VnniGenerator::load_weights(int nv, int64_t w_disp) {
  for (int v = 0; v < nv; ++v) {
    const Address src = ptr[at(reg_w, w_disp + v * vector_bytes())];
    if (zmm()) vmovdqa32(w_vec(v), src); else vmovdqa(w_vec(v), src);
  }
}

void GemmQu8s8VnniGenerator::multiply_row(int r, int nv, const Xmm& a) {
  for (int v = 0; v < nv; ++v) {
    if (zmm()) vpdpbusd(acc(r, v), a, w_vec(v));
    else vpdpbusd(acc(r, v), a, w_vec(v), cfg_.vnni_evex ? EvexEncoding : VexEncoding);
  }
}

void GemmQu8s8VnniGenerator::k_group(int nv, int a_disp, int64_t w_disp) {
  load_weights(nv, w_disp);
  for (int r = 0; r < cfg_.mr; ++r) {
    vpbroadcastd(a_bcast(r), dword[a_row(r, a_disp)]);
    multiply_row(r, nv, a_bcast(r));
  }
}

void GemmQu8s8VnniGenerator::k_tail_group(int nv, int a_disp, int64_t w_disp, int rem) {
  load_weights(nv, w_disp);
  for (int r = 0; r < cfg_.mr; ++r) {
    load_a_tail(r, a_disp, rem);  // the missing bytes are zero and meet zero weights anyway
    const Xmm a = a_bcast(r);
    if (zmm()) {
      vpbroadcastd(a, eax);
    } else {
      vmovd(Xmm(a.getIdx()), eax);
      vpbroadcastd(a, Xmm(a.getIdx()));
    }
    multiply_row(r, nv, a);
  }
}

}  // namespace qinfer::jit
