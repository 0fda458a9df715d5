// Reference max pooling (ONNX MaxPool semantics; padded positions are ignored).
#pragma once

#include <cstdint>

#include "reference/conv.h"

namespace qinfer::ref {

// The pooling window shares the convolution geometry (kernel, strides, pads, dilations);
// in_c == out_c and groups are unused.
void maxpool2d_f32_nchw(const Conv2DGeometry& g, const float* x, float* y, int64_t row_begin, int64_t row_end);
void maxpool2d_u8_nhwc(const Conv2DGeometry& g, const uint8_t* x, uint8_t* y, int64_t row_begin,
                       int64_t row_end);

}  // namespace qinfer::ref
