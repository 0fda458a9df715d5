#include "reference/pool.h"

#include <algorithm>
#include <limits>

namespace qinfer::ref {

namespace {
// Calls visit(iy, ix) for every in-bounds input position of output (oy, ox)'s window.
template <typename Visit>
void for_each_window_tap(const Conv2DGeometry& g, int64_t oy, int64_t ox, Visit visit) {
  for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
    const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
    if (iy < 0 || iy >= g.in_h) continue;
    for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
      const int64_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
      if (ix < 0 || ix >= g.in_w) continue;
      visit(iy, ix);
    }
  }
}
}  // namespace

void maxpool2d_f32_nchw(const Conv2DGeometry& g, const float* x, float* y, int64_t row_begin, int64_t row_end) {
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t n = row / g.out_h, oy = row % g.out_h;
    for (int64_t c = 0; c < g.in_c; ++c) {
      const float* plane = x + (n * g.in_c + c) * g.in_h * g.in_w;
      for (int64_t ox = 0; ox < g.out_w; ++ox) {
        float best = -std::numeric_limits<float>::infinity();
        for_each_window_tap(g, oy, ox, [&](int64_t iy, int64_t ix) { best = std::max(best, plane[iy * g.in_w + ix]); });
        y[((n * g.in_c + c) * g.out_h + oy) * g.out_w + ox] = best;
      }
    }
  }
}

void maxpool2d_u8_nhwc(const Conv2DGeometry& g, const uint8_t* x, uint8_t* y, int64_t row_begin,
                       int64_t row_end) {
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t n = row / g.out_h, oy = row % g.out_h;
    for (int64_t ox = 0; ox < g.out_w; ++ox) {
      uint8_t* out = y + ((n * g.out_h + oy) * g.out_w + ox) * g.in_c;
      std::fill(out, out + g.in_c, uint8_t{0});
      for_each_window_tap(g, oy, ox, [&](int64_t iy, int64_t ix) {
        const uint8_t* in = x + ((n * g.in_h + iy) * g.in_w + ix) * g.in_c;
        for (int64_t c = 0; c < g.in_c; ++c) out[c] = std::max(out[c], in[c]);
      });
    }
  }
}

}  // namespace qinfer::ref
