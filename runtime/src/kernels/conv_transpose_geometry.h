// ConvTranspose attributes and output shape, shared by the fp32 and the int8 kernel (they differ
// in weight layout, groups and data types, not in how the attributes shape the output).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "kernels/node_check.h"
#include "reference/conv_transpose.h"

namespace qinfer {

struct ConvTransposeGeometry {
  std::vector<int64_t> kernel, strides, pads, dilations, output_padding;

  // strides, pads, dilations and output_padding from the options (kernel comes from the weight).
  void read_options(const NodeCheck& check, const fb::ConvOptions* o) {
    strides = check.ints(o->strides(), 2, 1, 1, "strides");
    pads = check.ints(o->pads(), 4, 0, 0, "pads");
    dilations = check.ints(o->dilations(), 2, 1, 1, "dilations");
    output_padding = check.ints(o->output_padding(), 2, 0, 0, "output_padding");
  }

  // Takes the weight's spatial shape; a `kernel` attribute must match it.
  void set_kernel(const NodeCheck& check, const fb::ConvOptions* o, int64_t kh, int64_t kw) {
    kernel = {kh, kw};
    const std::vector<int64_t> k = check.ints(o->kernel(), 2, 0, 0, "kernel");
    if (k[0] != 0 && (k[0] != kernel[0] || k[1] != kernel[1])) check.fail("kernel does not match the weight's spatial shape");
    for (int i = 0; i < 2; ++i)
      if (output_padding[i] >= std::max(strides[i], dilations[i])) check.fail("output_padding must be smaller than stride or dilation");
  }

  // [N, out_c, H_out, W_out] for an NCHW-ordered input shape with in_c channels.
  Shape output_shape(const NodeCheck& check, const Shape& x, int64_t in_c, int64_t out_c) const {
    if (x.size() != 4) check.fail("input shape " + shape_string(x) + " must have rank 4 (N, C, H, W)");
    if (x[1] != in_c) check.fail("input has " + std::to_string(x[1]) + " channels, weight expects " + std::to_string(in_c));
    Shape out{x[0], out_c, 0, 0};
    for (int a = 0; a < 2; ++a) {
      out[2 + a] = ref::conv_transpose_out_extent(x[2 + a], kernel[a], strides[a], pads[a], pads[a + 2], dilations[a],
                                                  output_padding[a]);
      if (x[2 + a] == 0 || out[2 + a] <= 0) check.fail("input " + shape_string(x) + " gives an empty output after padding");
    }
    return out;
  }

  // The reference kernels' geometry for logical shapes x [N, C, H, W] and y (group 1).
  ref::Conv2DGeometry conv2d(const Shape& x, const Shape& y) const {
    ref::Conv2DGeometry g;
    g.batch = x[0], g.in_c = x[1], g.in_h = x[2], g.in_w = x[3];
    g.out_c = y[1], g.out_h = y[2], g.out_w = y[3];
    g.kernel_h = kernel[0], g.kernel_w = kernel[1];
    g.stride_h = strides[0], g.stride_w = strides[1];
    g.pad_top = pads[0], g.pad_left = pads[1];
    g.dilation_h = dilations[0], g.dilation_w = dilations[1];
    return g;
  }
};

}  // namespace qinfer
