// Variants of issue #3's op list that the ONNX node suite covers thinly: 3-D Conv (no node case)
// and its converter errors. Each model is converted with --no-quantize and compared with the
// reference kernels, computed here from the ONNX attributes.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <limits>

#include "converter/onnx_builder.h"
#include "qinfer/converter.h"
#include "qinfer/npy.h"
#include "qinfer/runtime.h"
#include "reference/window_nd.h"
#include "test_support.h"

namespace qinfer {

namespace {

// Converts `m` (fp32) and returns the qbin path, or the conversion error in *error.
// `calib`: quantize with this calibration batch.
std::string convert_model(const onnx::ModelProto& m, std::string* error, const Tensor* calib = nullptr) {
  const std::string dir = testing::temp_dir();
  testing::save(m, dir + "/m.onnx");
  ConvertOptions o;
  o.onnx_path = dir + "/m.onnx";
  o.output_path = dir + "/m.qbin";
  o.quantize = calib != nullptr;
  if (calib) write_npy(o.calib_path = dir + "/calib.npy", *calib);
  try {
    convert(o);
  } catch (const Error& e) {
    *error = e.what();
    return "";
  }
  return o.output_path;
}

}  // namespace

// Conv over a volume: group 2, bias, per-axis strides, pads and dilations, fused Relu.
TEST(VolumeVariants, Conv3DMatchesTheReference) {
  onnx::ModelProto m = testing::empty_model("conv3d");
  onnx::GraphProto* g = m.mutable_graph();
  testing::add_value(g->add_input(), "x", {1, 4, 5, 6, 7});
  const std::vector<float> w = testing::ramp(4 * 2 * 2 * 3 * 2, 0.05f, -0.5f), b = {0.1f, -0.2f, 0.3f, -0.4f};
  testing::add_float_initializer(g, "w", {4, 2, 2, 3, 2}, w);
  testing::add_float_initializer(g, "b", {4}, b);
  onnx::NodeProto* n = testing::add_node(g, "Conv", {"x", "w", "b"}, "c");
  testing::set_int(n, "group", 2);
  testing::set_ints(n, "strides", {1, 2, 3});
  testing::set_ints(n, "pads", {1, 0, 1, 0, 2, 1});
  testing::set_ints(n, "dilations", {2, 1, 1});
  testing::add_node(g, "Relu", {"c"}, "y");
  // D: (5 + 1 - 3) / 1 + 1 = 4; H: (6 + 2 - 3) / 2 + 1 = 3; W: (7 + 2 - 2) / 3 + 1 = 3.
  testing::add_value(g->add_output(), "y", {1, 4, 4, 3, 3});
  std::string error;
  const std::string path = convert_model(m, &error);
  ASSERT_FALSE(path.empty()) << error;
  Tensor x(DType::Float32, {1, 4, 5, 6, 7});
  for (int64_t i = 0; i < x.element_count(); ++i) x.data<float>()[i] = std::sin(0.37f * float(i));
  Runtime rt(path);
  const std::vector<Tensor> y = rt.run({{"x", x}});
  ASSERT_EQ(y[0].shape(), (std::vector<int64_t>{1, 4, 4, 3, 3}));

  ref::WindowGeometryNd geo;
  geo.rank = 3, geo.in_c = 4, geo.out_c = 4, geo.groups = 2;
  const int64_t in[3] = {5, 6, 7}, out[3] = {4, 3, 3}, k[3] = {2, 3, 2}, s[3] = {1, 2, 3}, p[3] = {1, 0, 1}, d[3] = {2, 1, 1};
  for (int a = 0; a < 3; ++a)
    geo.in[a] = in[a], geo.out[a] = out[a], geo.kernel[a] = k[a], geo.stride[a] = s[a], geo.pad_begin[a] = p[a], geo.dilation[a] = d[a];
  std::vector<float> want(static_cast<size_t>(y[0].element_count()));
  ref::conv_nd_f32(geo, x.data<float>(), w.data(), b.data(), 0.0f, std::numeric_limits<float>::infinity(), want.data(), 0, geo.planes());
  for (size_t i = 0; i < want.size(); ++i) ASSERT_FLOAT_EQ(y[0].data<float>()[i], want[i]) << i;

  // Quantizing leaves the volume Conv in fp32 (the int8 Conv is 2-D): the model still converts.
  const std::string quantized = convert_model(m, &error, &x);
  ASSERT_FALSE(quantized.empty()) << error;
  const std::vector<Tensor> yq = Runtime(quantized).run({{"x", x}});
  for (size_t i = 0; i < want.size(); ++i) ASSERT_FLOAT_EQ(yq[0].data<float>()[i], want[i]) << i;
}

TEST(VolumeVariants, FourSpatialDimsNameTheNode) {
  onnx::ModelProto m = testing::empty_model("conv4d");
  onnx::GraphProto* g = m.mutable_graph();
  testing::add_value(g->add_input(), "x", {1, 1, 3, 3, 3, 3});
  testing::add_float_initializer(g, "w", {1, 1, 1, 1, 1, 1}, {1.0f});
  testing::add_node(g, "Conv", {"x", "w"}, "y");
  testing::add_value(g->add_output(), "y", {1, 1, 3, 3, 3, 3});
  std::string error;
  EXPECT_TRUE(convert_model(m, &error).empty());
  EXPECT_NE(error.find("y_node"), std::string::npos) << error;
  EXPECT_NE(error.find("only 1-D, 2-D and 3-D windows are supported"), std::string::npos) << error;
}

}  // namespace qinfer
