#include "reference/pool.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "quant_math.h"

namespace qinfer::ref {

std::pair<int64_t, int64_t> pool_valid_taps(int64_t base, int64_t dilation, int64_t kernel, int64_t size) {
  const int64_t begin = base >= 0 ? 0 : (-base + dilation - 1) / dilation;
  const int64_t end = base > size - 1 ? 0 : std::min(kernel, (size - 1 - base) / dilation + 1);
  return {begin, std::max(begin, end)};
}

namespace {

// Calls visit(iy, ix) for every in-bounds input position of output (oy, ox)'s window.
template <typename Visit>
void for_each_window_tap(const Conv2DGeometry& g, int64_t oy, int64_t ox, Visit visit) {
  const int64_t base_y = oy * g.stride_h - g.pad_top, base_x = ox * g.stride_w - g.pad_left;
  const auto [ky_begin, ky_end] = pool_valid_taps(base_y, g.dilation_h, g.kernel_h, g.in_h);
  const auto [kx_begin, kx_end] = pool_valid_taps(base_x, g.dilation_w, g.kernel_w, g.in_w);
  for (int64_t ky = ky_begin; ky < ky_end; ++ky)
    for (int64_t kx = kx_begin; kx < kx_end; ++kx) visit(base_y + ky * g.dilation_h, base_x + kx * g.dilation_w);
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

void maxpool2d_f32_nchw_indices(const Conv2DGeometry& g, bool column_major, const float* x, float* y, int64_t* indices,
                                int64_t row_begin, int64_t row_end) {
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t n = row / g.out_h, oy = row % g.out_h;
    for (int64_t c = 0; c < g.in_c; ++c) {
      const int64_t plane_offset = (n * g.in_c + c) * g.in_h * g.in_w;
      const float* plane = x + plane_offset;
      for (int64_t ox = 0; ox < g.out_w; ++ox) {
        float best = -std::numeric_limits<float>::infinity();
        int64_t at = -1;
        for_each_window_tap(g, oy, ox, [&](int64_t iy, int64_t ix) {
          const float v = plane[iy * g.in_w + ix];
          if (at < 0 || v > best) best = v, at = column_major ? ix * g.in_h + iy : iy * g.in_w + ix;
        });
        const int64_t o = ((n * g.in_c + c) * g.out_h + oy) * g.out_w + ox;
        y[o] = best;
        indices[o] = at < 0 ? -1 : plane_offset + at;
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

namespace qinfer::ref {

void global_average_pool_f32_nchw(int64_t batch, int64_t channels, int64_t hw, const float* x, float* y) {
  for (int64_t p = 0; p < batch * channels; ++p) {
    double sum = 0.0;  // double: planes can be large (80 x 80)
    for (int64_t i = 0; i < hw; ++i) sum += x[p * hw + i];
    y[p] = static_cast<float>(sum / static_cast<double>(hw));
  }
}

void global_average_pool_u8_nhwc(int64_t batch, int64_t channels, int64_t hw, const uint8_t* x, int32_t x_zero_point,
                                 float multiplier, int32_t y_zero_point, int32_t y_min, int32_t y_max, uint8_t* y) {
  // Pixel by pixel over blocks of channels (memory order; integer sums do not depend on the order).
  constexpr int64_t kBlock = 256;
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c0 = 0; c0 < channels; c0 += kBlock) {
      const int64_t cn = std::min(kBlock, channels - c0);
      int32_t sum[kBlock] = {};
      for (int64_t i = 0; i < hw; ++i) {
        const uint8_t* px = x + (n * hw + i) * channels + c0;
        for (int64_t c = 0; c < cn; ++c) sum[c] += px[c];
      }
      for (int64_t c = 0; c < cn; ++c) {
        const int32_t acc = sum[c] - static_cast<int32_t>(hw) * x_zero_point;
        y[n * channels + c0 + c] = static_cast<uint8_t>(qmath::requantize(acc, multiplier, y_zero_point, y_min, y_max));
      }
    }
}

}  // namespace qinfer::ref

namespace qinfer::ref {

void avgpool2d_f32_nchw(const Conv2DGeometry& g, bool count_include_pad, const float* x, float* y, int64_t row_begin,
                        int64_t row_end) {
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t n = row / g.out_h, oy = row % g.out_h;
    for (int64_t c = 0; c < g.in_c; ++c) {
      const float* plane = x + (n * g.in_c + c) * g.in_h * g.in_w;
      for (int64_t ox = 0; ox < g.out_w; ++ox) {
        float sum = 0.0f;
        int64_t taps = 0;
        for_each_window_tap(g, oy, ox, [&](int64_t iy, int64_t ix) {
          sum += plane[iy * g.in_w + ix];
          ++taps;
        });
        const int64_t divisor = count_include_pad ? g.kernel_h * g.kernel_w : taps;
        y[((n * g.in_c + c) * g.out_h + oy) * g.out_w + ox] = divisor ? sum / static_cast<float>(divisor) : 0.0f;
      }
    }
  }
}

}  // namespace qinfer::ref
