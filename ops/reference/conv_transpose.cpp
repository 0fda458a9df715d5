#include "reference/conv_transpose.h"

namespace qinfer::ref {

int64_t conv_transpose_out_extent(int64_t in, int64_t kernel, int64_t stride, int64_t pad_begin, int64_t pad_end,
                                  int64_t dilation, int64_t output_padding) {
  return (in - 1) * stride + (kernel - 1) * dilation + 1 + output_padding - pad_begin - pad_end;
}

void conv_transpose2d_f32_nchw(const Conv2DGeometry& g, const float* x, const float* w, const float* bias, float* y,
                               int64_t row_begin, int64_t row_end) {
  const int64_t icg = g.in_c_per_group(), ocg = g.out_c_per_group();
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t n = row / g.out_h, oy = row % g.out_h;
    for (int64_t oc = 0; oc < g.out_c; ++oc) {
      const int64_t group = oc / ocg, ocl = oc % ocg;
      float* out = y + ((n * g.out_c + oc) * g.out_h + oy) * g.out_w;
      for (int64_t ox = 0; ox < g.out_w; ++ox) out[ox] = bias ? bias[oc] : 0.0f;
      for (int64_t icl = 0; icl < icg; ++icl) {
        const int64_t ic = group * icg + icl;
        const float* plane = x + (n * g.in_c + ic) * g.in_h * g.in_w;
        const float* wk = w + (ic * ocg + ocl) * g.kernel_h * g.kernel_w;
        for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
          const int64_t ty = oy + g.pad_top - ky * g.dilation_h;
          if (ty < 0 || ty % g.stride_h != 0) continue;
          const int64_t iy = ty / g.stride_h;
          if (iy >= g.in_h) continue;
          for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
            const float wv = wk[ky * g.kernel_w + kx];
            // The outputs this tap reaches are ox = ox0, ox0 + stride, ... with consecutive ix:
            // the first ox >= 0 with (ox + pad_left - kx * dilation) a non-negative multiple of stride.
            const int64_t shift = g.pad_left - kx * g.dilation_w;  // tx = ox + shift
            int64_t ox = shift >= 0 ? (g.stride_w - shift % g.stride_w) % g.stride_w : -shift;
            const float* row_in = plane + iy * g.in_w;
            for (int64_t ix = (ox + shift) / g.stride_w; ox < g.out_w && ix < g.in_w; ox += g.stride_w, ++ix)
              out[ox] += row_in[ix] * wv;
          }
        }
      }
    }
  }
}

}  // namespace qinfer::ref
