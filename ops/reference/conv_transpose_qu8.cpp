#include "reference/conv_transpose_qu8.h"

#include "quant_math.h"

namespace qinfer::ref {

void conv_transpose2d_qu8s8_nhwc(const Conv2DGeometry& g, const uint8_t* x, int32_t x_zero_point, const int8_t* w,
                                 const int32_t* bias, const float* multiplier, int32_t y_zero_point, int32_t y_min,
                                 int32_t y_max, uint8_t* y, int64_t row_begin, int64_t row_end) {
  const int64_t ic_n = g.in_c, kk = g.kernel_h * g.kernel_w * ic_n;
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t n = row / g.out_h, oy = row % g.out_h;
    for (int64_t ox = 0; ox < g.out_w; ++ox) {
      uint8_t* out = y + ((n * g.out_h + oy) * g.out_w + ox) * g.out_c;
      for (int64_t oc = 0; oc < g.out_c; ++oc) {
        int32_t acc = bias ? bias[oc] : 0;
        for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
          const int64_t ty = oy + g.pad_top - ky * g.dilation_h;
          if (ty < 0 || ty % g.stride_h != 0 || ty / g.stride_h >= g.in_h) continue;
          const int64_t iy = ty / g.stride_h;
          for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
            const int64_t tx = ox + g.pad_left - kx * g.dilation_w;
            if (tx < 0 || tx % g.stride_w != 0 || tx / g.stride_w >= g.in_w) continue;
            const int64_t ix = tx / g.stride_w;
            const uint8_t* px = x + ((n * g.in_h + iy) * g.in_w + ix) * ic_n;
            const int8_t* wk = w + oc * kk + (ky * g.kernel_w + kx) * ic_n;
            for (int64_t ic = 0; ic < ic_n; ++ic) acc += (static_cast<int32_t>(px[ic]) - x_zero_point) * wk[ic];
          }
        }
        out[oc] = static_cast<uint8_t>(qmath::requantize(acc, multiplier[oc], y_zero_point, y_min, y_max));
      }
    }
  }
}

}  // namespace qinfer::ref
