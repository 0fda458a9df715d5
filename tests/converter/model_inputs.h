// Inputs and expected-output summaries shared with tests/data/make_expected.py (which made the
// expected files with ONNX Runtime): the formulas here must match the script's exactly.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "qinfer/npy.h"
#include "qinfer/tensor.h"
#include "test_support.h"

namespace qinfer::testing {

// x[i] = ((i * mul + add) % mod) / scale - offset in float32 (make_expected.py: ramp).
inline Tensor ramp(const std::vector<int64_t>& shape, int64_t mul = 37, int64_t add = 11, int64_t mod = 101,
                   float scale = 50.0f, float offset = 1.0f) {
  Tensor t(DType::Float32, shape);
  for (int64_t i = 0; i < t.element_count(); ++i)
    t.data<float>()[i] = static_cast<float>((i * mul + add) % mod) / scale - offset;
  return t;
}

// Token ids (make_expected.py: ids).
inline Tensor token_ids(const std::vector<int64_t>& shape, int64_t vocab = 8000) {
  Tensor t(DType::Int64, shape);
  for (int64_t i = 0; i < t.element_count(); ++i) t.data<int64_t>()[i] = (i * 7919 + 13) % vocab;
  return t;
}

// Rows [r0, r0 + h) and columns [c0, c0 + w) of an NCHW tensor, zero where outside it.
inline Tensor crop(const Tensor& x, int64_t r0, int64_t c0, int64_t h, int64_t w) {
  const auto& s = x.shape();
  Tensor out(DType::Float32, {s[0], s[1], h, w});
  for (int64_t p = 0; p < s[0] * s[1]; ++p)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t c = 0; c < w; ++c) {
        const int64_t sy = r0 + y, sx = c0 + c;
        out.data<float>()[(p * h + y) * w + c] =
            (sy < s[2] && sx < s[3]) ? x.data<float>()[(p * s[2] + sy) * s[3] + sx] : 0.0f;
      }
  return out;
}

inline std::string ocr_dir() { return shared_dir() + "/data/ocr"; }
inline Tensor ocr_page() { return read_npy(ocr_dir() + "/pages/page_000.npy"); }
inline Tensor ocr_line(int i) {
  char name[32];
  std::snprintf(name, sizeof name, "/lines/line_%04d.npy", i);
  return read_npy(ocr_dir() + name);
}
// A line cut or zero-padded to width w (make_expected.py: pad_width).
inline Tensor pad_width(const Tensor& line, int64_t w) { return crop(line, 0, 0, line.shape()[2], w); }

// A tests/data/models/<case>.txt summary of an ONNX Runtime output.
struct OutputSummary {
  std::vector<int64_t> shape;
  int64_t stride = 1;
  std::vector<double> samples;
  double max_abs = 0, mean = 0;
  std::vector<int64_t> argmax;
};

inline OutputSummary read_summary(const std::string& path) {
  OutputSummary s;
  std::ifstream in(path);
  EXPECT_TRUE(in) << "missing " << path << " (tests/data/make_expected.py makes it)";
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string key;
    f >> key;
    if (key == "shape") for (int64_t v; f >> v;) s.shape.push_back(v);
    if (key == "stride") f >> s.stride;
    if (key == "samples") for (double v; f >> v;) s.samples.push_back(v);
    if (key == "max_abs") f >> s.max_abs;
    if (key == "mean") f >> s.mean;
    if (key == "argmax") for (int64_t v; f >> v;) s.argmax.push_back(v);
  }
  return s;
}

// Compares y with the summary: every sampled value within tol * max|ref|, the mean and the
// max within the same bound, and the arg-max of each last-axis row unless the two candidates'
// values are within the bound (a near-tie may flip). Returns the largest sampled error.
inline double expect_matches(const Tensor& y, const OutputSummary& ref, double tol, const std::string& what) {
  EXPECT_EQ(y.shape(), ref.shape) << what;
  if (y.shape() != ref.shape) return INFINITY;
  const float* p = y.data<float>();
  const double bound = tol * ref.max_abs;
  double worst = 0, sum = 0, max_abs = 0;
  for (size_t i = 0; i < ref.samples.size(); ++i)
    worst = std::max(worst, std::fabs(double(p[i * ref.stride]) - ref.samples[i]));
  for (int64_t i = 0; i < y.element_count(); ++i) {
    sum += p[i];
    max_abs = std::max(max_abs, std::fabs(double(p[i])));
  }
  EXPECT_LE(worst, bound) << what << ": sampled values differ from ONNX Runtime by up to " << worst / ref.max_abs
                          << " of max |y|";
  EXPECT_NEAR(sum / double(y.element_count()), ref.mean, bound) << what << ": mean";
  EXPECT_NEAR(max_abs, ref.max_abs, bound) << what << ": max |y|";
  const int64_t cols = ref.shape.back();
  for (size_t r = 0; r < ref.argmax.size(); ++r) {
    const float* row = p + r * cols;
    const int64_t got = std::max_element(row, row + cols) - row;
    if (got != ref.argmax[r]) {
      EXPECT_LE(std::fabs(row[got] - row[ref.argmax[r]]), bound) << what << ": arg-max of row " << r;
    }
  }
  return worst / ref.max_abs;
}

}  // namespace qinfer::testing
