// Reference int8 ConvTranspose (group 1): uint8 NHWC input, int8 weights [C_out, KH, KW, C_in]
// (OHWI, symmetric per output channel), int32 bias [C_out] (nullptr: none):
//   acc[n,oy,ox,oc] = bias[oc] + sum over taps (ky,kx) reaching (oy,ox) and ic of (x - zp_x) * w[oc,ky,kx,ic]
//   y = clamp(round_half_even(float(acc) * multiplier[oc]) + zp_y, y_min, y_max)   (qmath::requantize)
// A tap (ky, kx) reaches output oy when oy + pad_top - ky * dilation_h = iy * stride_h, 0 <= iy < in_h
// (likewise for x). Output rows [row_begin, row_end) of batch * out_h.
#pragma once

#include <cstdint>

#include "reference/conv.h"

namespace qinfer::ref {

void conv_transpose2d_qu8s8_nhwc(const Conv2DGeometry& g, const uint8_t* x, int32_t x_zero_point, const int8_t* w,
                                 const int32_t* bias, const float* multiplier, int32_t y_zero_point, int32_t y_min,
                                 int32_t y_max, uint8_t* y, int64_t row_begin, int64_t row_end);

}  // namespace qinfer::ref
