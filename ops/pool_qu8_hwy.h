// Highway (dynamic dispatch) form of the uint8 NHWC max pooling, vectorized over channels.
// Bit-identical to its reference twin ref::maxpool2d_u8_nhwc (max is exact). Never allocates.
#pragma once

#include <cstdint>

#include "reference/conv.h"

namespace qinfer::q8 {

// Output rows (n, oy) in [row_begin, row_end) of ref::maxpool2d_u8_nhwc.
void maxpool2d_u8_nhwc_hwy(const ref::Conv2DGeometry& g, const uint8_t* x, uint8_t* y, int64_t row_begin,
                           int64_t row_end);

}  // namespace qinfer::q8
