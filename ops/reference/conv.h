// Reference 2-D convolution: the readable specification every optimized conv kernel must match.
#pragma once

#include <cstdint>

namespace qinfer::ref {

// Geometry of one grouped 2-D convolution (ONNX Conv semantics, explicit pads).
struct Conv2DGeometry {
  int64_t batch = 1;
  int64_t in_c = 0, in_h = 0, in_w = 0;
  int64_t out_c = 0, out_h = 0, out_w = 0;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_left = 0;  // bottom/right pads only change out_h/out_w
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t groups = 1;

  int64_t in_c_per_group() const { return in_c / groups; }
  int64_t out_c_per_group() const { return out_c / groups; }
  // Number of output rows (batch * out_h): kernels take a [row_begin, row_end) slice of them
  // so that callers can split work across threads.
  int64_t rows() const { return batch * out_h; }
};

// Output extent of one spatial axis; returns a value <= 0 when the window does not fit.
int64_t conv_out_extent(int64_t in, int64_t kernel, int64_t stride, int64_t pad_begin, int64_t pad_end,
                        int64_t dilation, bool ceil_mode = false);

// fp32, NCHW input, OIHW weights (I = in_c / groups), optional bias [out_c] (nullptr: none),
// result clamped to [out_min, out_max] (fused activation; pass +-infinity for none). Products are
// summed in double, then the bias added in float: the reference is the accurate answer that
// optimized kernels (any summation order) approach; deep models then match ONNX Runtime to 1e-4.
void conv2d_f32_nchw(const Conv2DGeometry& g, const float* x, const float* w, const float* bias,
                     float out_min, float out_max, float* y, int64_t row_begin, int64_t row_end);

// uint8 activations (NHWC), int8 weights (OHWI, symmetric per output channel), int32 bias
// (nullptr: none) in scale s_x * s_w[c]. Padding reads the input zero point (real 0).
//   acc = bias[c] + sum (x - x_zero_point) * w
//   y   = clamp(round_half_even(float(acc) * multiplier[c]) + y_zero_point, y_min, y_max)
void conv2d_qu8s8_nhwc(const Conv2DGeometry& g, const uint8_t* x, int32_t x_zero_point, const int8_t* w,
                       const int32_t* bias, const float* multiplier, int32_t y_zero_point, int32_t y_min,
                       int32_t y_max, uint8_t* y, int64_t row_begin, int64_t row_end);

// The W8A16 input layer (qconv --input-int16): int16 activations (NHWC, symmetric: zero point 0),
// int8 weights (OHWI, symmetric per output channel), int32 bias (nullptr: none) in scale
// s_x * s_w[c], uint8 output. Padding reads 0 (real 0). The sum is exact in int64: a product can
// reach 32768 * 128 = 2^22, so int32 holds the sum only when qs16s8_sum_fits_int32 says so.
//   acc = bias[c] + sum x * w                                                  (int64, exact)
//   y   = clamp(round_half_even(float(acc) * multiplier[c]) + y_zero_point, y_min, y_max)
void conv2d_qs16s8_nhwc(const Conv2DGeometry& g, const int16_t* x, const int8_t* w, const int32_t* bias,
                        const float* multiplier, int32_t y_zero_point, int32_t y_min, int32_t y_max, uint8_t* y,
                        int64_t row_begin, int64_t row_end);

// Whether every partial sum of conv2d_qs16s8_nhwc fits int32 for any int16 input: for each of the
// `out_c` channels (`k` weights each, [out_c][k]), |bias[c]| + 32768 * sum |w[c, :]| <= 2^31 - 1.
// Kernels that accumulate in int32 are then exact (and equal to the int64 reference).
bool qs16s8_sum_fits_int32(int64_t out_c, int64_t k, const int8_t* w, const int32_t* bias);

}  // namespace qinfer::ref
