#include "ocr_pipeline.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "preprocess.h"

namespace ocr {

namespace {

qinfer::Runtime::Options with_threads(int threads) {
  qinfer::Runtime::Options o;
  o.threads = threads;
  return o;
}

// A model with one float input of rank 4 and a float first output, or an Error naming the file.
void check_model(const qinfer::Runtime& rt, const std::string& path, const char* role) {
  if (rt.inputs().size() != 1 || rt.inputs()[0].shape.size() != 4 || rt.inputs()[0].dtype != qinfer::DType::Float32 ||
      rt.outputs().empty() || rt.outputs()[0].dtype != qinfer::DType::Float32)
    throw qinfer::Error(path + ": not a PP-OCR " + role + " model (expected one float input N x 3 x H x W and a float output)");
}

}  // namespace

Pipeline::Pipeline(const std::string& det_qbin, const std::string& rec_qbin, const std::string& dictionary, int threads,
                   DbOptions db)
    : det_(det_qbin, with_threads(threads)), rec_(rec_qbin, with_threads(threads)), dict_(dictionary), db_(db) {
  check_model(det_, det_qbin, "detector");
  check_model(rec_, rec_qbin, "recogniser");
  // Catch a dictionary that does not belong to the recogniser now rather than on the first line.
  const std::vector<int64_t>& out = rec_.outputs()[0].shape;
  if (out.size() == 3 && out[2] > 0 && out[2] != static_cast<int64_t>(dict_.classes()))
    throw qinfer::Error(rec_qbin + ": the recogniser has " + std::to_string(out[2]) + " classes but " + dictionary + " gives " +
                        std::to_string(dict_.classes()) + " (blank + " + std::to_string(dict_.classes() - 2) +
                        " characters + space): wrong dictionary?");
}

std::vector<TextLine> Pipeline::read(const qinfer::Image& image) const {
  const DetInput in = det_input(image);
  const qinfer::Tensor prob = det_.run(in.tensor)[0];
  const auto& s = prob.shape();
  if (s.size() != 4 || s[0] != 1 || s[1] != 1 || s[2] != in.tensor.shape()[2] || s[3] != in.tensor.shape()[3])
    throw qinfer::Error("detector output has shape " + qinfer::shape_string(s) + ", expected 1 x 1 x " +
                        std::to_string(in.tensor.shape()[2]) + " x " + std::to_string(in.tensor.shape()[3]) +
                        " (a text probability map): wrong model?");
  std::vector<TextLine> lines;
  for (const Box& b : db_boxes(prob.data<float>(), int(s[2]), int(s[3]), db_)) {
    TextLine line;
    line.corners = b.rect.corners();  // back to image pixels
    float lo_x = float(image.width), lo_y = float(image.height), hi_x = 0.0f, hi_y = 0.0f;
    for (Point& c : line.corners) {
      c.x *= in.scale_x, c.y *= in.scale_y;
      lo_x = std::min(lo_x, c.x), lo_y = std::min(lo_y, c.y), hi_x = std::max(hi_x, c.x), hi_y = std::max(hi_y, c.y);
    }
    line.x0 = std::max(0, int(std::floor(lo_x))), line.y0 = std::max(0, int(std::floor(lo_y)));
    line.x1 = std::min(image.width, int(std::ceil(hi_x))), line.y1 = std::min(image.height, int(std::ceil(hi_y)));
    line.score = b.score;
    qinfer::Image crop_image = crop_quad(image, line.corners);
    if (crop_image.height >= 1.5 * crop_image.width) crop_image = rotate90(crop_image);  // vertical text, as PaddleOCR
    line.text = ctc_decode(rec_.run(rec_input(crop_image))[0], dict_);
    if (!line.text.empty()) lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace ocr
