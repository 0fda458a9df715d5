// Configuration, calling convention and weight layout of the JIT qu8s8 GEMM kernels
//   qu8s8_gemm_minmax_fp32_<MR>x<NR>c4__<isa>      (the xw variant for AVX2: int16-extended weights)
// One kernel computes MR rows of Y = requant(A[MR,K] * B[N,K]^T + bias') for all N columns:
// a run-time loop over the full NR-wide panels, then the tail panel (n_tail channels, masked or
// partial stores) unrolled at generation time. K and the N tail are baked in; rows, strides and
// the number of full panels come at run time. The caller loops over blocks of MR rows and uses
// the kernel generated for mr = rows left for the last block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include "jit/cpu.h"

namespace qinfer::jit {

// The int8 Add fused into a residual kernel's epilogue (qmath::add with the GEMM's requantized
// output as operand a), each value broadcast to 16 lanes so that the epilogue takes them as
// memory operands (no vector register to spare on AVX2 / AVX-VNNI tiles).
struct alignas(64) GemmQu8s8Residual {
  float a_multiplier[16];  // s_a / s_y of the Add, a = this GEMM's output
  float b_multiplier[16];  // s_b / s_y, b = the residual input
  float lo[16], hi[16];    // the Add's y_min - y_zp, y_max - y_zp (clamp before rounding, as below)
  int32_t b_zero_point[16];
  int32_t y_zero_point[16];
  int32_t y_min = 0, y_max = 255;  // the Add's output clamp itself (pack_clamp kernels read the low bytes)
};

// Argument block: void kernel(const GemmQu8s8Args*). Generated code reads it by offsetof.
struct GemmQu8s8Args {
  const uint8_t* a = nullptr;  // row 0 of the block: A[r, k] = a[r * lda + k], exactly K bytes per row
  int64_t lda = 0;
  const uint8_t* w = nullptr;  // first packed panel (see "Weight layout")
  uint8_t* y = nullptr;        // Y[r, n] = y[r * ldy + n]
  int64_t ldy = 0;
  int64_t full_panels = 0;     // NR-wide panels, then the tail panel if the kernel has one
  // Requantization bounds on the scaled value, before rounding: y_min - y_zp and y_max - y_zp.
  // Clamping in float first is what makes huge or NaN products land where the reference puts
  // them (vcvtps2dq alone would turn +huge into INT32_MIN); see gemm_qu8s8_generator.cpp.
  float lo = 0.0f, hi = 0.0f;
  int32_t y_zero_point = 0;
  int32_t y_min = 0, y_max = 255;  // the output clamp itself (pack_clamp kernels read the low bytes)
  // Residual kernels only: Y = add(requantized GEMM value, R) with R[r, n] = residual[r * ld_residual
  // + n] (exactly N bytes per row are read); the GEMM value never reaches memory.
  const uint8_t* residual = nullptr;
  int64_t ld_residual = 0;
  GemmQu8s8Residual add;
};
static_assert(std::is_standard_layout_v<GemmQu8s8Args>, "generated code reads fields by offsetof");
using GemmQu8s8KernelFn = void (*)(const GemmQu8s8Args*);

// Weight layout, per panel of NR output channels (channels >= N and k >= K are zero):
//   (AMX uses kC4: the groups of 16 output channels are the rows of its weight tiles, loaded with a
//   row stride of NR * 4 bytes; its panels are padded to whole tiles of 16 groups.)
//   header: bias'[NR] int32, multiplier[NR] float                        (8 * NR bytes)
//   then for each group g of 4 k (ceil(K/4) groups):
//     kC4     (VNNI):  byte [g][j][i]    = B[n0 + j, 4g + i]             (NR * 4 bytes: vpdpbusd lanes)
//     kC4Xw16 (AVX2):  per 8 channels v: int16 [g][v][i%2][j%8][i/2] = B[n0 + 8v + j%8, 4g + i]
//                      (NR * 8 bytes: an "even" vector of (k0, k2) pairs and an "odd" one of
//                      (k1, k3) pairs, each 8 int32 lanes, ready for vpmaddwd)
// Panels are padded to a multiple of 64 bytes, so every panel starts 64-byte aligned.
enum class WeightLayout : int { kC4, kC4Xw16 };

inline constexpr int kGemmMaxMr = 32;  // AMX: two 16-row tiles

struct GemmQu8s8Config {
  Isa isa = Isa::kRef;
  int mr = 0, nr = 0;      // rows of this kernel, channels per panel
  int64_t k = 0;
  int n_tail = 0;          // channels of the tail panel, 0..nr-1 (0: no tail panel)
  bool vnni_evex = false;  // test hook: the AVX-VNNI kernel with EVEX-encoded vpdpbusd (runs on AVX512-VNNI)
  bool residual = false;   // fused residual Add in the epilogue (GemmQu8s8Args::residual, ::add)
  // Epilogue without the float clamp on the output: set when the value rounded last provably
  // fits int32 for every input (round(acc * multiplier), or the residual Add's sum) and the output
  // zero point is 0..255, so saturating packs and byte min/max give the reference's bytes
  // (pack_qu8s8_gemm decides; gemm_qu8s8_generator.cpp).
  bool pack_clamp = false;

