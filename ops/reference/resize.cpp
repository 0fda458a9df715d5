#include "reference/resize.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace qinfer::ref {

float resize_source_coordinate(int64_t out_index, float scale, int64_t in_size, ResizeCoordinates coordinates) {
  const float o = static_cast<float>(out_index);
  const float resized = static_cast<float>(in_size) * scale;
  switch (coordinates) {
    case ResizeCoordinates::HalfPixel: return (o + 0.5f) / scale - 0.5f;
    case ResizeCoordinates::Asymmetric: return o / scale;
    case ResizeCoordinates::AlignCorners:
      return resized == 1.0f ? 0.0f : o * static_cast<float>(in_size - 1) / (resized - 1.0f);
    case ResizeCoordinates::PytorchHalfPixel: return resized > 1.0f ? (o + 0.5f) / scale - 0.5f : 0.0f;
  }
  return 0.0f;
}

namespace {

int64_t nearest_index(float c, NearestRounding rule, int64_t in_size) {
  float r = 0;
  switch (rule) {
    case NearestRounding::RoundPreferFloor: r = (c - std::floor(c) == 0.5f) ? std::floor(c) : std::round(c); break;
    case NearestRounding::RoundPreferCeil: r = (c - std::floor(c) == 0.5f) ? std::ceil(c) : std::round(c); break;
    case NearestRounding::Floor: r = std::floor(c); break;
    case NearestRounding::Ceil: r = std::ceil(c); break;
  }
  return std::min<int64_t>(std::max<int64_t>(static_cast<int64_t>(r), 0), in_size - 1);
}

// Linear taps of one axis: index of the lower neighbour, the upper one and the upper weight.
struct Taps {
  int64_t lo, hi;
  float w;
};
Taps linear_taps(float c, int64_t in_size) {
  c = std::min(std::max(c, 0.0f), static_cast<float>(in_size - 1));
  const int64_t lo = static_cast<int64_t>(c);
  return {lo, std::min(lo + 1, in_size - 1), c - static_cast<float>(lo)};
}

}  // namespace

int64_t resize_nearest_source(int64_t out_index, float scale, int64_t in_size, ResizeCoordinates coordinates,
                              NearestRounding rule) {
  return nearest_index(resize_source_coordinate(out_index, scale, in_size, coordinates), rule, in_size);
}

void resize_nearest_u8_nhwc(const ResizeGeometry& g, int64_t channels, const uint8_t* x, uint8_t* y,
                            int64_t row_begin, int64_t row_end) {
  for (int64_t r = row_begin; r < row_end; ++r) {
    const int64_t n = r / g.out_h, oy = r % g.out_h;
    const int64_t iy = resize_nearest_source(oy, g.scale_h, g.in_h, g.coordinates, g.nearest);
    const uint8_t* in_row = x + (n * g.in_h + iy) * g.in_w * channels;
    uint8_t* out = y + r * g.out_w * channels;
    for (int64_t ox = 0; ox < g.out_w; ++ox) {
      const int64_t ix = resize_nearest_source(ox, g.scale_w, g.in_w, g.coordinates, g.nearest);
      std::memcpy(out + ox * channels, in_row + ix * channels, static_cast<size_t>(channels));
    }
  }
}

void resize2d_f32_nchw(const ResizeGeometry& g, const float* x, float* y, int64_t plane_begin, int64_t plane_end) {
  for (int64_t p = plane_begin; p < plane_end; ++p) {
    const float* in = x + p * g.in_h * g.in_w;
    float* out = y + p * g.out_h * g.out_w;
    for (int64_t oy = 0; oy < g.out_h; ++oy) {
      const float cy = resize_source_coordinate(oy, g.scale_h, g.in_h, g.coordinates);
      for (int64_t ox = 0; ox < g.out_w; ++ox) {
        const float cx = resize_source_coordinate(ox, g.scale_w, g.in_w, g.coordinates);
        if (g.mode == ResizeMode::Nearest) {
          out[oy * g.out_w + ox] = in[nearest_index(cy, g.nearest, g.in_h) * g.in_w + nearest_index(cx, g.nearest, g.in_w)];
          continue;
        }
        const Taps ty = linear_taps(cy, g.in_h), tx = linear_taps(cx, g.in_w);
        const float top = in[ty.lo * g.in_w + tx.lo] * (1 - tx.w) + in[ty.lo * g.in_w + tx.hi] * tx.w;
        const float bottom = in[ty.hi * g.in_w + tx.lo] * (1 - tx.w) + in[ty.hi * g.in_w + tx.hi] * tx.w;
        out[oy * g.out_w + ox] = top * (1 - ty.w) + bottom * ty.w;
      }
    }
  }
}

}  // namespace qinfer::ref
