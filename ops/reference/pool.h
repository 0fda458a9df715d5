// Reference max pooling (ONNX MaxPool semantics; padded positions are ignored).
#pragma once

#include <cstdint>
#include <utility>

#include "reference/conv.h"

namespace qinfer::ref {

// [begin, end) of the taps k with 0 <= base + k * dilation < size: only in-bounds taps are
// visited, so a huge kernel or padding costs no more than the input it covers.
std::pair<int64_t, int64_t> pool_valid_taps(int64_t base, int64_t dilation, int64_t kernel, int64_t size);

// The pooling window shares the convolution geometry (kernel, strides, pads, dilations);
// in_c == out_c and groups are unused.
void maxpool2d_f32_nchw(const Conv2DGeometry& g, const float* x, float* y, int64_t row_begin, int64_t row_end);
// Also writes, per output, the flat NCHW index ((n * C + c) * H + iy) * W + ix of the first maximum
// (ONNX MaxPool's Indices output, storage_order 0), or with column_major ((n * C + c) * W + ix) * H + iy.
void maxpool2d_f32_nchw_indices(const Conv2DGeometry& g, bool column_major, const float* x, float* y, int64_t* indices,
                                int64_t row_begin, int64_t row_end);
// uint8 NHWC: max over the window's in-bounds taps, 0 for a window with none.
void maxpool2d_u8_nhwc(const Conv2DGeometry& g, const uint8_t* x, uint8_t* y, int64_t row_begin,
                       int64_t row_end);

}  // namespace qinfer::ref

namespace qinfer::ref {

// Mean over each channel's H x W plane. fp32: NCHW. uint8: NHWC, computed exactly in int32 then
// requantized: y = clamp(round_half_even(float(sum - hw * x_zp) * multiplier) + y_zp, lo, hi)
// with multiplier = s_x / (s_y * hw).
void global_average_pool_f32_nchw(int64_t batch, int64_t channels, int64_t hw, const float* x, float* y);
void global_average_pool_u8_nhwc(int64_t batch, int64_t channels, int64_t hw, const uint8_t* x, int32_t x_zero_point,
                                 float multiplier, int32_t y_zero_point, int32_t y_min, int32_t y_max, uint8_t* y);

}  // namespace qinfer::ref

namespace qinfer::ref {

// Average pooling, fp32 NCHW. The divisor counts in-bounds taps, or every tap of the window
// when count_include_pad (ONNX AveragePool).
void avgpool2d_f32_nchw(const Conv2DGeometry& g, bool count_include_pad, const float* x, float* y, int64_t row_begin,
                        int64_t row_end);

}  // namespace qinfer::ref
