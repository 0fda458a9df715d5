// Reference Resize (ONNX Resize / Upsample) of the last two dims of an NCHW fp32 tensor:
// nearest (four rounding rules) and bilinear, with the ONNX coordinate transformations.
#pragma once

#include <cstdint>

namespace qinfer::ref {

enum class ResizeMode { Nearest, Linear, Cubic };
enum class ResizeCoordinates { HalfPixel, Asymmetric, AlignCorners, PytorchHalfPixel, TfCropAndResize };

// TfCropAndResize: the crop box of one axis in normalized input coordinates, and the output length.
struct ResizeCrop {
  float start = 0, end = 1;
  int64_t out_size = 1;
};
enum class NearestRounding { RoundPreferFloor, RoundPreferCeil, Floor, Ceil };

struct ResizeGeometry {
  int64_t planes = 0;  // N * C
  int64_t in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  float scale_h = 1, scale_w = 1;  // output / input, as given (scales) or out / in (sizes)
  ResizeMode mode = ResizeMode::Nearest;
  ResizeCoordinates coordinates = ResizeCoordinates::HalfPixel;
  NearestRounding nearest = NearestRounding::RoundPreferFloor;
  float cubic_a = -0.75f;        // Cubic: ONNX cubic_coeff_a
  bool exclude_outside = false;  // Cubic: taps outside the input get weight 0, the others renormalized
  // TfCropAndResize: source coordinate = start * (in - 1) + o * (end - start) * (in - 1) / (out - 1)
  // (out = 1: the box's centre); an output whose source lies outside [0, in - 1] on either axis is
  // extrapolation_value (the ONNX reference interpolates axis by axis, so one outside axis decides).
  float roi_h_start = 0, roi_h_end = 1, roi_w_start = 0, roi_w_end = 1;
  float extrapolation_value = 0;
  ResizeCrop crop_h() const { return {roi_h_start, roi_h_end, out_h}; }
  ResizeCrop crop_w() const { return {roi_w_start, roi_w_end, out_w}; }
};

// Source coordinate of output coordinate `out_index` along one axis. As in the ONNX reference,
// the resized length in align_corners / pytorch_half_pixel is in_size * scale, which is
// fractional when scales (not sizes) were given.
float resize_source_coordinate(int64_t out_index, float scale, int64_t in_size, ResizeCoordinates coordinates,
                               const ResizeCrop& crop = {});

// Planes [plane_begin, plane_end) of y. Cubic follows the ONNX reference: 4 taps per axis around the
// source coordinate (edge-clamped), Keys weights with cubic_a, computed in double, separable (W then H).
void resize2d_f32_nchw(const ResizeGeometry& g, const float* x, float* y, int64_t plane_begin, int64_t plane_end);

// Source index of output index `out_index` along one axis for nearest mode.
int64_t resize_nearest_source(int64_t out_index, float scale, int64_t in_size, ResizeCoordinates coordinates,
                              NearestRounding rule);

// Nearest resize of uint8 NHWC data (g.planes = N, `channels` bytes per pixel): a pure copy of the
// selected pixels, so the output has the input's quantization. Output rows [row_begin, row_end)
// of N * out_h.
void resize_nearest_u8_nhwc(const ResizeGeometry& g, int64_t channels, const uint8_t* x, uint8_t* y,
                            int64_t row_begin, int64_t row_end);

}  // namespace qinfer::ref
