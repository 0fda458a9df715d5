// The per-layer error report (qconv --report / --report-json / --report-html) on a CNN built here
// and on the shipped MNIST model: every int8 node of the written qbin is listed, the numbers are
// sane, the JSON parses, the HTML is self-contained, and the pieces (SQNR, dequantization of NHWC
// tensors) agree with a direct computation.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "error_report.h"
#include "report_models.h"

namespace qinfer {

namespace {

ConvertOptions report_options(const std::string& onnx, const std::string& calib, const std::string& dir) {
  ConvertOptions o;
  o.onnx_path = onnx;
  o.calib_path = calib;
  o.output_path = dir + "/m.qbin";
  o.report = true;
  o.report_json_path = dir + "/report.json";
  o.report_html_path = dir + "/report.html";
  o.report_samples = 3;
  return o;
}

void expect_sane(const ErrorReport& r, const std::set<std::string>& int8_nodes) {
  std::set<std::string> listed;
  for (const LayerError& e : r.layers) {
    listed.insert(e.node);
    for (double c : {e.cosine, e.alone_cosine, e.alone_output_cosine}) {
      EXPECT_GE(c, -1.0) << e.node;
      EXPECT_LE(c, 1.0) << e.node;
    }
    for (double db : {e.sqnr_db, e.alone_sqnr_db}) {
      EXPECT_TRUE(std::isfinite(db)) << e.node;
      EXPECT_LE(std::fabs(db), kSqnrCapDb) << e.node;
    }
    EXPECT_FALSE(e.tensor.empty()) << e.node;
  }
  EXPECT_EQ(listed, int8_nodes) << "the report must list exactly the int8 nodes of the written qbin";
  EXPECT_EQ(listed.size(), r.layers.size()) << "a node listed twice";
  for (size_t i = 1; i < r.layers.size(); ++i)
    EXPECT_LE(r.layers[i - 1].alone_output_cosine, r.layers[i].alone_output_cosine) << "worst first";
  EXPECT_GE(r.output_cosine, -1.0);
  EXPECT_LE(r.output_cosine, 1.0);
}

void expect_files_match(const ErrorReport& r, const std::string& dir) {
  const nlohmann::json j = nlohmann::json::parse(testing::read_text(dir + "/report.json"));  // throws if invalid
  ASSERT_EQ(j.at("layers").size(), r.layers.size());
  for (size_t i = 0; i < r.layers.size(); ++i) {
    EXPECT_EQ(j["layers"][i]["node"], r.layers[i].node);
    EXPECT_DOUBLE_EQ(j["layers"][i]["full"]["sqnr_db"].get<double>(), r.layers[i].sqnr_db);
  }
  const std::string html = testing::read_text(dir + "/report.html");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos) << "the page must not need scripts";
  EXPECT_EQ(html.find("http://", html.find("</svg>")), std::string::npos) << "no external resources";
  ASSERT_FALSE(r.layers.empty());
  EXPECT_NE(html.find("Worst layer: <b>" + r.layers[0].node + "</b>"), std::string::npos);
}

}  // namespace

TEST(ErrorReport, SmallCnnListsEveryInt8LayerWithSaneNumbers) {
  const std::string dir = testing::temp_dir();
  const ConvertOptions o = report_options(testing::small_residual_cnn(dir), testing::small_cnn_calib(dir, 8), dir);
  const ConvertSummary s = convert(o);
  const auto p = testing::node_precision(o.output_path, sample_rows(read_npy(o.calib_path), 0, 1));
  ASSERT_GE(p.int8.size(), 4u) << "the model should be mostly int8";
  expect_sane(s.report, p.int8);
  EXPECT_EQ(s.report.samples, 3);
  expect_files_match(s.report, dir);
  // The first int8 layer reads the same quantized graph input either way: identical error.
  for (const LayerError& e : s.report.layers)
    if (e.node == "conv_a") EXPECT_NEAR(e.sqnr_db, e.alone_sqnr_db, 1e-9);
}

TEST(ErrorReport, MnistListsEveryInt8Layer) {
  const std::string dir = testing::temp_dir();
  const std::string d = testing::source_dir() + "/examples/mnist/data";
  const ConvertOptions o = report_options(d + "/mnist_cnn.onnx", d + "/calib_images.npy", dir);
  const ConvertSummary s = convert(o);
  const auto p = testing::node_precision(o.output_path, sample_rows(read_npy(o.calib_path), 0, 1));
  expect_sane(s.report, p.int8);
  expect_files_match(s.report, dir);
  EXPECT_GT(s.report.output_cosine, 0.99) << "MNIST int8 is known to stay close to fp32";
  // Close to fp32 everywhere: a layer read back in the wrong order (NHWC vs NCHW) would not be.
  for (const LayerError& e : s.report.layers) EXPECT_GT(e.cosine, 0.99) << e.node;
}

TEST(ErrorReport, SqnrAndCosineFromSums) {
  ErrorSums s;
  const float f[] = {1.0f, -2.0f, 3.0f}, q[] = {1.0f, -2.0f, 2.0f};
  for (int i = 0; i < 3; ++i)
    s.signal += f[i] * f[i], s.noise += (f[i] - q[i]) * (f[i] - q[i]), s.dot += f[i] * q[i], s.ff += f[i] * f[i],
        s.qq += q[i] * q[i];
  EXPECT_NEAR(s.sqnr_db(), 10.0 * std::log10(14.0 / 1.0), 1e-12);
  EXPECT_NEAR(s.cosine(), 11.0 / std::sqrt(14.0 * 9.0), 1e-12);
  ErrorSums exact;
  exact.signal = exact.ff = exact.qq = exact.dot = 4.0;
  EXPECT_EQ(exact.sqnr_db(), kSqnrCapDb);
  EXPECT_EQ(ErrorSums{}.sqnr_db(), kSqnrCapDb) << "all-zero tensors match exactly";
  EXPECT_EQ(ErrorSums{}.cosine(), 1.0);
  EXPECT_EQ(cosine_of(f, f, 3), 1.0);
}

TEST(ErrorReport, QconvPrintsTheTableAndKeepsHelpComplete) {
  const std::string dir = testing::temp_dir();
  const std::string d = testing::source_dir() + "/examples/mnist/data";
  const auto r = testing::run_command(testing::tool("qconv") + " " + d + "/mnist_cnn.onnx --calib " + d +
                                      "/calib_images.npy -o " + dir + "/m.qbin --report --report-samples 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("per-layer int8 error of mnist_cnn.onnx on 2 calibration samples"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("/fc2/Gemm"), std::string::npos) << r.output;
  const auto help = testing::run_command(testing::tool("qconv") + " --help");
  for (const char* flag : {"--report", "--report-json", "--report-html", "--report-samples", "--keep-fp32",
                           "--auto-fallback", "--target-cosine", "--max-fallback"})
    EXPECT_NE(help.output.find(flag), std::string::npos) << flag;
}

}  // namespace qinfer
