// The PP-OCR pipeline on qinfer: detector -> DB boxes -> crop + resize each line ->
// recogniser -> CTC text. Works with int8 or fp32 qbins of PP-OCRv4 det and rec.
#pragma once

#include <string>
#include <vector>

#include "ctc_decode.h"
#include "db_postprocess.h"
#include "qinfer/image.h"
#include "qinfer/runtime.h"

namespace ocr {

struct TextLine {
  // The detected rectangle in image pixel-edge coordinates (pixel i covers [i, i + 1)):
  // top-left, top-right, bottom-right, bottom-left. A parallelogram when the detector's input
  // was scaled differently along x and y.
  std::vector<Point> corners;
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // its bounds, rounded outwards and clamped to the image
  float score = 0.0f;                  // the detector's mean probability over the region
  std::string text;
};

class Pipeline {
 public:
  // Loads both models and the dictionary; throws qinfer::Error naming the file on any problem.
  Pipeline(const std::string& det_qbin, const std::string& rec_qbin, const std::string& dictionary, int threads = 1,
           DbOptions db = {});
  // Text lines of an RGB image in reading order (lines the recogniser reads as empty are dropped).
  std::vector<TextLine> read(const qinfer::Image& image) const;

 private:
  qinfer::Runtime det_, rec_;
  Dictionary dict_;
  DbOptions db_;
};

}  // namespace ocr