  // Default tile of a variant (chosen by measurement, perf/bench/README.md).
  static void default_tile(Isa isa, int* mr, int* nr);
  // The tile for a GEMM with N output channels: the default, except AVX-512 VNNI with N a multiple
  // of 64, which takes 6 x 64 (fewer A broadcasts per multiply-add; no tail panel to waste).
  static void tile_for(Isa isa, int64_t n, int* mr, int* nr);
  // A kernel configuration; empty error when the tile fits the variant's registers.
  static GemmQu8s8Config init(Isa isa, int mr, int nr, int64_t k, int64_t n, bool vnni_evex, std::string* error);

  // Whether the tile has the registers and the epilogue for pack_clamp: AVX-512 VNNI and AMX need
  // 5 vector registers after the accumulators (7 with a residual Add), AVX-VNNI and AVX2 the float
  // clamp epilogue's 4 and no residual Add.
  bool pack_clamp_fits() const;

  WeightLayout layout() const { return isa == Isa::kAvx2 ? WeightLayout::kC4Xw16 : WeightLayout::kC4; }
  bool amx() const { return isa == Isa::kAmx; }
  int lanes() const { return isa == Isa::kAvx512Vnni || amx() ? 16 : 8; }  // int32 lanes per vector
  int vectors() const { return nr / lanes(); }                     // accumulators per row
  int64_t k_groups() const { return (k + 3) / 4; }
  // Groups stored per panel: AMX loads weight tiles of 16 groups, so its panels hold whole tiles
  // (the groups past K are zero).
  int64_t stored_k_groups() const { return amx() ? (k_groups() + 15) / 16 * 16 : k_groups(); }
  int64_t header_bytes() const { return 8 * static_cast<int64_t>(nr); }
  int64_t group_bytes() const { return (layout() == WeightLayout::kC4Xw16 ? 8 : 4) * static_cast<int64_t>(nr); }
  // Panel stride: header and groups, rounded up to 64 bytes so that every panel starts aligned.
  int64_t panel_bytes() const { return (header_bytes() + stored_k_groups() * group_bytes() + 63) / 64 * 64; }

  // Contract name, XNNPACK style: "qu8s8_gemm_minmax_fp32_8x32c4__avx512vnni" (with a fused
// residual Add: "qu8s8_gemm_minmax_fp32_addqu8_8x32c4__avx512vnni").
  std::string kernel_name() const;
  // kernel_name() plus the specialisation, for profilers: "..._k576_nt5".
  std::string code_name() const;

  bool operator==(const GemmQu8s8Config& o) const {
    return isa == o.isa && mr == o.mr && nr == o.nr && k == o.k && n_tail == o.n_tail && vnni_evex == o.vnni_evex &&
           residual == o.residual && pack_clamp == o.pack_clamp;
  }
};

// Packs B [N, K] (int8, row n at b + n * K), the folded bias and the multipliers into
// ceil(N / nr) panels of cfg.panel_bytes() each at `out` (64-byte aligned, zero-filled by the caller).
// bias_folded[n] = bias[n] - a_zero_point * sum_k B[n, k] is computed here (bias may be null).
void pack_gemm_qu8s8_weights(const GemmQu8s8Config& cfg, const int8_t* b, const int32_t* bias,
                             const float* multiplier, int64_t n, int32_t a_zero_point, uint8_t* out);

}  // namespace qinfer::jit
