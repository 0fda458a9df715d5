#include "preprocess.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace ocr {

using qinfer::Error;
using qinfer::Image;
using qinfer::Tensor;

namespace {

// Channel k at (fx, fy) in pixel-centre coordinates, bilinear, coordinates clamped to the image
// (edge pixels replicated).
float bilinear(const Image& image, float fx, float fy, int k) {
  fx = std::clamp(fx, 0.0f, float(image.width - 1));
  fy = std::clamp(fy, 0.0f, float(image.height - 1));
  const int x0 = int(fx), y0 = int(fy);
  const int x1 = std::min(x0 + 1, image.width - 1), y1 = std::min(y0 + 1, image.height - 1);
  const float wx = fx - float(x0), wy = fy - float(y0);
  auto px = [&](int y, int x) { return float(image.pixels[(size_t(y) * image.width + x) * image.channels + k]); };
  const float top = px(y0, x0) + (px(y0, x1) - px(y0, x0)) * wx;
  const float bottom = px(y1, x0) + (px(y1, x1) - px(y1, x0)) * wx;
  return top + (bottom - top) * wy;
}

Image blank(int height, int width, int channels) {
  Image out;
  out.height = height;
  out.width = width;
  out.channels = channels;
  out.pixels.resize(static_cast<size_t>(height) * width * channels);
  return out;
}

}  // namespace

Image resize_bilinear(const Image& image, int height, int width) {
  if (height <= 0 || width <= 0 || image.height <= 0 || image.width <= 0)
    throw Error("resize: cannot resize a " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                " image to " + std::to_string(width) + "x" + std::to_string(height));
  Image out = blank(height, width, image.channels);
  const float sy = float(image.height) / float(height), sx = float(image.width) / float(width);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int k = 0; k < image.channels; ++k)
        out.pixels[(size_t(y) * width + x) * image.channels + k] =
            uint8_t(std::lround(bilinear(image, (float(x) + 0.5f) * sx - 0.5f, (float(y) + 0.5f) * sy - 0.5f, k)));
  return out;
}

Image crop_quad(const Image& image, const std::vector<Point>& q) {
  if (q.size() != 4) throw Error("crop: expected 4 corners, got " + std::to_string(q.size()));
  auto dist = [](const Point& a, const Point& b) { return std::hypot(a.x - b.x, a.y - b.y); };
  const int w = int(std::lround(std::max(dist(q[0], q[1]), dist(q[3], q[2]))));
  const int h = int(std::lround(std::max(dist(q[0], q[3]), dist(q[1], q[2]))));
  if (w < 1 || h < 1 || image.width < 1 || image.height < 1)
    throw Error("crop: the box with corners (" + std::to_string(q[0].x) + ", " + std::to_string(q[0].y) + ") .. (" +
                std::to_string(q[2].x) + ", " + std::to_string(q[2].y) + ") is smaller than one pixel");
  Image out = blank(h, w, image.channels);
  // Output pixel (u, v) maps to top-left + (u + 0.5) * ex + (v + 0.5) * ey (an affine map: the
  // boxes are rectangles, or parallelograms after scaling back from the detector's input size).
  const Point ex{(q[1].x - q[0].x) / float(w), (q[1].y - q[0].y) / float(w)};
  const Point ey{(q[3].x - q[0].x) / float(h), (q[3].y - q[0].y) / float(h)};
  for (int v = 0; v < h; ++v)
    for (int u = 0; u < w; ++u) {
      const float fu = float(u) + 0.5f, fv = float(v) + 0.5f;
      const float sx = q[0].x + fu * ex.x + fv * ey.x - 0.5f, sy = q[0].y + fu * ex.y + fv * ey.y - 0.5f;
      for (int k = 0; k < image.channels; ++k)
        out.pixels[(size_t(v) * w + u) * image.channels + k] = uint8_t(std::lround(bilinear(image, sx, sy, k)));
    }
  return out;
}

Image rotate90(const Image& image) {
  Image out = blank(image.width, image.height, image.channels);
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x)  // numpy rot90: out[y][x] = in[x][W - 1 - y]
      std::copy_n(&image.pixels[(size_t(x) * image.width + (image.width - 1 - y)) * image.channels], image.channels,
                  &out.pixels[(size_t(y) * out.width + x) * image.channels]);
  return out;
}

namespace {

void require_rgb(const Image& image, const char* what) {
  if (image.channels != 3)
    throw Error(std::string(what) + ": expected a 3-channel RGB image, got " + std::to_string(image.channels) + " channels");
}

// HWC uint8 -> NCHW float with per-channel (x/255 - mean)/std.
void normalize_into(const Image& image, const float mean[3], const float std[3], Tensor& out, int out_width) {
  float* dst = out.data<float>();
  const size_t plane = size_t(image.height) * out_width;
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x)
      for (int k = 0; k < 3; ++k) {
        const float v = float(image.pixels[(size_t(y) * image.width + x) * 3 + k]) / 255.0f;
        dst[k * plane + size_t(y) * out_width + x] = (v - mean[k]) / std[k];
      }
}

int round_up(int v, int m) { return (v + m - 1) / m * m; }

}  // namespace

DetInput det_input(const Image& image, int max_side) {
  require_rgb(image, "detector input");
  // Longer side capped at max_side, then each side rounded to a multiple of 32 (the detector
  // downsamples 32x and upsamples back, so other sizes do not line up).
  const float ratio = std::min(1.0f, float(max_side) / float(std::max(image.height, image.width)));
  const int h = std::max(32, int(std::lround(float(image.height) * ratio / 32.0f)) * 32);
  const int w = std::max(32, int(std::lround(float(image.width) * ratio / 32.0f)) * 32);
  const Image resized = (h == image.height && w == image.width) ? image : resize_bilinear(image, h, w);
  static const float kMean[3] = {0.485f, 0.456f, 0.406f}, kStd[3] = {0.229f, 0.224f, 0.225f};
  DetInput in;
  in.tensor = Tensor(qinfer::DType::Float32, {1, 3, h, w});
  normalize_into(resized, kMean, kStd, in.tensor, w);
  in.scale_x = float(image.width) / float(w);
  in.scale_y = float(image.height) / float(h);
  return in;
}

Tensor rec_input(const Image& line, int min_width) {
  require_rgb(line, "recogniser input");
  const int w = std::max(1, int(std::ceil(float(kRecHeight) * float(line.width) / float(line.height))));
  const Image resized = resize_bilinear(line, kRecHeight, w);
  const int padded = round_up(std::max(w, min_width), 32);
  static const float kMean[3] = {0.5f, 0.5f, 0.5f}, kStd[3] = {0.5f, 0.5f, 0.5f};
  Tensor t(qinfer::DType::Float32, {1, 3, kRecHeight, padded});  // zero-filled: the padding
  normalize_into(resized, kMean, kStd, t, padded);
  return t;
}

}  // namespace ocr
