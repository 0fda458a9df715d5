// examples/ocr end to end, the way docs/ocr-example.md tells a newcomer: convert PP-OCRv4 det and
// rec to int8 with qconv (calibration batches from ocr_make_calib), run ocr_example on every
// shared page and compare with boxes.tsv. Also its command-line errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>
#include <vector>

#include "ocr_pipeline.h"
#include "preprocess.h"
#include "test_support.h"

namespace qinfer {
namespace {

using testing::run_command;
using testing::tool;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

struct Line {
  int box[4];
  std::string text;
};

// Tab-separated lines "[page\t]x0\ty0\tx1\ty1\ttext", grouped by page ("" when there is no page column).
std::map<std::string, std::vector<Line>> parse_lines(const std::string& text, bool with_page) {
  std::map<std::string, std::vector<Line>> out;
  std::istringstream in(text);
  for (std::string row; std::getline(in, row);) {
    std::vector<std::string> f;
    std::istringstream fields(row);
    for (std::string s; std::getline(fields, s, '\t');) f.push_back(s);
    const size_t first = with_page ? 1 : 0;
    if (f.size() < first + 5) continue;
    Line l;
    for (int i = 0; i < 4; ++i) l.box[i] = std::stoi(f[first + i]);
    l.text = f[first + 4];
    l.text.erase(0, l.text.find_first_not_of(' '));
    l.text.erase(l.text.find_last_not_of(' ') + 1);
    out[with_page ? f[0] : ""].push_back(l);
  }
  return out;
}

double iou(const int* a, const int* b) {
  const int w = std::min(a[2], b[2]) - std::max(a[0], b[0]), h = std::min(a[3], b[3]) - std::max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0.0;
  const double inter = double(w) * h;
  return inter / (double(a[2] - a[0]) * (a[3] - a[1]) + double(b[2] - b[0]) * (b[3] - b[1]) - inter);
}

// Lines of `truth` whose most-overlapping found line (IoU >= 0.3: boxes.tsv holds tight glyph
// bounds, found boxes have a margin, relatively large around a short word) has exactly their text.
int lines_read(const std::vector<Line>& truth, const std::vector<Line>& found, const std::string& page) {
  int read = 0;
  for (const Line& t : truth) {
    const Line* best = nullptr;
    for (const Line& f : found)
      if (!best || iou(t.box, f.box) > iou(t.box, best->box)) best = &f;
    const bool ok = best && iou(t.box, best->box) >= 0.3 && best->text == t.text;
    read += ok;
    if (!ok) std::printf("%s: '%s' read as '%s'\n", page.c_str(), t.text.c_str(), best ? best->text.c_str() : "");
  }
  return read;
}

const std::string kShared = testing::shared_dir(), kPpocr = kShared + "/models/ppocr", kPages = kShared + "/data/ocr/pages";

// det.qbin and rec.qbin converted exactly as docs/ocr-example.md does (det on pages 0-3, rec on
// every shared line image), once per process on first use, removed at exit (~25 MB).
struct Converted {
  std::string dir = testing::temp_dir();
  std::string error;  // the failing command and its output
  Converted() {
    std::string det_images, rec_images;
    for (int i = 0; i < 4; ++i) det_images += " " + kPages + "/page_00" + std::to_string(i) + ".png";
    for (int i = 0;; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "/data/ocr/lines/line_%04d.png", i);
      if (!testing::exists(kShared + name)) break;
      rec_images += " " + kShared + name;
    }
    for (const std::string& cmd :
         {tool("ocr_make_calib") + " det " + dir + "/det_calib.npy" + det_images,
          tool("ocr_make_calib") + " rec " + dir + "/rec_calib.npy" + rec_images,
          tool("qconv") + " -q " + kPpocr + "/ch_PP-OCRv4_det_infer.onnx --calib " + dir + "/det_calib.npy -o " + dir + "/det.qbin",
          tool("qconv") + " -q " + kPpocr + "/ch_PP-OCRv4_rec_infer.onnx --calib " + dir + "/rec_calib.npy -o " + dir + "/rec.qbin"}) {
      const auto r = run_command(cmd);
      if (r.exit_code != 0) {
        error = cmd + "\n" + r.output;
        return;
      }
    }
  }
  ~Converted() {
    for (const char* f : {"/det_calib.npy", "/rec_calib.npy", "/det.qbin", "/rec.qbin"}) std::remove((dir + f).c_str());
    std::remove(dir.c_str());
  }
  std::string det() const { return dir + "/det.qbin"; }
  std::string rec() const { return dir + "/rec.qbin"; }
};

const Converted& converted() {
  static const Converted c;
  return c;
}

#define REQUIRE_CONVERTED()                                                                                    \
  if (!testing::exists(kPpocr + "/ch_PP-OCRv4_rec_infer.onnx") || !testing::exists(kPages + "/boxes.tsv"))    \
    GTEST_SKIP() << "needs " << kPpocr << " and " << kPages << " (../shared is absent)";                       \
  if (kSanitized) GTEST_SKIP() << "slow under sanitizers (two int8 conversions, 9 pages); runs in the Release suite"; \
  ASSERT_TRUE(converted().error.empty()) << converted().error

// A page turned by `degrees` about its centre onto a canvas that holds all of it (the page's edge
// pixels, its background, fill the corners).
Image turned_page(const Image& page, float degrees) {
  const float a = degrees * 3.14159265f / 180.0f, c = std::cos(a), s = std::sin(a);
  const float w = std::ceil(float(page.width) * c + float(page.height) * s), h = std::ceil(float(page.width) * s + float(page.height) * c);
  std::vector<ocr::Point> corners;
  for (const auto& [ox, oy] : {std::pair{-w / 2, -h / 2}, {w / 2, -h / 2}, {w / 2, h / 2}, {-w / 2, h / 2}})
    corners.push_back({float(page.width) / 2 + c * ox - s * oy, float(page.height) / 2 + s * ox + c * oy});
  return ocr::crop_quad(page, corners);
}

// Slanted lines get rotated boxes and upright crops: a page turned by 8 degrees still reads.
void expect_turned_page_reads() {
  const ocr::Pipeline pipeline(converted().det(), converted().rec(), kPpocr + "/ppocr_keys_v1.txt");
  const Image page = turned_page(read_image(kPages + "/page_004.png"), 8.0f);
  const std::vector<ocr::TextLine> found = pipeline.read(page);
  const auto truth = parse_lines(testing::read_text(kPages + "/boxes.tsv"), true).at("page_004");
  int read = 0;
  for (const Line& t : truth) {
    bool ok = false;
    for (const ocr::TextLine& f : found) ok = ok || f.text == t.text;
    read += ok;
    if (!ok) std::printf("turned page_004: '%s' not read\n", t.text.c_str());
  }
  std::printf("turned page_004: %d of %zu lines read exactly\n", read, truth.size());
  EXPECT_GE(read * 10, int(truth.size()) * 9);
  for (const ocr::TextLine& f : found)  // the top edge runs at the page's slant
    EXPECT_NEAR(std::atan2(f.corners[1].y - f.corners[0].y, f.corners[1].x - f.corners[0].x), -8.0 * M_PI / 180, 0.05) << f.text;
}

// (One test: ctest runs each test in its own process, and each would convert the models again.)
TEST(OcrExample, ReadsTheSharedPagesAndATurnedPageInInt8) {
  REQUIRE_CONVERTED();
  const std::string dir = converted().dir, pages = kPages, ppocr = kPpocr;
  const auto truth = parse_lines(testing::read_text(pages + "/boxes.tsv"), true);
  ASSERT_FALSE(truth.empty());
  int read_all = 0, total = 0;
  for (const auto& [page, lines] : truth) {
    const std::string cmd = tool("ocr_example") + " " + dir + "/det.qbin " + dir + "/rec.qbin " + ppocr +
                            "/ppocr_keys_v1.txt " + pages + "/" + page + ".png";
    const auto r = run_command(cmd);
    ASSERT_EQ(r.exit_code, 0) << cmd << "\n" << r.output;
    const int read = lines_read(lines, parse_lines(r.output, false)[""], page);
    std::printf("%s: %d of %zu lines read exactly\n", page.c_str(), read, lines.size());
    EXPECT_GE(read * 10, int(lines.size()) * 9) << page << ": fewer than 90% of its lines read exactly";
    read_all += read;
    total += int(lines.size());
  }
  std::printf("all pages: %d of %d lines read exactly\n", read_all, total);

  // A dictionary that does not fit the recogniser is refused when loading, naming both files.
  const std::string keys = dir + "/keys.txt";
  std::FILE* f = std::fopen(keys.c_str(), "w");
  ASSERT_TRUE(f);
  std::fputs("a\nb\n", f);
  std::fclose(f);
  const auto r = run_command(tool("ocr_example") + " " + dir + "/det.qbin " + dir + "/rec.qbin " + keys + " " + pages + "/page_000.png");
  std::remove(keys.c_str());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(keys), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("6625 classes"), std::string::npos) << r.output;

