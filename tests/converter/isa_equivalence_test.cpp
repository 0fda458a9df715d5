// Every int8 kernel variant gives the same bytes: the default (JIT where the CPU has it), the
// Highway kernels (QINFER_ISA=hwy), the exact AVX2 JIT and the scalar reference, on whole models.
#include <gtest/gtest.h>

#include "model_inputs.h"
#include "qinfer/npy.h"
#include "test_support.h"

namespace qinfer {

namespace {
// Runs `qbin` on `input` under each QINFER_ISA value (variants the CPU lacks fall back to the
// reference) and with 2 threads (small-M GEMMs then split columns), and expects identical outputs.
void expect_identical_across_isas(const std::string& qbin, const std::string& input, const std::string& dir) {
  std::string first;
  for (const char* isa : {"", "hwy", "avx2", "avxvnni", "avx512vnni", "amx", "ref", "threads2"}) {
    const bool threads2 = std::string(isa) == "threads2";
    const std::string out = dir + "/y_" + (*isa ? isa : "default") + ".npy";
    const auto r = testing::run_command("QINFER_ISA=" + std::string(threads2 ? "" : isa) + " " + testing::tool("qrun") +
                                        " " + qbin + " --input " + input + " --output " + out +
                                        (threads2 ? " --threads 2" : ""));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string bytes = testing::read_text(out);
    if (first.empty()) first = bytes;
    EXPECT_TRUE(bytes == first) << qbin << ": " << (threads2 ? "2 threads" : "QINFER_ISA=") << (threads2 ? "" : isa)
                                << " differs from the default";
  }
}
}  // namespace

TEST(IsaEquivalence, ShippedMnistModel) {
  const std::string d = testing::source_dir() + "/examples/mnist/data", dir = testing::temp_dir();
  expect_identical_across_isas(testing::source_dir() + "/tests/data/golden/mnist_int8.qbin", d + "/test_images.npy", dir);
}

TEST(IsaEquivalence, SharedCnnModels) {
  const std::string s = testing::shared_dir();
  if (!testing::exists(s + "/models/mobilenet_v2.onnx")) GTEST_SKIP() << "../shared is absent: shared models not tested";
  const std::string dir = testing::temp_dir();
  // Smooth-ish deterministic input and calibration data.
  Tensor x(DType::Float32, {2, 3, 224, 224});
  for (int64_t i = 0; i < x.element_count(); ++i) x.data<float>()[i] = static_cast<float>((i * 7919) % 2003) / 1001.5f - 1.0f;
  write_npy(dir + "/x.npy", x);
  for (const char* model : {"mobilenet_v2", "resnet50"}) {
    const std::string qbin = dir + "/" + model + ".qbin";
    const auto c = testing::run_command(testing::tool("qconv") + " " + s + "/models/" + model + ".onnx --calib " + dir +
                                        "/x.npy -o " + qbin);
    ASSERT_EQ(c.exit_code, 0) << c.output;
    expect_identical_across_isas(qbin, dir + "/x.npy", dir);
  }
}

// The other shared models: each converted with calibration from its own kind of input, run on
// another input of that kind.
TEST(IsaEquivalence, SharedOcrAndSequenceModels) {
  const std::string s = testing::shared_dir();
  if (!testing::exists(s + "/models/mini_bert.onnx")) GTEST_SKIP() << "../shared is absent: shared models not tested";
  const std::string dir = testing::temp_dir();
  const Tensor page = testing::ocr_page(), page1 = read_npy(testing::ocr_dir() + "/pages/page_001.npy");
  struct Case {
    const char* model;
    Tensor calib, input;
  };
  const Case cases[] = {
      {"ppocr/ch_PP-OCRv4_det_infer.onnx", testing::crop(page1, 64, 64, 320, 320), testing::crop(page, 96, 128, 320, 320)},
      {"ppocr/ch_PP-OCRv4_rec_infer.onnx", testing::pad_width(testing::ocr_line(3), 320),
       testing::pad_width(testing::ocr_line(2), 320)},
      {"ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx", testing::pad_width(testing::ocr_line(3), 192),
       testing::pad_width(testing::ocr_line(1), 192)},
      {"crnn_lstm.onnx", testing::ramp({1, 1, 32, 128}, 31, 7), testing::ramp({1, 1, 32, 128})},
      {"mini_bert.onnx", testing::token_ids({1, 32}, 7000), testing::token_ids({1, 32})},
  };
  int n = 0;
  for (const Case& c : cases) {
    const std::string tag = std::to_string(n++), qbin = dir + "/m" + tag + ".qbin";
    write_npy(dir + "/calib" + tag + ".npy", c.calib);
    write_npy(dir + "/x" + tag + ".npy", c.input);
    const auto r = testing::run_command(testing::tool("qconv") + " " + s + "/models/" + c.model + " --calib " + dir +
                                        "/calib" + tag + ".npy -q -o " + qbin);
    ASSERT_EQ(r.exit_code, 0) << c.model << "\n" << r.output;
    SCOPED_TRACE(c.model);
    expect_identical_across_isas(qbin, dir + "/x" + tag + ".npy", dir);
  }
}

}  // namespace qinfer
