// Reference 2-D transposed convolution (ONNX ConvTranspose), fp32 NCHW.
#pragma once

#include <cstdint>

#include "reference/conv.h"

namespace qinfer::ref {

// Output extent of one axis: (in - 1) * stride + (kernel - 1) * dilation + 1 + output_padding
// - pad_begin - pad_end.
int64_t conv_transpose_out_extent(int64_t in, int64_t kernel, int64_t stride, int64_t pad_begin, int64_t pad_end,
                                  int64_t dilation, int64_t output_padding);

// Geometry as for Conv (in_* is the ConvTranspose input, out_* its output). Weights are
// [in_c, out_c / groups, KH, KW]; bias [out_c] or nullptr. Written as a gather over the input
// taps that reach each output element, so work splits by output rows: rows() = batch * out_h.
//   y[n, oc, oy, ox] = bias[oc] + sum over ic in oc's group, ky, kx with
//                      oy + pad_top - ky * dh = iy * sh (likewise x) of x[n, ic, iy, ix] * w[ic, oc', ky, kx]
void conv_transpose2d_f32_nchw(const Conv2DGeometry& g, const float* x, const float* w, const float* bias, float* y,
                               int64_t row_begin, int64_t row_end);

}  // namespace qinfer::ref
