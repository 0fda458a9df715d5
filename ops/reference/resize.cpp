#include "reference/resize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace qinfer::ref {

float resize_source_coordinate(int64_t out_index, float scale, int64_t in_size, ResizeCoordinates coordinates,
                               const ResizeCrop& crop) {
  const float o = static_cast<float>(out_index);
  const float resized = static_cast<float>(in_size) * scale;
  switch (coordinates) {
    case ResizeCoordinates::HalfPixel: return (o + 0.5f) / scale - 0.5f;
    case ResizeCoordinates::Asymmetric: return o / scale;
    case ResizeCoordinates::AlignCorners:
      return resized == 1.0f ? 0.0f : o * static_cast<float>(in_size - 1) / (resized - 1.0f);
    case ResizeCoordinates::PytorchHalfPixel: return resized > 1.0f ? (o + 0.5f) / scale - 0.5f : 0.0f;
    case ResizeCoordinates::TfCropAndResize: {
      const float span = static_cast<float>(in_size - 1);
      if (crop.out_size == 1) return 0.5f * (crop.start + crop.end) * span;
      return crop.start * span + o * (crop.end - crop.start) * span / static_cast<float>(crop.out_size - 1);
    }
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

namespace {

// Source coordinate in double, as the ONNX reference computes it (length = in_size * scale).
double source_coordinate_f64(int64_t out_index, double scale, int64_t in_size, ResizeCoordinates coordinates,
                             const ResizeCrop& crop) {
  const double o = static_cast<double>(out_index), resized = static_cast<double>(in_size) * scale;
  switch (coordinates) {
    case ResizeCoordinates::HalfPixel: return (o + 0.5) / scale - 0.5;
    case ResizeCoordinates::Asymmetric: return o / scale;
    case ResizeCoordinates::AlignCorners: return resized == 1.0 ? 0.0 : o * static_cast<double>(in_size - 1) / (resized - 1.0);
    case ResizeCoordinates::PytorchHalfPixel: return resized > 1.0 ? (o + 0.5) / scale - 0.5 : 0.0;
    case ResizeCoordinates::TfCropAndResize: {
      const double span = static_cast<double>(in_size - 1), start = crop.start, end = crop.end;
      if (crop.out_size == 1) return 0.5 * (start + end) * span;
      return start * span + o * (end - start) * span / static_cast<double>(crop.out_size - 1);
    }
  }
  return 0.0;
}

bool outside(double c, int64_t in_size) { return c < 0 || c > static_cast<double>(in_size - 1); }

// The 4 cubic taps of one output index: input indices (clamped to the edge) and weights.
struct CubicTaps {
  int64_t index[4];
  double weight[4];
  bool extrapolated;  // TfCropAndResize: the source lies outside the input
};
CubicTaps cubic_taps(int64_t out_index, double scale, int64_t in_size, const ResizeGeometry& g, const ResizeCrop& crop) {
  double c = source_coordinate_f64(out_index, scale, in_size, g.coordinates, crop);
  if (!std::isfinite(c)) c = 0;  // only from degenerate scales; keeps every tap in bounds
  const double base = std::floor(c);
  const double t = c - base;  // taps base-1 .. base+2 at distances 1+t, t, 1-t, 2-t
  const double a = g.cubic_a;
  const auto near = [a](double d) { return ((a + 2) * d - (a + 3)) * d * d + 1; };      // |d| <= 1
  const auto far = [a](double d) { return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a; };  // 1 < |d| < 2
  CubicTaps taps{};
  taps.extrapolated = g.coordinates == ResizeCoordinates::TfCropAndResize && outside(c, in_size);
  const double w[4] = {far(1 + t), near(t), near(1 - t), far(2 - t)};
  double sum = 0;
  for (int k = 0; k < 4; ++k) {
    const double idx = base - 1 + k;
    const bool outside = idx < 0 || idx > static_cast<double>(in_size - 1);
    taps.weight[k] = g.exclude_outside && outside ? 0.0 : w[k];
    sum += taps.weight[k];
    taps.index[k] = static_cast<int64_t>(std::min(std::max(idx, 0.0), static_cast<double>(in_size - 1)));
  }
  if (g.exclude_outside && sum != 0)
    for (double& v : taps.weight) v /= sum;
  return taps;
}

void resize2d_cubic_f32(const ResizeGeometry& g, const float* x, float* y, int64_t plane_begin, int64_t plane_end) {
  std::vector<CubicTaps> ty(static_cast<size_t>(g.out_h)), tx(static_cast<size_t>(g.out_w));
  for (int64_t o = 0; o < g.out_h; ++o) ty[size_t(o)] = cubic_taps(o, g.scale_h, g.in_h, g, g.crop_h());
  for (int64_t o = 0; o < g.out_w; ++o) tx[size_t(o)] = cubic_taps(o, g.scale_w, g.in_w, g, g.crop_w());
  for (int64_t p = plane_begin; p < plane_end; ++p) {
    const float* in = x + p * g.in_h * g.in_w;
    float* out = y + p * g.out_h * g.out_w;
    for (int64_t oy = 0; oy < g.out_h; ++oy) {
      const CubicTaps& a = ty[size_t(oy)];
      for (int64_t ox = 0; ox < g.out_w; ++ox) {
        const CubicTaps& b = tx[size_t(ox)];
        if (a.extrapolated || b.extrapolated) {
          out[oy * g.out_w + ox] = g.extrapolation_value;
          continue;
        }
        double acc = 0;
        for (int i = 0; i < 4; ++i) {
          const float* row = in + a.index[i] * g.in_w;
          double r = 0;
          for (int j = 0; j < 4; ++j) r += b.weight[j] * static_cast<double>(row[b.index[j]]);
          acc += a.weight[i] * r;
        }
        out[oy * g.out_w + ox] = static_cast<float>(acc);
      }
    }
  }
}

}  // namespace

void resize2d_f32_nchw(const ResizeGeometry& g, const float* x, float* y, int64_t plane_begin, int64_t plane_end) {
  if (g.mode == ResizeMode::Cubic) return resize2d_cubic_f32(g, x, y, plane_begin, plane_end);
  for (int64_t p = plane_begin; p < plane_end; ++p) {
    const float* in = x + p * g.in_h * g.in_w;
    float* out = y + p * g.out_h * g.out_w;
    for (int64_t oy = 0; oy < g.out_h; ++oy) {
      const float cy = resize_source_coordinate(oy, g.scale_h, g.in_h, g.coordinates, g.crop_h());
      for (int64_t ox = 0; ox < g.out_w; ++ox) {
        const float cx = resize_source_coordinate(ox, g.scale_w, g.in_w, g.coordinates, g.crop_w());
        if (g.coordinates == ResizeCoordinates::TfCropAndResize && (outside(cy, g.in_h) || outside(cx, g.in_w))) {
          out[oy * g.out_w + ox] = g.extrapolation_value;
          continue;
        }
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
