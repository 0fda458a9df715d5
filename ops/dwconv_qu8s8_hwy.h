// Depthwise uint8 x int8 -> uint8 convolution on NHWC data (groups == in_c == out_c), Highway
// dynamic dispatch, vectorized along channels. Bit-identical to ref::conv2d_qu8s8_nhwc for that case:
//   acc = bias[c] + sum_{valid taps} (x - x_zp) * w[c, ky, kx]      (int32; padding contributes 0)
//   y   = clamp(round_half_even(float(acc) * multiplier[c]) + y_zp, y_min, y_max)
// Weights arrive as stored in the qbin (OHWI with I = 1: [C][KH][KW] int8) and are packed once into
// int32 [KH*KW][Cpad] (Cpad = C rounded up to 16; zeros past C), each word holding the
// int16 weight in its low half and 0 in its high half (so x86 uses one exact pmaddwd per vector), and
// for the fast path with two kernel rows per word (see wpair). The layout does not depend on the CPU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "reference/conv.h"

namespace qinfer::q8 {

struct PackedDwQu8s8 {
  int64_t c = 0, kh = 0, kw = 0, cpad = 0;
  int32_t x_zero_point = 0, y_zero_point = 0, y_min = 0, y_max = 255;
  std::vector<int32_t> w;         // [kh * kw][cpad], uint16 bits of the int16 weight
  std::vector<int32_t> bias;      // [cpad]
  std::vector<int32_t> bias_interior;  // [cpad]: bias - x_zp * sum of taps (pixels whose taps are all inside)
  std::vector<float> multiplier;  // [cpad]
  // Fast path (3x3 / 5x5, stride 1 / 2): kernel rows paired, [(kh + 1) / 2][kw][cpad], each word
  // (uint16 w[2g][kx]) | w[2g + 1][kx] << 16 (0 past the last row).
  std::vector<int32_t> wpair;
  // The same with four rows per word as bytes ([(kh + 3) / 4][kw][cpad], byte j = w[4g + j][kx]),
  // for uint8 x int8 dot products of four (vpdpbusd).
  std::vector<int32_t> wquad;
  std::vector<uint8_t> zrow;      // [cpad] bytes of x_zero_point: the input row above/below the image
};

PackedDwQu8s8 dwconv_qu8s8_pack(int64_t channels, int64_t kernel_h, int64_t kernel_w, const int8_t* w,
                                const int32_t* bias, const float* multiplier, int32_t x_zero_point,
                                int32_t y_zero_point, int32_t y_min, int32_t y_max);

// Output rows [row_begin, row_end) of g.rows() (batch * out_h). g must be depthwise with the packed
// channel count and kernel. Never allocates, never throws.
void dwconv_qu8s8_run(const PackedDwQu8s8& packed, const ref::Conv2DGeometry& g, const uint8_t* x, uint8_t* y,
                      int64_t row_begin, int64_t row_end);

// Highway target the depthwise kernel dispatches to now, and the targets compiled into it (a
// superset of the GEMM's: it adds AVX3_DL for vpdpwssd).
const char* dwconv_qu8s8_target();
int64_t dwconv_qu8s8_compiled_targets();

}  // namespace qinfer::q8
