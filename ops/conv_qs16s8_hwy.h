// The W8A16 input layer (qconv --input-int16), Highway dynamic dispatch:
//   conv_qs16s8_*       int16 (zero point 0) x int8 -> uint8 convolution on NHWC data, any kernel,
//                       stride, dilation, padding and group count. Bit-identical to
//                       ref::conv2d_qs16s8_nhwc whenever packed.fits_int32 (ref::qs16s8_sum_fits_int32):
//                       it then sums in int32, which is exact; callers use the reference otherwise.
//   quantize_f32_s16_hwy  float -> int16 (optionally NCHW -> NHWC), bit-identical to ref::quantize_f32_s16.
// The conv gathers the receptive field of 6 (AVX-512) or 4 output pixels at a time into a small
// scratch (padding is 0 because the zero point is 0) as int16 pairs, and multiplies each pair by
// packed weight pairs of up to 4 (AVX-512) or 2 vectors of output channels (pmaddwd on x86, vpdpwssd
// on AVX-512 VNNI; two int32 products elsewhere). Weights are packed once, independent of the CPU. Never allocate, never throw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "reference/conv.h"
#include "reference/quantize.h"

namespace qinfer::q8 {

struct PackedConvQs16s8 {
  int64_t out_c = 0, in_c = 0, kernel_h = 0, kernel_w = 0, groups = 1;
  int64_t k = 0;       // kernel_h * kernel_w * in_c / groups: weights per output channel
  int64_t kpairs = 0;  // (k + 1) / 2
  int64_t ocpad = 0;   // output channels per group, rounded up to 16
  int32_t y_zero_point = 0, y_min = 0, y_max = 255;
  bool fits_int32 = false;        // int32 sums are exact (see ref::qs16s8_sum_fits_int32)
  std::vector<int32_t> w;         // [groups][kpairs][ocpad]: uint16(w[2j]) | w[2j + 1] << 16 (0 past k)
  std::vector<int32_t> bias;      // [groups][ocpad]
  std::vector<float> multiplier;  // [groups][ocpad]
};

// `w`: OHWI int8 [out_c][kernel_h][kernel_w][in_c / groups]; bias (may be null) and multiplier per
// output channel.
PackedConvQs16s8 conv_qs16s8_pack(int64_t out_c, int64_t in_c, int64_t kernel_h, int64_t kernel_w, int64_t groups,
                                  const int8_t* w, const int32_t* bias, const float* multiplier, int32_t y_zero_point,
                                  int32_t y_min, int32_t y_max);

// Scratch bytes one conv_qs16s8_run call needs (64-byte multiple).
size_t conv_qs16s8_scratch_bytes(const PackedConvQs16s8& packed);

// Output rows [row_begin, row_end) of g.rows(). Requires packed.fits_int32 and g matching the
// packed channels, kernel and groups; `scratch` holds conv_qs16s8_scratch_bytes (64-byte aligned).
void conv_qs16s8_run(const PackedConvQs16s8& packed, const ref::Conv2DGeometry& g, const int16_t* x, uint8_t* y,
                     int64_t row_begin, int64_t row_end, void* scratch);

// float -> int16 with zero point 0 (move None or NchwToNhwc), like ref::quantize_f32_s16. Only share
// `part` of `parts` equal shares of the work (elements, or whole pixels when the layout moves), so
// that threads can split it; the shares together write every output once.
void quantize_f32_s16_hwy(const float* x, float scale, int16_t* y, const ref::Dims4& dims, ref::LayoutMove move,
                          int64_t count, int64_t part = 0, int64_t parts = 1);

// Highway target these kernels dispatch to now, and the targets compiled into them.
const char* conv_qs16s8_target();
int64_t conv_qs16s8_compiled_targets();

}  // namespace qinfer::q8
