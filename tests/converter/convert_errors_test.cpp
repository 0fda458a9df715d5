// qconv output handling: failures never leave a partial or damaged output; success runs.
// (Error messages for bad inputs are in bad_input_catalogue_test.cpp.)
#include <gtest/gtest.h>

#include "converter/onnx_builder.h"
#include "qinfer/npy.h"
#include "test_support.h"

namespace qinfer {

namespace {
std::string qconv() { return testing::tool("qconv"); }
}  // namespace

TEST(Qconv, FailureKeepsAnExistingOutputIntact) {
  const std::string dir = testing::temp_dir();
  testing::save(testing::conv_then("Sin"), dir + "/sin.onnx");
  { std::ofstream(dir + "/out.qbin") << "previous model"; }
  const auto r = testing::run_command(qconv() + " " + dir + "/sin.onnx --no-quantize -o " + dir + "/out.qbin");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(testing::read_text(dir + "/out.qbin"), "previous model");
  // No temporary files are left behind either.
  const auto ls = testing::run_command("ls -A " + dir);
  EXPECT_EQ(ls.output, "out.qbin\nsin.onnx\n");
}

TEST(Qconv, WriterFailingMidwayLeavesNoFileAndKeepsTheOldOne) {
  const std::string dir = testing::temp_dir();
  testing::save(testing::conv_then("Relu"), dir + "/relu.onnx");
  const std::string cmd = qconv() + " " + dir + "/relu.onnx --no-quantize -o " + dir + "/out.qbin";
  // No previous output: nothing may appear.
  auto r = testing::run_command("QINFER_FAULT_WRITE_AFTER_BYTES=100 " + cmd);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("No space left on device"), std::string::npos) << r.output;
  EXPECT_EQ(testing::run_command("ls -A " + dir).output, "relu.onnx\n");
  // A previous output stays byte for byte.
  { std::ofstream(dir + "/out.qbin") << "previous model"; }
  r = testing::run_command("QINFER_FAULT_WRITE_AFTER_BYTES=100 " + cmd);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(testing::read_text(dir + "/out.qbin"), "previous model");
  EXPECT_EQ(testing::run_command("ls -A " + dir).output, "out.qbin\nrelu.onnx\n");
  // Without the fault the same command succeeds and replaces it.
  r = testing::run_command(cmd);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(testing::read_text(dir + "/out.qbin"), "previous model");
}

TEST(Qconv, ConvertsAndRunsASupportedModel) {
  const std::string dir = testing::temp_dir();
  testing::save(testing::conv_then("Relu"), dir + "/relu.onnx");
  Tensor calib(DType::Float32, {3, 1, 4, 4});
  for (int64_t i = 0; i < calib.element_count(); ++i) calib.data<float>()[i] = static_cast<float>(i % 11) - 5.0f;
  write_npy(dir + "/calib.npy", calib);
  const auto r = testing::run_command(qconv() + " " + dir + "/relu.onnx --calib " + dir + "/calib.npy -o " + dir + "/m.qbin");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto run = testing::run_command(testing::tool("qrun") + " " + dir + "/m.qbin --input " + dir + "/calib.npy --output " + dir + "/y.npy");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const Tensor y = read_npy(dir + "/y.npy");
  ASSERT_EQ(y.shape(), (std::vector<int64_t>{3, 2, 4, 4}));
  // y = relu(0.5 x) and relu(-x). Error bound: half an input step (range 10 -> 10/255) times
  // |w| <= 1, plus half an output step (range 5 -> 5/255).
  const float tolerance = 0.5f * 10.0f / 255.0f + 0.5f * 5.0f / 255.0f + 1e-5f;
  for (int64_t n = 0; n < 3; ++n)
    for (int64_t i = 0; i < 16; ++i) {
      const float x = calib.data<float>()[n * 16 + i];
      EXPECT_NEAR(y.data<float>()[(n * 2 + 0) * 16 + i], std::max(0.5f * x, 0.0f), tolerance);
      EXPECT_NEAR(y.data<float>()[(n * 2 + 1) * 16 + i], std::max(-x, 0.0f), tolerance);
    }
}

}  // namespace qinfer
