// The shared real models (../shared/models) converted with --no-quantize and run at several
// input shapes in one Runtime each, compared with ONNX Runtime summaries in tests/data/models
// (tests/data/make_expected.py); then each converted to int8 with a small calibration set.
// Each large shape runs once: the kernels are scalar references and CI has two cores.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "model_inputs.h"
#include "qinfer/converter.h"
#include "qinfer/npy.h"
#include "qinfer/runtime.h"

namespace qinfer {

namespace {

constexpr double kTolerance = 1e-4;  // of max |reference|

std::string model_path(const std::string& name) { return testing::shared_dir() + "/models/" + name; }
std::string summary_path(const std::string& name) { return testing::source_dir() + "/tests/data/models/" + name + ".txt"; }

#define REQUIRE_SHARED(path)                                                                  \
  if (!testing::exists(path)) GTEST_SKIP() << "needs " << (path) << " (../shared is absent)"; \
  static_assert(true, "")

std::string convert_model(const std::string& onnx, const std::string& calib = "") {
  ConvertOptions o;
  o.onnx_path = onnx;
  o.output_path = testing::temp_dir() + "/m.qbin";
  o.quantize = !calib.empty();
  o.calib_path = calib;
  o.calib_batch = 4;
  convert(o);
  return o.output_path;
}

// Samples of batch 1, stacked along the batch dimension.
std::string calib_file(const std::vector<Tensor>& samples) {
  std::vector<int64_t> shape = samples[0].shape();
  shape[0] = static_cast<int64_t>(samples.size());
  Tensor all(samples[0].dtype(), shape);
  for (size_t i = 0; i < samples.size(); ++i)
    std::memcpy(static_cast<uint8_t*>(all.raw_data()) + i * samples[0].byte_size(), samples[i].raw_data(), samples[i].byte_size());
  const std::string path = testing::temp_dir() + "/calib.npy";
  write_npy(path, all);
  return path;
}

Tensor run1(const Runtime& rt, const Tensor& x) { return rt.run({{rt.inputs()[0].name, x}})[0]; }

void expect_case(const Runtime& rt, const Tensor& x, const std::string& name) {
  const double err = testing::expect_matches(run1(rt, x), testing::read_summary(summary_path(name)), kTolerance, name);
  std::printf("%s: max sampled error %.3g of max |y|\n", name.c_str(), err);
}

double cosine(const Tensor& a, const Tensor& b) {
  double ab = 0, aa = 0, bb = 0;
  for (int64_t i = 0; i < a.element_count(); ++i) {
    ab += double(a.data<float>()[i]) * b.data<float>()[i];
    aa += double(a.data<float>()[i]) * a.data<float>()[i];
    bb += double(b.data<float>()[i]) * b.data<float>()[i];
  }
  return ab / std::sqrt(aa * bb);
}

const char* kDet = "ppocr/ch_PP-OCRv4_det_infer.onnx";
const char* kRec = "ppocr/ch_PP-OCRv4_rec_infer.onnx";
const char* kCls = "ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx";

TEST(RealModelsFp32, DetSmallCrop) {
  REQUIRE_SHARED(model_path(kDet));
  Runtime rt(convert_model(model_path(kDet)));
  expect_case(rt, testing::crop(testing::ocr_page(), 96, 128, 64, 128), "det_64x128");
}

TEST(RealModelsFp32, DetTwoLargeShapesInOneRuntime) {
  REQUIRE_SHARED(model_path(kDet));
  Runtime rt(convert_model(model_path(kDet)));
  const Tensor page = testing::ocr_page();
  expect_case(rt, page, "det_640x640");
  expect_case(rt, testing::crop(page, 0, 0, 544, 960), "det_544x960");
}

TEST(RealModelsFp32, RecWidths) {
  REQUIRE_SHARED(model_path(kRec));
  Runtime rt(convert_model(model_path(kRec)));
  expect_case(rt, testing::ocr_line(1), "rec_line1");
  for (int w : {160, 320, 640}) expect_case(rt, testing::pad_width(testing::ocr_line(2), w), "rec_w" + std::to_string(w));
}

TEST(RealModelsFp32, Cls) {
  REQUIRE_SHARED(model_path(kCls));
  Runtime rt(convert_model(model_path(kCls)));
  expect_case(rt, testing::pad_width(testing::ocr_line(1), 192), "cls_192");
}

TEST(RealModelsFp32, CrnnLstmTwoWidths) {
  REQUIRE_SHARED(model_path("crnn_lstm.onnx"));
  Runtime rt(convert_model(model_path("crnn_lstm.onnx")));
  expect_case(rt, testing::ramp({1, 1, 32, 128}), "crnn_w128");
  expect_case(rt, testing::ramp({1, 1, 32, 256}), "crnn_w256");
}

TEST(RealModelsFp32, MiniBertTwoLengths) {
  REQUIRE_SHARED(model_path("mini_bert.onnx"));
  Runtime rt(convert_model(model_path("mini_bert.onnx")));
  EXPECT_EQ(rt.inputs()[0].dtype, DType::Int64);
  expect_case(rt, testing::token_ids({1, 16}), "bert_l16");
  expect_case(rt, testing::token_ids({1, 128}), "bert_l128");
}

TEST(RealModelsFp32, MnistMobileNetV2ResNet50) {
  for (const char* m : {"mnist_cnn.onnx", "mobilenet_v2.onnx", "resnet50.onnx"}) REQUIRE_SHARED(model_path(m));
  expect_case(Runtime(convert_model(model_path("mnist_cnn.onnx"))), testing::ramp({2, 1, 28, 28}, 37, 11, 101, 100.0f, 0.0f),
              "mnist_2");
  expect_case(Runtime(convert_model(model_path("mobilenet_v2.onnx"))), testing::ramp({1, 3, 224, 224}), "mobilenet_v2_224");
  expect_case(Runtime(convert_model(model_path("resnet50.onnx"))), testing::ramp({1, 3, 224, 224}), "resnet50_224");
}

// ---- int8: every model converts with calibration and runs; nodes without int8 kernels stay
// fp32 behind Quantize/Dequantize.

TEST(RealModelsInt8, DetCloseToFp32) {
  REQUIRE_SHARED(model_path(kDet));
  const Tensor page1 = read_npy(testing::ocr_dir() + "/pages/page_001.npy");
  Runtime q(convert_model(model_path(kDet), calib_file({testing::crop(page1, 96, 96, 128, 128),
                                                        testing::crop(page1, 224, 224, 128, 128)})));
  Runtime f(convert_model(model_path(kDet)));
  const Tensor x = testing::crop(testing::ocr_page(), 96, 128, 64, 128);
  const double c = cosine(run1(q, x), run1(f, x));
  std::printf("det int8 vs fp32 cosine %.4f\n", c);
  EXPECT_GT(c, 0.8);  // a small crop with few text pixels: a sanity bound, not a quality figure
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string s; std::getline(in, s);) lines.push_back(s);
  return lines;
}

// CTC greedy decoding (models/README.md): arg-max per step, drop repeats, drop blank 0; class i
// is line i of the dictionary, the last class a space; trimmed.
std::string ctc_decode(const Tensor& probs, const std::vector<std::string>& keys) {
  const int64_t steps = probs.shape()[1], classes = probs.shape()[2];
  std::string text;
  int64_t prev = -1;
  for (int64_t t = 0; t < steps; ++t) {
    const float* row = probs.data<float>() + t * classes;
    const int64_t c = std::max_element(row, row + classes) - row;
    if (c != prev && c != 0) text += c - 1 < static_cast<int64_t>(keys.size()) ? keys[c - 1] : " ";
    prev = c;
  }
  const size_t b = text.find_first_not_of(' '), e = text.find_last_not_of(' ');
  return b == std::string::npos ? "" : text.substr(b, e - b + 1);
}

TEST(RealModelsInt8, RecReadsLines) {
  REQUIRE_SHARED(model_path(kRec));
  std::vector<Tensor> calib;
  for (int i : {20, 30, 40, 50}) calib.push_back(testing::pad_width(testing::ocr_line(i), 160));
  Runtime rt(convert_model(model_path(kRec), calib_file(calib)));
  const auto keys = read_lines(testing::shared_dir() + "/models/ppocr/ppocr_keys_v1.txt");
  std::map<std::string, std::string> labels;
  for (const std::string& l : read_lines(testing::ocr_dir() + "/lines/labels.tsv")) {
    const size_t tab = l.find('\t');
    if (tab != std::string::npos) labels[l.substr(0, tab)] = l.substr(tab + 1);
  }
  int correct = 0;
  const int lines = 8;
  for (int i = 0; i < lines; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "line_%04d", i);
    const std::string got = ctc_decode(run1(rt, testing::ocr_line(i)), keys);
    std::string want = labels[name];
    want.erase(0, want.find_first_not_of(' '));
    want.erase(want.find_last_not_of(' ') + 1);
    correct += got == want;
    if (got != want) std::printf("%s: read '%s', label '%s'\n", name, got.c_str(), want.c_str());
  }
  std::printf("rec int8: %d of %d lines exact\n", correct, lines);
  EXPECT_GE(correct, lines - 1);
}

