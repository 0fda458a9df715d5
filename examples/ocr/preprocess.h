// PP-OCR preprocessing: image -> the float NCHW inputs of the detector and the recogniser, and the
// crop of one text box. Matches PaddleOCR's DetResizeForTest/NormalizeImage and
// RecResizeImg (../shared/tools/make_ocr_data.py makes the shared .npy inputs the same way).
#pragma once

#include <vector>

#include "min_area_rect.h"
#include "qinfer/image.h"
#include "qinfer/tensor.h"

namespace ocr {

// Bilinear resize of an 8-bit HWC image (pixel centres aligned, like cv2.INTER_LINEAR).
qinfer::Image resize_bilinear(const qinfer::Image& image, int height, int width);

// The quadrilateral top-left, top-right, bottom-right, bottom-left (`corners`, in pixel-edge
// coordinates: pixel i covers [i, i + 1)) sampled upright into an image of its side lengths, like
// PaddleOCR's get_rotate_crop_image: bilinear, edges replicated. An axis-aligned quad with
// integer corners gives exactly those pixels. Throws qinfer::Error for a quad under one pixel.
qinfer::Image crop_quad(const qinfer::Image& image, const std::vector<Point>& corners);

// Turned 90 degrees counter-clockwise (numpy's rot90), for crops of vertical text.
qinfer::Image rotate90(const qinfer::Image& image);

// Detector input: 3-channel image resized so both sides are multiples of 32 and the longer side
// is at most `max_side` (PaddleOCR's limit_side_len), then (x/255 - mean)/std with ImageNet
// mean/std, NCHW. scale_x/scale_y map model coordinates back to the image.
struct DetInput {
  qinfer::Tensor tensor;
  float scale_x = 1.0f, scale_y = 1.0f;
};
DetInput det_input(const qinfer::Image& image, int max_side = 960);

// Recogniser input: a line image resized to height 48 keeping its aspect ratio, then
// (x/255 - 0.5)/0.5, NCHW, padded with 0 on the right to `min_width` and to a multiple of 32
// (so a handful of widths share the runtime's cached plans).
constexpr int kRecHeight = 48;
qinfer::Tensor rec_input(const qinfer::Image& line, int min_width = 320);

}  // namespace ocr
