// Highway (dynamic dispatch) forms of the uint8 NHWC max pooling and global average pooling,
// vectorized over channels. Bit-identical to their reference twins ref::maxpool2d_u8_nhwc (max is
// exact) and ref::global_average_pool_u8_nhwc (the same exact int32 sums, the same requantization).
// Never allocate.
#pragma once

#include <cstdint>

#include "reference/conv.h"

namespace qinfer::q8 {

// Output rows (n, oy) in [row_begin, row_end) of ref::maxpool2d_u8_nhwc.
void maxpool2d_u8_nhwc_hwy(const ref::Conv2DGeometry& g, const uint8_t* x, uint8_t* y, int64_t row_begin,
                           int64_t row_end);

// Channels [c_begin, c_end) of every image of ref::global_average_pool_u8_nhwc.
void global_average_pool_u8_nhwc_hwy(int64_t batch, int64_t channels, int64_t hw, const uint8_t* x,
                                     int32_t x_zero_point, float multiplier, int32_t y_zero_point, int32_t y_min,
                                     int32_t y_max, uint8_t* y, int64_t c_begin, int64_t c_end);

}  // namespace qinfer::q8
