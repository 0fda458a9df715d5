// Mixed precision: --keep-fp32 keeps named nodes out of int8 (checked in the written qbin through
// the runtime), bad names are errors that write nothing, and --auto-fallback reaches its target
// on the held-out samples (re-measured here independently) or fails with a clear message.
#include <gtest/gtest.h>

#include <cmath>

#include "error_report.h"
#include "report_models.h"

namespace qinfer {

namespace {

ConvertOptions options_for(const std::string& onnx, const std::string& calib, const std::string& out) {
  ConvertOptions o;
  o.onnx_path = onnx;
  o.calib_path = calib;
  o.output_path = out;
  return o;
}

}  // namespace

TEST(MixedPrecision, KeepFp32RemovesTheNodesFromInt8) {
  const std::string dir = testing::temp_dir();
  ConvertOptions o = options_for(testing::small_residual_cnn(dir), testing::small_cnn_calib(dir, 8), dir + "/m.qbin");
  const Tensor x = sample_rows(read_npy(o.calib_path), 0, 1);
  convert(o);
  const auto all = testing::node_precision(o.output_path, x);
  ASSERT_TRUE(all.int8.count("conv_b") && all.int8.count("fc")) << "both run int8 without --keep-fp32";
  o.keep_fp32 = {"conv_b", "fc"};
  o.report = true;
  const ConvertSummary s = convert(o);
  const auto mixed = testing::node_precision(o.output_path, x);
  EXPECT_TRUE(mixed.fp32.count("conv_b") && mixed.fp32.count("fc"));
  EXPECT_FALSE(mixed.int8.count("conv_b") || mixed.int8.count("fc"));
  std::set<std::string> expected_int8 = all.int8;
  expected_int8.erase("conv_b"), expected_int8.erase("fc");
  EXPECT_EQ(mixed.int8, expected_int8) << "other nodes keep their int8 kernels";
  EXPECT_EQ(s.kept_fp32, (std::vector<std::string>{"conv_b", "fc"}));
  for (const LayerError& e : s.report.layers) EXPECT_TRUE(e.node != "conv_b" && e.node != "fc") << e.node;
  EXPECT_EQ(Runtime(o.output_path).metadata().at("fp32_fallback"), "conv_b,fc");
}

TEST(MixedPrecision, BadNodeNamesAreErrorsAndWriteNothing) {
  const std::string dir = testing::temp_dir();
  ConvertOptions o = options_for(testing::small_residual_cnn(dir), testing::small_cnn_calib(dir, 8), dir + "/m.qbin");
  o.keep_fp32 = {"conv_b", "no_such_node"};
  std::string e = testing::convert_error(o);
  EXPECT_NE(e.find("--keep-fp32 node 'no_such_node' does not exist"), std::string::npos) << e;
  EXPECT_NE(e.find("residual.onnx"), std::string::npos) << e;
  o.keep_fp32 = {"relu_a"};  // fused into conv_a by the graph passes
  e = testing::convert_error(o);
  EXPECT_NE(e.find("'relu_a' was folded into another node"), std::string::npos) << e;
  EXPECT_FALSE(testing::exists(o.output_path));
  const std::string d = testing::source_dir() + "/examples/mnist/data";
  const auto r = testing::run_command(testing::tool("qconv") + " " + d + "/mnist_cnn.onnx --calib " + d +
                                      "/calib_images.npy -o " + dir + "/c.qbin --keep-fp32 /fc2/Gemm,/nope");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("'/nope' does not exist"), std::string::npos) << r.output;
  EXPECT_FALSE(testing::exists(dir + "/c.qbin"));
}

// MNIST (shipped): a target between the all-int8 cosine and 1 needs at least one layer in fp32;
// the written model meets it on the held-out quarter, and the kept layers run fp32.
TEST(MixedPrecision, AutoFallbackReachesItsTargetOnMnist) {
  const std::string dir = testing::temp_dir();
  const std::string d = testing::source_dir() + "/examples/mnist/data";
  ConvertOptions o = options_for(d + "/mnist_cnn.onnx", d + "/calib_images.npy", dir + "/m.qbin");
  o.auto_fallback = true;
  o.target_cosine = -0.5;  // met by the all-int8 model: nothing kept
  const ConvertSummary easy = convert(o);
  ASSERT_TRUE(easy.fallback.ran);
  EXPECT_TRUE(easy.fallback.kept.empty());
  const double all_int8 = easy.fallback.cosine_all_int8;
  ASSERT_LT(all_int8, 1.0);

  o.target_cosine = 1.0 - (1.0 - all_int8) / 2;  // halve the error
  const ConvertSummary s = convert(o);
  ASSERT_FALSE(s.fallback.kept.empty());
  EXPECT_EQ(s.fallback.kept.size(), s.fallback.cosine_after.size());
  EXPECT_GE(s.fallback.cosine_after.back(), o.target_cosine);
  EXPECT_GT(s.fallback.ms_all_int8, 0.0);
  EXPECT_GT(s.fallback.ms_mixed, 0.0);
  const Tensor calib = read_npy(o.calib_path);
  const int64_t held = calib.shape()[0] / 4;
  EXPECT_EQ(s.fallback.held_out_samples, held);
  ConvertOptions f;
  f.onnx_path = o.onnx_path, f.quantize = false, f.output_path = dir + "/f.qbin";
  convert(f);
  const Tensor held_out = sample_rows(calib, calib.shape()[0] - held, held);
  EXPECT_GE(testing::mean_output_cosine(o.output_path, f.output_path, held_out), o.target_cosine - 1e-9);
  const auto p = testing::node_precision(o.output_path, sample_rows(calib, 0, 1));
  for (const std::string& k : s.fallback.kept) EXPECT_TRUE(p.fp32.count(k) && !p.int8.count(k)) << k;

  o.target_cosine = 1.0;  // exact fp32 output with one layer fp32 and the others int8: impossible
  o.max_fallback = 1;
  const std::string e = testing::convert_error(o);
  EXPECT_NE(e.find("--target-cosine 1.000000000 not reached"), std::string::npos) << e;
  EXPECT_NE(e.find("--max-fallback 1"), std::string::npos) << e;
}

TEST(MixedPrecision, AutoFallbackOnSmallCnnKeepsLayersUntilTheTarget) {
  const std::string dir = testing::temp_dir();
  ConvertOptions o = options_for(testing::small_residual_cnn(dir), testing::small_cnn_calib(dir, 8), dir + "/m.qbin");
  o.auto_fallback = true;
  o.target_cosine = 0.999999999;
  o.max_fallback = 100;
  const ConvertSummary s = convert(o);
  ASSERT_TRUE(s.fallback.ran);
  EXPECT_EQ(s.fallback.held_out_samples, 2);
  ASSERT_FALSE(s.fallback.kept.empty());
  EXPECT_GE(s.fallback.cosine_after.back(), o.target_cosine);
  for (size_t i = 0; i + 1 < s.fallback.cosine_after.size(); ++i)
    EXPECT_LT(s.fallback.cosine_after[i], o.target_cosine) << "it stops at the first layer count that meets the target";
  o.calib_path = testing::small_cnn_calib(testing::temp_dir(), 1);
  EXPECT_NE(testing::convert_error(o).find("needs at least 2 samples"), std::string::npos);
}

}  // namespace qinfer
