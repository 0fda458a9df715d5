#include "jit/gemm_qu8s8_generator.h"

#include <algorithm>
#include <cstddef>

namespace qinfer::jit {

using namespace Xbyak;

namespace {
// Groups of 4 k per K-loop iteration: enough straight-line work to hide the loop overhead, small
// enough that short K (64) still runs the loop.
constexpr int kKUnroll = 4;
}  // namespace

// Byte offset of an argument field: the generated code reads GemmQu8s8Args through reg_args.
#define ARG(field) static_cast<int>(offsetof(GemmQu8s8Args, field))
#define RES(field) static_cast<int>(offsetof(GemmQu8s8Args, add) + offsetof(GemmQu8s8Residual, field))

GemmQu8s8Generator::GemmQu8s8Generator(const GemmQu8s8Config& cfg) : Generator(cfg.code_name()), cfg_(cfg) {}

Xmm GemmQu8s8Generator::vreg(int idx) const { return zmm() ? Xmm(Zmm(idx)) : Xmm(Ymm(idx)); }

RegExp GemmQu8s8Generator::at(const Reg64& base, int64_t disp) {
  // Xbyak keeps displacements as size_t; a negative one wraps and encodes as a signed disp32.
  return RegExp(base) + static_cast<size_t>(disp);
}

RegExp GemmQu8s8Generator::a_row(int r, int disp) const {
  const Reg64& base = reg_a[r / 3];
  switch (r % 3) {
    case 0: return base + disp;
    case 1: return base + reg_lda + disp;
    default: return base + reg_lda * 2 + disp;
  }
}

void GemmQu8s8Generator::load_a_tail(int r, int disp, int rem) {
  const RegExp p = a_row(r, disp);
  switch (rem) {
    case 1: movzx(eax, byte[p]); break;
    case 2: movzx(eax, word[p]); break;
    default:  // byte 2 into bits 16-23, then bytes 0-1 below it
      movzx(eax, byte[p + 2]);
      shl(eax, 16);
      mov(ax, word[p]);
      break;
  }
}

void GemmQu8s8Generator::load_row_bases() {
  mov(reg_a[0], ptr[reg_args + ARG(a)]);
  for (int i = 1; i < (cfg_.mr + 2) / 3; ++i) lea(reg_a[i], ptr[reg_a[i - 1] + reg_lda3]);
}

void GemmQu8s8Generator::load_args() {
  preamble();
  mov(reg_args, abi_param1());
  mov(reg_lda, ptr[reg_args + ARG(lda)]);
  lea(reg_lda3, ptr[reg_lda + reg_lda * 2]);
  mov(reg_w, ptr[reg_args + ARG(w)]);
  mov(reg_y, ptr[reg_args + ARG(y)]);
  mov(reg_ldy, ptr[reg_args + ARG(ldy)]);
  mov(reg_panels, ptr[reg_args + ARG(full_panels)]);
}

void GemmQu8s8Generator::generate() {
  load_args();
  kernel_setup();

  Label l_panel, l_tail;
  test(reg_panels, reg_panels);
  jz(l_tail, T_NEAR);
  L(l_panel);
  compute_panel(cfg_.vectors(), cfg_.nr);
  add(reg_y, cfg_.nr);
  dec(reg_panels);
  jnz(l_panel, T_NEAR);
  L(l_tail);
  if (cfg_.n_tail > 0) compute_panel((cfg_.n_tail + cfg_.lanes() - 1) / cfg_.lanes(), cfg_.n_tail);
  postamble();
}

// One panel: start the accumulators at the folded bias, run K, requantize and store. On entry reg_w is the panel's
// start; on exit, the next panel's.
void GemmQu8s8Generator::compute_panel(int nv, int n_valid) {
  // Accumulators start at the folded bias (the panel header): no add in the epilogue.
  for (int r = 0; r < cfg_.mr; ++r) {
    for (int v = 0; v < nv; ++v) {
      const Address bias = ptr[reg_w + v * vector_bytes()];
      if (zmm()) vmovdqa32(acc(r, v), bias); else vmovdqa(acc(r, v), bias);
    }
  }
  load_row_bases();
  add(reg_w, static_cast<uint32_t>(cfg_.header_bytes()));

  const int64_t gb = cfg_.group_bytes();
  const int64_t full_groups = cfg_.k / 4;
  const int rem = static_cast<int>(cfg_.k % 4);
  const int64_t iters = full_groups / kKUnroll;
  const int left = static_cast<int>(full_groups % kKUnroll);
  if (iters > 0) {
    Label l_k;
    if (iters > 1) mov(reg_kloop, iters);
    L(l_k);
    for (int u = 0; u < kKUnroll; ++u) k_group(nv, u * 4, u * gb);
    for (int i = 0; i < (cfg_.mr + 2) / 3; ++i) add(reg_a[i], kKUnroll * 4);
    add(reg_w, static_cast<uint32_t>(kKUnroll * gb));
    if (iters > 1) {
      dec(reg_kloop);
      jnz(l_k, T_NEAR);
    }
  }
  for (int u = 0; u < left; ++u) k_group(nv, u * 4, u * gb);
  if (rem > 0) k_tail_group(nv, left * 4, left * gb, rem);
  // Past the last group and the panel's alignment padding: reg_w is at the next panel.
  const int64_t rest = (left + (rem > 0 ? 1 : 0)) * gb +
                       (cfg_.panel_bytes() - cfg_.header_bytes() - cfg_.k_groups() * gb);
  if (rest > 0) add(reg_w, static_cast<uint32_t>(rest));
  epilogue_begin(n_valid);
  epilogue_rows(0, cfg_.mr, nv, n_valid, 4 * cfg_.nr - cfg_.panel_bytes());  // reg_w is past the panel now
}

// y = clamp(round(float(acc) * multiplier) + zp, y_min, y_max) as the reference defines it (acc
// started at bias'), with the clamp moved before the rounding: for v = float(acc) * multiplier,
// round(min(max(v, y_min - zp), y_max - zp)) + zp is the same number wherever the reference's
// is defined by rounding, and also right where vcvtps2dq alone would not be: |v| >= 2^31
// (vcvtps2dq gives INT32_MIN even for +huge, the reference saturates to INT32_MAX) and NaN
// (vmaxps returns its second operand, the lower bound, as the reference's INT32_MIN leads to
// y_min). The bounds are integers of magnitude <= 2^24 (checked at pack time), so exact floats.
// The result lies in [y_min, y_max] within [0, 255]: the saturating pack changes nothing.
//
// Residual kernels then apply the fused Add (qmath::add) to that value a and R's byte b: the
// rounded, clamped value before the zero point is exactly a - za (za is this output's zero
// point), so float(a - za) * ma + float(b - zb) * mb is formed from it directly, then clamped,
// rounded and offset like the requantization above (the same argument covers huge and NaN sums).
void GemmQu8s8Generator::epilogue_begin(int n_valid) {
  if (cfg_.pack_clamp) return pack_epilogue_begin(n_valid);
  const int ff = first_free_vreg();
  // `zp` holds the zero point, or in residual kernels R's widened bytes.
  const Xmm lo = vreg(ff), hi = vreg(ff + 1), zp = vreg(ff + 2);
  vbroadcastss(lo, dword[reg_args + ARG(lo)]);
  vbroadcastss(hi, dword[reg_args + ARG(hi)]);
  if (cfg_.residual) residual_rows_begin();
  else vpbroadcastd(zp, dword[reg_args + ARG(y_zero_point)]);
  set_partial_lane_mask(n_valid);
  mov(reg_yrow, reg_y);
}

// R row 0 of this panel: residual + (reg_y - y), the panel's column offset.
void GemmQu8s8Generator::residual_rows_begin() {
  mov(reg_rrow, reg_y);
  sub(reg_rrow, ptr[reg_args + ARG(y)]);
  add(reg_rrow, ptr[reg_args + ARG(residual)]);
}

// zmm: k1 = the lanes of the panel's last, partial vector (masked residual loads and stores).
void GemmQu8s8Generator::set_partial_lane_mask(int n_valid) {
  const int partial = n_valid % cfg_.lanes();
  if (zmm() && partial > 0) {
    mov(eax, (1u << partial) - 1);
    kmovw(k1, eax);
  }
}

void GemmQu8s8Generator::epilogue_rows(int r0, int r1, int nv, int n_valid, int64_t mult_disp) {
  if (cfg_.pack_clamp) return pack_epilogue_rows(r0, r1, nv, n_valid, mult_disp);
  const int ff = first_free_vreg();
  const Xmm lo = vreg(ff), hi = vreg(ff + 1), zp = vreg(ff + 2), scratch = vreg(ff + 3);
  for (int r = r0; r < r1; ++r) {
    for (int v = 0; v < nv; ++v) {
      const Xmm a = acc(r - r0, v);
      vcvtdq2ps(a, a);
      vmulps(a, a, ptr[at(reg_w, mult_disp + v * vector_bytes())]);
      vmaxps(a, a, lo);  // NaN -> lo
      vminps(a, a, hi);
      vcvtps2dq(a, a);
      const int count = std::min(cfg_.lanes(), n_valid - v * cfg_.lanes());
      if (cfg_.residual)
        add_residual(a, zp, reg_rrow + v * cfg_.lanes(), count);
      else
        vpaddd(a, a, zp);
      store(a, reg_yrow + v * cfg_.lanes(), count, scratch);
    }
    if (r + 1 < cfg_.mr) {
      add(reg_yrow, reg_ldy);
      if (cfg_.residual) add(reg_rrow, ptr[reg_args + ARG(ld_residual)]);
    }
  }
}

// The pack_clamp epilogue: when the value rounded last provably fits int32 (checked at pack time),
// vcvtps2dq is exact without a float clamp before it, and
//   clamp(r + zp, y_min, y_max) = min(max(u8sat(int16sat(int16sat(r) + zp)), y_min), y_max)
// for zp in 0..255 and 0 <= y_min <= y_max <= 255: a value saturated to int16 stays beyond the
// byte range after adding zp. zmm: four vectors of a row become one with vpackssdw, vpaddsw,
// vpackuswb (which interleave 4-lane quarters of the vectors) and one vpermd back to column
// order, then the byte clamp on 64 outputs at once. ymm: pairs of vectors, 16 outputs (below).
// About half the uops of the per-vector float clamp epilogue.
// With a residual Add (zmm only), r is the Add's sum: the GEMM value keeps its float clamp (its
// bytes are an operand of the Add), then float(a - za) * ma + float(b - zb) * mb as in
// add_residual, and the packs clamp to the Add's output range.
void GemmQu8s8Generator::pack_epilogue_begin(int n_valid) {
  const int ff = first_free_vreg();
  const Xmm lo = vreg(ff), hi = vreg(ff + 1), zp = vreg(ff + 2);
  if (cfg_.residual) {  // zmm only: lo, hi are the GEMM value's float clamp; the byte clamp follows
    vbroadcastss(lo, dword[reg_args + ARG(lo)]);
    vbroadcastss(hi, dword[reg_args + ARG(hi)]);
    vpbroadcastw(zp, word[reg_args + RES(y_zero_point)]);
    vpbroadcastb(vreg(ff + 5), byte[reg_args + RES(y_min)]);
    vpbroadcastb(vreg(ff + 6), byte[reg_args + RES(y_max)]);
    residual_rows_begin();
    set_partial_lane_mask(n_valid);  // load_residual's lanes of the last, partial vector
  } else {
    vpbroadcastb(lo, byte[reg_args + ARG(y_min)]);
    vpbroadcastb(hi, byte[reg_args + ARG(y_max)]);
    vpbroadcastw(zp, word[reg_args + ARG(y_zero_point)]);
  }
  mov(reg_yrow, reg_y);
  if (!zmm()) return;
  const Zmm order(ff + 4);
  // vpermd indices: output dword d (columns 4d..4d+3) is quarter d % 4 of vector d / 4, which the
  // packs left at dword 4 * (d % 4) + d / 4.
  mov(rax, 0x0D0905010C080400ull);
  vmovq(Xmm(order.getIdx()), rax);
  mov(rax, 0x0F0B07030E0A0602ull);
  vpinsrq(Xmm(order.getIdx()), Xmm(order.getIdx()), rax, 1);
  vpmovzxbd(order, Xmm(order.getIdx()));
  if (n_valid != 16 && n_valid != 32 && n_valid != 64) {
    mov(rax, (uint64_t{1} << n_valid) - 1);  // n_valid < 64: the panel's valid bytes of a row
    kmovq(k5, rax);
  }
}

void GemmQu8s8Generator::pack_epilogue_rows(int r0, int r1, int nv, int n_valid, int64_t mult_disp) {
  const int ff = first_free_vreg();
  // Column by column: each vector's multipliers are loaded once for all rows.
  const Xmm multiplier = vreg(ff + 3);
  for (int v = 0; v < nv; ++v) {
    vmovaps(multiplier, ptr[at(reg_w, mult_disp + v * vector_bytes())]);
    for (int r = r0; r < r1; ++r) {
      const Xmm a = acc(r - r0, v);
      vcvtdq2ps(a, a);
      vmulps(a, a, multiplier);
      if (cfg_.residual) {  // a - za, then its share of the Add (zmm only)
        vmaxps(a, a, vreg(ff));  // NaN -> lo
        vminps(a, a, vreg(ff + 1));
        vcvtps2dq(a, a);
        vcvtdq2ps(a, a);
        vmulps(a, a, ptr[reg_args + RES(a_multiplier)]);
      } else {
        vcvtps2dq(a, a);
      }
    }
  }
  if (!zmm()) return pack_rows_ymm(r0, r1, nv, n_valid);
  const Zmm zp(ff + 2), b(ff + 3), order(ff + 4);
  const Zmm byte_min(cfg_.residual ? ff + 5 : ff), byte_max(cfg_.residual ? ff + 6 : ff + 1);
  for (int r = r0; r < r1; ++r) {
    for (int v = 0; cfg_.residual && v < nv; ++v) {  // + float(b - zb) * mb, rounded
      const Zmm a(acc(r - r0, v).getIdx());
      add_residual_operand(a, b, reg_rrow + v * cfg_.lanes(), std::min(cfg_.lanes(), n_valid - v * cfg_.lanes()));
      vcvtps2dq(a, a);
    }
    auto vec = [&](int v) { return Zmm(acc(r - r0, std::min(v, nv - 1)).getIdx()); };
    const Zmm x01 = vec(0), x23 = vec(2);
    vpackssdw(x01, x01, vec(1));
    vpaddsw(x01, x01, zp);
    if (nv > 2) {
      vpackssdw(x23, x23, vec(3));
      vpaddsw(x23, x23, zp);
    }
    vpackuswb(x01, x01, nv > 2 ? x23 : x01);
    vpermd(x01, order, x01);
    vpmaxub(x01, x01, byte_min);
    vpminub(x01, x01, byte_max);
    if (n_valid == 64) vmovdqu8(zword[reg_yrow], x01);
    else if (n_valid == 32) vmovdqu8(yword[reg_yrow], Ymm(x01.getIdx()));
    else if (n_valid == 16) vmovdqu8(xword[reg_yrow], Xmm(x01.getIdx()));
    else vmovdqu8(zword[reg_yrow] | k5, x01);  // k5: the first n_valid bytes (pack_epilogue_begin)
    if (r + 1 < cfg_.mr) {
      add(reg_yrow, reg_ldy);
      if (cfg_.residual) add(reg_rrow, ptr[reg_args + ARG(ld_residual)]);
    }
  }
}

// ymm rows, already rounded to int32: each pair of vectors x (columns 0-7), y (8-15) of a row
// becomes 16 bytes. vpackssdw works within 128-bit lanes ([x0-3 y0-3 | x4-7 y4-7] as words), so
// vpermq 0xD8 puts the words in column order before the zero point is added; the upper half then
// packs with the lower into an xmm of 16 bytes.
void GemmQu8s8Generator::pack_rows_ymm(int r0, int r1, int nv, int n_valid) {
  const int ff = first_free_vreg();
  const Ymm lo(ff), hi(ff + 1), zp(ff + 2), scratch(ff + 3);
  for (int r = r0; r < r1; ++r) {
    for (int v = 0; v < nv; v += 2) {
      const Ymm x(acc(r - r0, v).getIdx()), y(acc(r - r0, std::min(v + 1, nv - 1)).getIdx());
      const Xmm bytes(x.getIdx());
      vpackssdw(x, x, y);
      vpermq(x, x, 0xD8);
      vpaddsw(x, x, zp);
      vextracti128(Xmm(scratch.getIdx()), x, 1);
      vpackuswb(bytes, bytes, Xmm(scratch.getIdx()));
      vpmaxub(bytes, bytes, Xmm(lo.getIdx()));
      vpminub(bytes, bytes, Xmm(hi.getIdx()));
      store_bytes(bytes, reg_yrow + v * 8, std::min(16, n_valid - v * 8));
    }
    if (r + 1 < cfg_.mr) add(reg_yrow, reg_ldy);
  }
}

// Stores the first `count` (1..16) bytes of `v`; writes exactly those bytes.
void GemmQu8s8Generator::store_bytes(const Xmm& v, const RegExp& dst, int count) {
  if (count == 16) return vmovdqu(xword[dst], v);
  int done = 0;
  if (count >= 8) {
    vmovq(qword[dst], v);
    if (count == 8) return;
    vpextrq(rax, v, 1);
    done = 8;
  } else {
    vmovq(rax, v);
  }
  if ((count - done) & 4) {
    mov(dword[dst + done], eax);
    shr(rax, 32);
    done += 4;
  }
  if ((count - done) & 2) {
    mov(word[dst + done], ax);
    shr(eax, 16);
    done += 2;
  }
  if ((count - done) & 1) mov(byte[dst + done], al);
}

// a = a - za (int32, see epilogue) -> the Add's output in int32 lanes; t is scratch.
void GemmQu8s8Generator::add_residual(const Xmm& a, const Xmm& t, const RegExp& src, int count) {
  vcvtdq2ps(a, a);
  vmulps(a, a, ptr[reg_args + RES(a_multiplier)]);
  add_residual_operand(a, t, src, count);
  vmaxps(a, a, ptr[reg_args + RES(lo)]);  // NaN -> lo
  vminps(a, a, ptr[reg_args + RES(hi)]);
  vcvtps2dq(a, a);
  vpaddd(a, a, ptr[reg_args + RES(y_zero_point)]);
}

// a += float(b - zb) * mb for R's `count` bytes b at src (float lanes); t is scratch.
void GemmQu8s8Generator::add_residual_operand(const Xmm& a, const Xmm& t, const RegExp& src, int count) {
  load_residual(t, src, count);
  vpsubd(t, t, ptr[reg_args + RES(b_zero_point)]);
  vcvtdq2ps(t, t);
  vmulps(t, t, ptr[reg_args + RES(b_multiplier)]);
  vaddps(a, a, t);
}

// t = the `count` bytes at src zero-extended to int32 lanes; reads exactly those bytes.
void GemmQu8s8Generator::load_residual(const Xmm& t, const RegExp& src, int count) {
  if (zmm()) {
    if (count == cfg_.lanes()) vpmovzxbd(Zmm(t.getIdx()), xword[src]);
    else vpmovzxbd(Zmm(t.getIdx()) | k1 | T_z, xword[src]);  // k1 set by the epilogue; masked lanes do not fault
    return;
  }
  if (count == 8) {
    vpmovzxbd(Ymm(t.getIdx()), qword[src]);
    return;
  }
  // Assemble the 1..7 bytes in rax (dword, word, byte pieces), then widen.
  xor_(eax, eax);
  int done = 0;
  if (count & 4) {
    mov(eax, dword[src]);
    done = 4;
  }
  if (count & 2) {
    movzx(reg_rtmp.cvt32(), word[src + done]);
    if (done) shl(reg_rtmp, 8 * done);
    or_(rax, reg_rtmp);
    done += 2;
  }
  if (count & 1) {
    movzx(reg_rtmp.cvt32(), byte[src + done]);
    if (done) shl(reg_rtmp, 8 * done);
    or_(rax, reg_rtmp);
  }
  vmovq(Xmm(t.getIdx()), rax);
  vpmovzxbd(Ymm(t.getIdx()), Xmm(t.getIdx()));
}

// Stores the low byte of the first `count` int32 lanes of `v` (values already in 0..255).
void GemmQu8s8Generator::store(const Xmm& v, const RegExp& dst, int count, const Xmm& scratch) {
  const Xmm bytes(scratch.getIdx());
  if (zmm()) {
    vpmovusdb(bytes, Zmm(v.getIdx()));
    if (count == cfg_.lanes()) vmovdqu8(xword[dst], bytes);  // EVEX: the register may be xmm16+
    else vmovdqu8(xword[dst] | k1, bytes);  // k1 set by the epilogue for this count
    return;
  }
  // ymm: 8 int32 -> 8 uint16 -> 8 uint8 in the low quadword.
  vextracti128(bytes, Ymm(v.getIdx()), 1);
  vpackusdw(bytes, Xmm(v.getIdx()), bytes);
  vpackuswb(bytes, bytes, bytes);
  store_bytes(bytes, dst, count);
}

}  // namespace qinfer::jit

#undef ARG
#undef RES
