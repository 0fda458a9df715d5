#include "reference/conv.h"

#include <algorithm>
#include <cstdlib>

#include "quant_math.h"

namespace qinfer::ref {

int64_t conv_out_extent(int64_t in, int64_t kernel, int64_t stride, int64_t pad_begin, int64_t pad_end,
                        int64_t dilation, bool ceil_mode) {
  const int64_t span = dilation * (kernel - 1) + 1;
  const int64_t room = in + pad_begin + pad_end - span;
  if (room < 0) return 0;
  const int64_t steps = ceil_mode ? (room + stride - 1) / stride : room / stride;
  return steps + 1;
}

void conv2d_f32_nchw(const Conv2DGeometry& g, const float* x, const float* w, const float* bias,
                     float out_min, float out_max, float* y, int64_t row_begin, int64_t row_end) {
  const int64_t icg = g.in_c_per_group(), ocg = g.out_c_per_group();
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t n = row / g.out_h, oy = row % g.out_h;
    for (int64_t oc = 0; oc < g.out_c; ++oc) {
      const int64_t grp = oc / ocg;
      for (int64_t ox = 0; ox < g.out_w; ++ox) {
        double acc = 0.0;  // double: the reference is the accurate answer other kernels approach
        for (int64_t ic = 0; ic < icg; ++ic) {
          const int64_t c = grp * icg + ic;
          for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
            const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
            if (iy < 0 || iy >= g.in_h) continue;
            for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
              const int64_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
              if (ix < 0 || ix >= g.in_w) continue;
              const float xv = x[((n * g.in_c + c) * g.in_h + iy) * g.in_w + ix];
              const float wv = w[((oc * icg + ic) * g.kernel_h + ky) * g.kernel_w + kx];
              acc += double(xv) * double(wv);
            }
          }
        }
        const float v = static_cast<float>(acc) + (bias ? bias[oc] : 0.0f);
        y[((n * g.out_c + oc) * g.out_h + oy) * g.out_w + ox] = std::min(std::max(v, out_min), out_max);
      }
    }
  }
}

namespace {

// The integer conv loop both quantized forms share: acc = bias[c] + sum (x - x_zero_point) * w over
// the taps inside the image (padding is real 0, so it adds nothing), in Acc, requantized by `requant`.
template <class Acc, class X, class Requant>
void conv2d_int_nhwc(const Conv2DGeometry& g, const X* x, int32_t x_zero_point, const int8_t* w, const int32_t* bias,
                     const Requant& requant, uint8_t* y, int64_t row_begin, int64_t row_end) {
  const int64_t icg = g.in_c_per_group(), ocg = g.out_c_per_group();
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t n = row / g.out_h, oy = row % g.out_h;
    for (int64_t ox = 0; ox < g.out_w; ++ox) {
      uint8_t* out = y + ((n * g.out_h + oy) * g.out_w + ox) * g.out_c;
      for (int64_t oc = 0; oc < g.out_c; ++oc) {
        const int64_t grp = oc / ocg;
        Acc acc = bias ? bias[oc] : 0;
        for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
          const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
          if (iy < 0 || iy >= g.in_h) continue;
          for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
            const int64_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
            if (ix < 0 || ix >= g.in_w) continue;
            const X* xp = x + ((n * g.in_h + iy) * g.in_w + ix) * g.in_c + grp * icg;
            const int8_t* wp = w + ((oc * g.kernel_h + ky) * g.kernel_w + kx) * icg;
            for (int64_t ic = 0; ic < icg; ++ic)
              acc += (static_cast<Acc>(xp[ic]) - x_zero_point) * static_cast<Acc>(wp[ic]);
          }
        }
        out[oc] = static_cast<uint8_t>(requant(acc, oc));
      }
    }
  }
}

}  // namespace

void conv2d_qu8s8_nhwc(const Conv2DGeometry& g, const uint8_t* x, int32_t x_zero_point, const int8_t* w,
                       const int32_t* bias, const float* multiplier, int32_t y_zero_point, int32_t y_min,
                       int32_t y_max, uint8_t* y, int64_t row_begin, int64_t row_end) {
  conv2d_int_nhwc<int32_t>(
      g, x, x_zero_point, w, bias,
      [&](int32_t acc, int64_t oc) { return qmath::requantize(acc, multiplier[oc], y_zero_point, y_min, y_max); }, y,
      row_begin, row_end);
}

void conv2d_qs16s8_nhwc(const Conv2DGeometry& g, const int16_t* x, const int8_t* w, const int32_t* bias,
                        const float* multiplier, int32_t y_zero_point, int32_t y_min, int32_t y_max, uint8_t* y,
                        int64_t row_begin, int64_t row_end) {
  conv2d_int_nhwc<int64_t>(
      g, x, 0, w, bias,
      [&](int64_t acc, int64_t oc) { return qmath::requantize_wide(acc, multiplier[oc], y_zero_point, y_min, y_max); },
      y, row_begin, row_end);
}

bool qs16s8_sum_fits_int32(int64_t out_c, int64_t k, const int8_t* w, const int32_t* bias) {
  for (int64_t c = 0; c < out_c; ++c) {
    int64_t bound = bias ? std::abs(static_cast<int64_t>(bias[c])) : 0;
    for (int64_t j = 0; j < k; ++j) bound += 32768 * std::abs(static_cast<int64_t>(w[c * k + j]));
    if (bound > 2147483647) return false;
  }
  return true;
}

}  // namespace qinfer::ref
