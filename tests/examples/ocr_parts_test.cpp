// The pieces of examples/ocr on synthetic inputs: DB boxes, CTC decoding, preprocessing.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "ctc_decode.h"
#include "db_postprocess.h"
#include "min_area_rect.h"
#include "preprocess.h"
#include "test_support.h"

namespace ocr {
namespace {

// A probability map with filled rectangles [x0, x1) x [y0, y1) of the given probability.
struct Map {
  int h, w;
  std::vector<float> p;
  Map(int h_, int w_) : h(h_), w(w_), p(size_t(h_) * w_, 0.02f) {}
  void fill(int x0, int y0, int x1, int y1, float v) {
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x) p[size_t(y) * w + x] = v;
  }
};

// The unclip distance of a component spanning w x h pixels (sides measured between pixel centres).
float unclip(int w, int h, float ratio = DbOptions{}.unclip_ratio) {
  const float a = float(w - 1), b = float(h - 1);
  return a * b * ratio / (2.0f * (a + b));
}

TEST(OcrDbBoxes, ExpandsComponentsByUnclipDistanceInReadingOrder) {
  Map m(120, 200);
  m.fill(120, 20, 180, 30, 0.9f);  // right of the same row: read second
  m.fill(10, 22, 90, 32, 0.9f);    // first
  m.fill(30, 70, 150, 84, 0.8f);   // next row
  const std::vector<Box> boxes = db_boxes(m.p.data(), m.h, m.w);
  ASSERT_EQ(boxes.size(), 3u);
  const int rects[3][4] = {{10, 22, 90, 32}, {120, 20, 180, 30}, {30, 70, 150, 84}};
  for (int i = 0; i < 3; ++i) {
    const int* r = rects[i];
    const float d = unclip(r[2] - r[0], r[3] - r[1]);
    SCOPED_TRACE(i);
    // Each side moves out by the unclip distance, within a pixel of rounding.
    EXPECT_NEAR(float(r[0] - boxes[i].x0), d, 1.01f);
    EXPECT_NEAR(float(r[1] - boxes[i].y0), d, 1.01f);
    EXPECT_NEAR(float(boxes[i].x1 - r[2]), d, 1.01f);
    EXPECT_NEAR(float(boxes[i].y1 - r[3]), d, 1.01f);
    EXPECT_GT(boxes[i].score, 0.6f);
  }
}

TEST(OcrDbBoxes, DropsFaintTinyAndBelowThresholdComponents) {
  Map m(64, 64);
  m.fill(5, 5, 40, 15, 0.45f);  // above the pixel threshold, mean below box_threshold
  m.fill(50, 50, 52, 52, 0.99f);  // 2 x 2 speck: shorter than min_size
  m.fill(5, 30, 40, 40, 0.25f);  // below the pixel threshold
  EXPECT_TRUE(db_boxes(m.p.data(), m.h, m.w).empty());
  DbOptions lenient;
  lenient.box_threshold = 0.4f;
  EXPECT_EQ(db_boxes(m.p.data(), m.h, m.w, lenient).size(), 1u);
}

TEST(OcrDbBoxes, ClampsToTheMap) {
  Map m(40, 80);
  m.fill(0, 0, 80, 12, 0.9f);
  const std::vector<Box> boxes = db_boxes(m.p.data(), m.h, m.w);
  ASSERT_EQ(boxes.size(), 1u);
  EXPECT_EQ(boxes[0].x0, 0);
  EXPECT_EQ(boxes[0].y0, 0);
  EXPECT_EQ(boxes[0].x1, 80);
  EXPECT_LE(boxes[0].y1, 40);
}

TEST(OcrDbBoxes, SlantedLineGetsARotatedRectangle) {
  // A 120 x 12 bar turned by 10 degrees about (100, 60).
  Map m(120, 200);
  const float a = 10.0f * 3.14159265f / 180.0f;
  for (int y = 0; y < m.h; ++y)
    for (int x = 0; x < m.w; ++x) {
      const float dx = float(x) + 0.5f - 100.0f, dy = float(y) + 0.5f - 60.0f;
      const float u = dx * std::cos(a) + dy * std::sin(a), v = -dx * std::sin(a) + dy * std::cos(a);
      if (std::fabs(u) < 60.0f && std::fabs(v) < 6.0f) m.p[size_t(y) * m.w + x] = 0.9f;
    }
  const std::vector<Box> boxes = db_boxes(m.p.data(), m.h, m.w);
  ASSERT_EQ(boxes.size(), 1u);
  const RotatedRect& r = boxes[0].rect;
  EXPECT_NEAR(std::atan2(r.axis.y, r.axis.x), a, 0.02);
  EXPECT_NEAR(r.center.x, 100.0f, 1.0f);
  EXPECT_NEAR(r.center.y, 60.0f, 1.0f);
  const float d = unclip(120, 12);  // about; the bar's pixel-centre extent is within a pixel of 120 x 12
  EXPECT_NEAR(r.width, 120.0f + 2.0f * d, 3.0f);
  EXPECT_NEAR(r.height, 12.0f + 2.0f * d, 3.0f);
  // The integer bounds enclose every corner.
  for (const Point& c : r.corners()) {
    EXPECT_LE(float(boxes[0].x0), std::max(c.x, 0.0f));
    EXPECT_GE(float(boxes[0].x1), std::min(c.x, float(m.w)));
  }
}

TEST(OcrMinAreaRect, RecoversRotatedAndAxisAlignedRectangles) {
  // Corners of a 40 x 10 rectangle turned by -25 degrees, with points inside it.
  const float a = -25.0f * 3.14159265f / 180.0f, c = std::cos(a), s = std::sin(a);
  std::vector<Point> pts;
  for (float u : {-20.0f, -5.0f, 0.0f, 20.0f})
    for (float v : {-5.0f, 0.0f, 5.0f}) pts.push_back({50.0f + u * c - v * s, 30.0f + u * s + v * c});
  RotatedRect r = min_area_rect(pts);
  EXPECT_NEAR(r.width, 40.0f, 1e-3f);
  EXPECT_NEAR(r.height, 10.0f, 1e-3f);
  EXPECT_NEAR(std::atan2(r.axis.y, r.axis.x), a, 1e-4);
  EXPECT_NEAR(r.center.x, 50.0f, 1e-3f);
  EXPECT_NEAR(r.center.y, 30.0f, 1e-3f);
  const std::vector<Point> k = r.corners();  // top-left first, clockwise on screen
  EXPECT_LT(k[0].x, k[1].x);
  EXPECT_LT(k[1].y, k[2].y);

  // Taller than wide: the width still runs along the side closer to horizontal.
  r = min_area_rect({{0, 0}, {4, 0}, {4, 30}, {0, 30}, {2, 15}});
  EXPECT_FLOAT_EQ(r.width, 4.0f);
  EXPECT_FLOAT_EQ(r.height, 30.0f);
  EXPECT_FLOAT_EQ(r.axis.x, 1.0f);
  EXPECT_FLOAT_EQ(r.axis.y, 0.0f);

  // Degenerate sets: one point, a segment.
  EXPECT_EQ(min_area_rect({{3, 4}, {3, 4}}).width, 0.0f);
  r = min_area_rect({{0, 0}, {5, 0}, {10, 0}});
  EXPECT_FLOAT_EQ(r.width, 10.0f);
  EXPECT_FLOAT_EQ(r.height, 0.0f);
}

std::string write_keys(const std::vector<std::string>& keys) {
  const std::string path = qinfer::testing::temp_dir() + "/keys.txt";
  std::ofstream out(path);
  for (const std::string& k : keys) out << k << "\n";
  return path;
}

// 1 x T x classes probabilities with the given arg-max class per step.
qinfer::Tensor steps(const std::vector<int>& classes, int n) {
  qinfer::Tensor t(qinfer::DType::Float32, {1, int64_t(classes.size()), n});
  for (size_t i = 0; i < classes.size(); ++i) {
    for (int c = 0; c < n; ++c) t.data<float>()[i * n + c] = 0.5f / float(n);
    t.data<float>()[i * n + classes[i]] = 0.6f;
  }
  return t;
}

TEST(OcrCtcDecode, MergesRepeatsDropsBlanksAndTrimsSpaces) {
  const Dictionary dict(write_keys({"a", "b", "\xe4\xb8\xad"}));  // a, b, a CJK character
  ASSERT_EQ(dict.classes(), 5u);                                  // blank, 3 keys, space
  const int blank = 0, a = 1, b = 2, cjk = 3, space = 4;
  EXPECT_EQ(ctc_decode(steps({space, a, a, blank, a, b, b, space, cjk, space, space}, 5), dict), "aab \xe4\xb8\xad");
  EXPECT_EQ(ctc_decode(steps({blank, blank}, 5), dict), "");
}

TEST(OcrCtcDecode, RefusesOutputsThatDoNotFitTheDictionary) {
  const Dictionary dict(write_keys({"a", "b"}));
  EXPECT_THROW(ctc_decode(steps({1, 2}, 5), dict), qinfer::Error);
  EXPECT_THROW(Dictionary(qinfer::testing::temp_dir() + "/missing.txt"), qinfer::Error);
  EXPECT_THROW(Dictionary(write_keys({})), qinfer::Error);
}

qinfer::Image solid(int h, int w, uint8_t v) {
  qinfer::Image im;
  im.height = h, im.width = w, im.channels = 3;
  im.pixels.assign(size_t(h) * w * 3, v);
  return im;
}

TEST(OcrPreprocess, RecInputIsHeight48NormalisedAndZeroPadded) {
  const qinfer::Tensor t = rec_input(solid(24, 50, 255));  // resized to 48 x 100, padded to 320
  ASSERT_EQ(t.shape(), (std::vector<int64_t>{1, 3, 48, 320}));
  const float* p = t.data<float>();
  for (int c = 0; c < 3; ++c)
    for (int x : {0, 99, 100, 319}) EXPECT_FLOAT_EQ(p[(c * 48 + 47) * 320 + x], x < 100 ? 1.0f : 0.0f) << x;
  // Wider than the minimum: rounded up to a multiple of 32.
  EXPECT_EQ(rec_input(solid(48, 330, 0)).shape()[3], 352);
  EXPECT_THROW(rec_input(qinfer::Image{10, 10, 1, std::vector<uint8_t>(100)}), qinfer::Error);
}

TEST(OcrPreprocess, DetInputSidesAreMultiplesOf32WithScaleBack) {
  const DetInput in = det_input(solid(100, 250, 0));
  ASSERT_EQ(in.tensor.shape(), (std::vector<int64_t>{1, 3, 96, 256}));
  EXPECT_FLOAT_EQ(in.scale_x * 256.0f, 250.0f);
  EXPECT_FLOAT_EQ(in.scale_y * 96.0f, 100.0f);
  EXPECT_FLOAT_EQ(in.tensor.data<float>()[0], (0.0f - 0.485f) / 0.229f);
  // The longer side is capped.
  EXPECT_EQ(det_input(solid(2000, 1000, 0), 960).tensor.shape(), (std::vector<int64_t>{1, 3, 960, 480}));
}

TEST(OcrPreprocess, ResizeCropAndRotate) {
  qinfer::Image im = solid(4, 5, 0);
  auto at = [](const qinfer::Image& i, int y, int x) { return int(i.pixels[(size_t(y) * i.width + x) * 3 + 1]); };
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 5; ++x)
      for (int c = 0; c < 3; ++c) im.pixels[(y * 5 + x) * 3 + c] = uint8_t(10 * x + y + c);
  EXPECT_EQ(resize_bilinear(im, 4, 5).pixels, im.pixels);
  const qinfer::Image up = resize_bilinear(im, 8, 10);
  EXPECT_EQ(up.pixels[0], im.pixels[0]);  // corners stay (clamped)
  EXPECT_EQ(up.pixels.back(), im.pixels.back());