  expect_turned_page_reads();
}

TEST(OcrExample, CommandLineErrors) {
  auto r = run_command(tool("ocr_example") + " only_two args");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("usage: ocr_example"), std::string::npos) << r.output;

  const std::string dir = testing::temp_dir();
  r = run_command(tool("ocr_example") + " d.qbin r.qbin k.txt " + dir + "/missing.png");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(dir + "/missing.png"), std::string::npos) << r.output;

  const std::string junk = dir + "/junk.png";
  std::FILE* f = std::fopen(junk.c_str(), "wb");
  ASSERT_TRUE(f);
  std::fputs("not an image", f);
  std::fclose(f);
  r = run_command(tool("ocr_example") + " d.qbin r.qbin k.txt " + junk);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("not a readable image"), std::string::npos) << r.output;

  // A readable image, but the detector model is missing: the error names it.
  const std::string png = testing::shared_dir() + "/data/ocr/pages/page_000.png";
  if (testing::exists(png)) {
    r = run_command(tool("ocr_example") + " " + dir + "/no_det.qbin r.qbin k.txt " + png);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find(dir + "/no_det.qbin"), std::string::npos) << r.output;
  }

  r = run_command(tool("ocr_make_calib") + " rec " + dir + "/c.npy " + junk);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_FALSE(testing::exists(dir + "/c.npy"));
}

}  // namespace
}  // namespace qinfer
