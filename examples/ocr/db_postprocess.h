// DBNet post-processing: the detector's text-probability map -> text boxes (the idea of
// PaddleOCR's DBPostProcess).
//
//   probability > threshold -> 8-connected components -> minimum-area rotated rectangle of each
//   -> drop small or low-score ones -> expand ("unclip") each rectangle by
//   area * unclip_ratio / perimeter on every side, because DBNet is trained to predict text
//   regions shrunk by about that distance.
#pragma once

#include <vector>

#include "min_area_rect.h"

namespace ocr {

struct Box {
  RotatedRect rect;                    // pixel-edge coordinates (pixel i covers [i, i + 1))
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // rect's bounds rounded outwards, clamped to the map
  float score = 0.0f;                  // mean probability over the component
};

struct DbOptions {
  float threshold = 0.3f;      // pixel is text when probability > threshold
  float box_threshold = 0.6f;  // keep a component when its mean probability >= this
  // PaddleOCR uses 1.5; with less margin around the text the recogniser drops spaces, and 2.0
  // reads the shared pages best in fp32 and int8 (docs/ocr-example.md has the sweep).
  float unclip_ratio = 2.0f;
  int min_size = 3;            // drop components whose shorter side is below this
  int max_boxes = 1000;
};

// `prob` is a height x width row-major map. Boxes are sorted top to bottom, then left to right.
std::vector<Box> db_boxes(const float* prob, int height, int width, const DbOptions& options = {});

}  // namespace ocr