  // An axis-aligned quad with integer corners is exactly those pixels.
  const qinfer::Image c = crop_quad(im, {{1, 2}, {4, 2}, {4, 4}, {1, 4}});
  ASSERT_EQ(c.width, 3);
  ASSERT_EQ(c.height, 2);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x) EXPECT_EQ(at(c, y, x), at(im, 2 + y, 1 + x));
  // The same image walked from its bottom-left corner upwards: a quarter turn.
  const qinfer::Image turned = crop_quad(im, {{0, 4}, {0, 0}, {5, 0}, {5, 4}});
  ASSERT_EQ(turned.width, 4);
  ASSERT_EQ(turned.height, 5);
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 4; ++x) EXPECT_EQ(at(turned, y, x), at(im, 3 - x, y));
  // rotate90 turns counter-clockwise like numpy's rot90; four turns are the identity.
  EXPECT_EQ(rotate90(rotate90(rotate90(rotate90(im)))).pixels, im.pixels);
  const qinfer::Image r = rotate90(im);
  ASSERT_EQ(r.width, 4);
  EXPECT_EQ(at(r, 0, 0), at(im, 0, 4));
  EXPECT_THROW(crop_quad(im, {{1, 1}, {1.2f, 1}, {1.2f, 1.2f}, {1, 1.2f}}), qinfer::Error);
}

}  // namespace
}  // namespace ocr