TEST(RealModelsInt8, ClsCrnnBertConvertAndRun) {
  REQUIRE_SHARED(model_path(kCls));
  {
    Runtime q(convert_model(model_path(kCls), calib_file({testing::pad_width(testing::ocr_line(3), 192),
                                                          testing::pad_width(testing::ocr_line(4), 192)})));
    Runtime f(convert_model(model_path(kCls)));
    const Tensor x = testing::pad_width(testing::ocr_line(1), 192);
    const Tensor yq = run1(q, x), yf = run1(f, x);
    EXPECT_EQ(yq.shape(), (std::vector<int64_t>{1, 2}));
    EXPECT_NEAR(yq.data<float>()[0] + yq.data<float>()[1], 1.0f, 1e-4);
    EXPECT_EQ(yq.data<float>()[0] > yq.data<float>()[1], yf.data<float>()[0] > yf.data<float>()[1]);
  }
  {
    Runtime q(convert_model(model_path("crnn_lstm.onnx"), calib_file({testing::ramp({1, 1, 32, 64}), testing::ramp({1, 1, 32, 64}, 7)})));
    Runtime f(convert_model(model_path("crnn_lstm.onnx")));
    const Tensor x = testing::ramp({1, 1, 32, 128});
    const double c = cosine(run1(q, x), run1(f, x));
    std::printf("crnn int8 vs fp32 cosine %.4f\n", c);
    EXPECT_GT(c, 0.95);
  }
  {
    Runtime q(convert_model(model_path("mini_bert.onnx"), calib_file({testing::token_ids({1, 16}), testing::token_ids({1, 16}, 5000)})));
    Runtime f(convert_model(model_path("mini_bert.onnx")));
    const Tensor x = testing::token_ids({1, 32});
    const double c = cosine(run1(q, x), run1(f, x));
    std::printf("mini_bert int8 vs fp32 cosine %.4f\n", c);
    EXPECT_GT(c, 0.95);
  }
}

}  // namespace

}  // namespace qinfer
