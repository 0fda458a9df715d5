// qconv's scheme options change what the qbin holds: --per-tensor gives every Conv/Gemm one
// weight scale, --reduce-range keeps weights in [-63, 63], --symmetric centres every activation's
// zero point; and the default keeps per-channel scales and calibrated zero points.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "test_support.h"

namespace qinfer {

namespace {
struct Summary {
  bool weight_scales_per_tensor = true;   // every int8 weight has one distinct scale
  std::set<int64_t> activation_zero_points;
  int weights = 0;
};

Summary convert_and_inspect(const std::string& flags) {
  const std::string data = testing::source_dir() + "/examples/mnist/data", dir = testing::temp_dir();
  const auto c = testing::run_command(testing::tool("qconv") + " " + data + "/mnist_cnn.onnx --calib " + data +
                                      "/calib_images.npy -q -o " + dir + "/m.qbin " + flags);
  EXPECT_EQ(c.exit_code, 0) << c.output;
  const auto info = testing::run_command(testing::tool("qinfo") + " --json " + dir + "/m.qbin");
  EXPECT_EQ(info.exit_code, 0) << info.output;
  const nlohmann::json j = nlohmann::json::parse(info.output);
  Summary s;
  for (const auto& t : j.at("tensors")) {
    if (!t.contains("quantization")) continue;
    const auto& q = t.at("quantization");
    if (t.at("dtype") == "int8" && t.contains("constant_bytes")) {
      ++s.weights;
      const std::set<double> scales(q.at("scale").begin(), q.at("scale").end());
      s.weight_scales_per_tensor = s.weight_scales_per_tensor && scales.size() == 1;
    } else if (t.at("dtype") == "uint8") {
      s.activation_zero_points.insert(q.at("zero_point").at(0).get<int64_t>());
    }
  }
  return s;
}
}  // namespace

TEST(QuantizeScheme, DefaultIsPerChannelWithCalibratedZeroPoints) {
  const Summary s = convert_and_inspect("");
  EXPECT_GT(s.weights, 0);
  EXPECT_FALSE(s.weight_scales_per_tensor);
  EXPECT_GT(s.activation_zero_points.size(), 1u);
}

TEST(QuantizeScheme, PerTensorAndSymmetric) {
  const Summary s = convert_and_inspect("--per-tensor --symmetric");
  EXPECT_GT(s.weights, 0);
  EXPECT_TRUE(s.weight_scales_per_tensor);
  for (int64_t zp : s.activation_zero_points) EXPECT_TRUE(zp == 127 || zp == 128) << zp;
}

TEST(QuantizeScheme, ReduceRangeKeepsWeightsIn7Bits) {
  // qinfo --json lists weight scales, not values: with 63 levels instead of 127, every scale is
  // 127/63 times the default one (amax / 63 vs amax / 127).
  const auto scales = [](const std::string& flags) {
    const std::string data = testing::source_dir() + "/examples/mnist/data", dir = testing::temp_dir();
    const auto c = testing::run_command(testing::tool("qconv") + " " + data + "/mnist_cnn.onnx --calib " + data +
                                        "/calib_images.npy -q -o " + dir + "/m.qbin " + flags);
    EXPECT_EQ(c.exit_code, 0) << c.output;
    const nlohmann::json j = nlohmann::json::parse(testing::run_command(testing::tool("qinfo") + " --json " + dir + "/m.qbin").output);
    std::vector<double> out;
    for (const auto& t : j.at("tensors"))
      if (t.at("dtype") == "int8" && t.contains("constant_bytes") && t.contains("quantization"))
        for (const auto& v : t.at("quantization").at("scale")) out.push_back(v.get<double>());
    return out;
  };
  const std::vector<double> full = scales(""), reduced = scales("--reduce-range");
  ASSERT_EQ(full.size(), reduced.size());
  ASSERT_FALSE(full.empty());
  for (size_t i = 0; i < full.size(); ++i) EXPECT_NEAR(reduced[i] / full[i], 127.0 / 63.0, 1e-3) << i;
}

}  // namespace qinfer
