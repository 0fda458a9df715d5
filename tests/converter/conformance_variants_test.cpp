// Variants of issue #3's op list that the ONNX node suite covers thinly: 3-D Conv (no node case)
// and its converter errors; LSTM clip and input_forget (no node case), peepholes by hand, and
// layout 1 (bidirectional, with initial states and all three outputs) against layout 0; storage
// element types (float64, ...) outside Cast are a conversion error naming the node; training-mode
// BatchNormalization with a non-default momentum, and with Y alone (still batch statistics); a
// model without inputs; graph inputs whose values decide shapes (planned per value). Each model is converted with --no-quantize and compared with the
// reference kernels, computed here from the ONNX attributes.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <limits>
#include <map>

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

namespace {

float sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }

// One-step LSTM, I = H = 1, batch 1: x = 1, W = [2, 1, 3, 4] (gates i, o, f, c), R = 0, no bias,
// h0 = 0, c0 = 0.5 (initial states as constants), attributes and peepholes as given. Returns Y_h.
float one_step_lstm(const std::map<std::string, float>& float_attrs, const std::vector<float>& peephole) {
  onnx::ModelProto m = testing::empty_model("lstm");
  onnx::GraphProto* g = m.mutable_graph();
  testing::add_value(g->add_input(), "x", {1, 1, 1});
  testing::add_float_initializer(g, "W", {1, 4, 1}, {2, 1, 3, 4});
  testing::add_float_initializer(g, "R", {1, 4, 1}, {0, 0, 0, 0});
  testing::add_float_initializer(g, "h0", {1, 1, 1}, {0.0f});
  testing::add_float_initializer(g, "c0", {1, 1, 1}, {0.5f});
  std::vector<std::string> ins = {"x", "W", "R", "", "", "h0", "c0"};
  if (!peephole.empty()) {
    testing::add_float_initializer(g, "P", {1, 3}, peephole);
    ins.push_back("P");
  }
  onnx::NodeProto* n = testing::add_node(g, "LSTM", ins, "Y");
  n->set_output(0, "");
  n->add_output("Y_h");
  testing::set_int(n, "hidden_size", 1);
  for (const auto& [k, v] : float_attrs) {
    if (k == "input_forget") testing::set_int(n, "input_forget", static_cast<int64_t>(v));
    else testing::set_float(n, k.c_str(), v);
  }
  testing::add_value(g->add_output(), "Y_h", {1, 1, 1});
  std::string error;
  const std::string path = convert_model(m, &error);
  EXPECT_FALSE(path.empty()) << error;
  if (path.empty()) return NAN;
  Tensor x(DType::Float32, {1, 1, 1});
  x.data<float>()[0] = 1.0f;
  return Runtime(path).run({{"x", x}})[0].data<float>()[0];
}

}  // namespace

TEST(LstmVariants, ClipInputForgetAndPeepholesByHand) {
  const float c0 = 0.5f;
  {  // clip 1: every gate pre-activation (2, 1, 3, 4) becomes 1
    const float c = sigmoid(1) * c0 + sigmoid(1) * std::tanh(1.0f);
    EXPECT_NEAR(one_step_lstm({{"clip", 1.0f}}, {}), sigmoid(1) * std::tanh(c), 1e-6f);
  }
  {  // clip larger than every pre-activation: the plain cell
    const float c = sigmoid(3) * c0 + sigmoid(2) * std::tanh(4.0f);
    EXPECT_NEAR(one_step_lstm({{"clip", 10.0f}}, {}), sigmoid(1) * std::tanh(c), 1e-6f);
  }
  {  // input_forget: f = 1 - i
    const float i = sigmoid(2), c = (1 - i) * c0 + i * std::tanh(4.0f);
    EXPECT_NEAR(one_step_lstm({{"input_forget", 1.0f}}, {}), sigmoid(1) * std::tanh(c), 1e-6f);
  }
  {  // peepholes P = [i 0.1, o 0.2, f 0.3]: i and f see c0, o sees the new c
    const float i = sigmoid(2 + 0.1f * c0), f = sigmoid(3 + 0.3f * c0), c = f * c0 + i * std::tanh(4.0f);
    EXPECT_NEAR(one_step_lstm({}, {0.1f, 0.2f, 0.3f}), sigmoid(1 + 0.2f * c) * std::tanh(c), 1e-6f);
  }
}

// layout 1 (batch-major) gives the layout-0 results, transposed: X [N, T, I] vs [T, N, I],
// initial states and Y_h / Y_c [N, D, H] vs [D, N, H], Y [N, T, D, H] vs [T, D, N, H].
TEST(LstmVariants, BatchMajorLayoutMatchesTimeMajor) {
  const int64_t T = 3, N = 2, I = 4, H = 5, D = 2;
  auto build = [&](bool batch_major) {
    onnx::ModelProto m = testing::empty_model("lstm_layout");
    m.mutable_opset_import(0)->set_version(14);  // layout: LSTM-14
    onnx::GraphProto* g = m.mutable_graph();
    testing::add_value(g->add_input(), "x", batch_major ? std::vector<int64_t>{N, T, I} : std::vector<int64_t>{T, N, I});
    testing::add_value(g->add_input(), "h0", batch_major ? std::vector<int64_t>{N, D, H} : std::vector<int64_t>{D, N, H});
    testing::add_value(g->add_input(), "c0", batch_major ? std::vector<int64_t>{N, D, H} : std::vector<int64_t>{D, N, H});
    testing::add_float_initializer(g, "W", {D, 4 * H, I}, testing::ramp(D * 4 * H * I, 0.04f, -0.4f));
    testing::add_float_initializer(g, "R", {D, 4 * H, H}, testing::ramp(D * 4 * H * H, 0.03f, -0.3f));
    testing::add_float_initializer(g, "B", {D, 8 * H}, testing::ramp(D * 8 * H, 0.02f, -0.2f));
    onnx::NodeProto* n = testing::add_node(g, "LSTM", {"x", "W", "R", "B", "", "h0", "c0"}, "Y");
    n->add_output("Y_h");
    n->add_output("Y_c");
    testing::set_int(n, "hidden_size", H);
    testing::set_string(n, "direction", "bidirectional");
    if (batch_major) testing::set_int(n, "layout", 1);
    testing::add_value(g->add_output(), "Y", batch_major ? std::vector<int64_t>{N, T, D, H} : std::vector<int64_t>{T, D, N, H});
    testing::add_value(g->add_output(), "Y_h", batch_major ? std::vector<int64_t>{N, D, H} : std::vector<int64_t>{D, N, H});
    testing::add_value(g->add_output(), "Y_c", batch_major ? std::vector<int64_t>{N, D, H} : std::vector<int64_t>{D, N, H});
    std::string error;
    const std::string path = convert_model(m, &error);
    EXPECT_FALSE(path.empty()) << error;
    return path;
  };
  Tensor x0(DType::Float32, {T, N, I}), x1(DType::Float32, {N, T, I});
  Tensor h0(DType::Float32, {D, N, H}), h1(DType::Float32, {N, D, H}), c0(DType::Float32, {D, N, H}), c1(DType::Float32, {N, D, H});
  for (int64_t t = 0; t < T; ++t)
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < I; ++i)
        x0.data<float>()[(t * N + n) * I + i] = x1.data<float>()[(n * T + t) * I + i] = std::sin(float(t * 7 + n * 3 + i));
  for (int64_t d = 0; d < D; ++d)
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < H; ++k) {
        h0.data<float>()[(d * N + n) * H + k] = h1.data<float>()[(n * D + d) * H + k] = 0.1f * float(d + n - k);
        c0.data<float>()[(d * N + n) * H + k] = c1.data<float>()[(n * D + d) * H + k] = 0.2f * float(k - n - d);
      }
  const std::string p0 = build(false);
  const std::vector<Tensor> y0 = Runtime(p0).run({{"x", x0}, {"h0", h0}, {"c0", c0}});
  const std::string p1 = build(true);
  const std::vector<Tensor> y1 = Runtime(p1).run({{"x", x1}, {"h0", h1}, {"c0", c1}});
  ASSERT_EQ(y1[0].shape(), (std::vector<int64_t>{N, T, D, H}));
  ASSERT_EQ(y1[1].shape(), (std::vector<int64_t>{N, D, H}));
  for (int64_t t = 0; t < T; ++t)
    for (int64_t d = 0; d < D; ++d)
      for (int64_t n = 0; n < N; ++n)
        for (int64_t k = 0; k < H; ++k)
          EXPECT_EQ(y0[0].data<float>()[((t * D + d) * N + n) * H + k], y1[0].data<float>()[((n * T + t) * D + d) * H + k]);
  for (int out = 1; out <= 2; ++out)
    for (int64_t d = 0; d < D; ++d)
      for (int64_t n = 0; n < N; ++n)
        for (int64_t k = 0; k < H; ++k)
          EXPECT_EQ(y0[out].data<float>()[(d * N + n) * H + k], y1[out].data<float>()[(n * D + d) * H + k]);
}

TEST(StorageTypes, OnlyCastTakesThemAndTheErrorNamesTheNode) {
  onnx::ModelProto m = testing::empty_model("f64");
  onnx::GraphProto* g = m.mutable_graph();
  testing::add_value(g->add_input(), "x", {2, 3});
  g->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::DOUBLE);
  onnx::NodeProto* c = testing::add_node(g, "Cast", {"x"}, "h");
  testing::set_int(c, "to", onnx::TensorProto::FLOAT16);
  testing::add_node(g, "Relu", {"h"}, "y");
  testing::add_value(g->add_output(), "y", {2, 3});
  g->mutable_output(0)->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT16);
  std::string error;
  EXPECT_TRUE(convert_model(m, &error).empty());
  EXPECT_NE(error.find("node 'y_node' (Relu)"), std::string::npos) << error;
  EXPECT_NE(error.find("element type float16 is not supported here"), std::string::npos) << error;

  // Without the Relu: float64 in, float16 out, correctly rounded.
  g->mutable_node()->RemoveLast();
  g->mutable_node(0)->set_output(0, "y");
  const std::string path = convert_model(m, &error);
  ASSERT_FALSE(path.empty()) << error;
  Tensor x(DType::Float64, {2, 3});
  const double values[6] = {1.0, -2.0, 65504.0, 65520.0, 1.0 + 1.0 / 2048 + 1e-12, 5.960464477539063e-08};
  for (int i = 0; i < 6; ++i) x.data<double>()[i] = values[i];
  const Tensor y = Runtime(path).run({{"x", x}})[0];
  ASSERT_EQ(y.dtype(), DType::Float16);
  const uint16_t* h = static_cast<const uint16_t*>(y.raw_data());
  EXPECT_EQ(std::vector<uint16_t>(h, h + 6), (std::vector<uint16_t>{0x3c00, 0xc000, 0x7bff, 0x7c00, 0x3c01, 0x0001}));
}

TEST(BatchNormTraining, BatchStatisticsAndMomentum) {
  const int64_t N = 2, C = 2, W = 3;
  const std::vector<float> scale = {1.5f, -0.5f}, bias = {0.25f, 1.0f}, mean = {10.0f, -10.0f}, var = {4.0f, 9.0f};
  for (bool all_outputs : {true, false}) {
    onnx::ModelProto m = testing::empty_model("bn");
    m.mutable_opset_import(0)->set_version(15);
    onnx::GraphProto* g = m.mutable_graph();
    testing::add_value(g->add_input(), "x", {N, C, W});
    testing::add_float_initializer(g, "s", {C}, scale);
    testing::add_float_initializer(g, "b", {C}, bias);
    testing::add_float_initializer(g, "m", {C}, mean);
    testing::add_float_initializer(g, "v", {C}, var);
    onnx::NodeProto* n = testing::add_node(g, "BatchNormalization", {"x", "s", "b", "m", "v"}, "y");
    testing::set_int(n, "training_mode", 1);
    testing::set_float(n, "momentum", 0.75f);
    testing::set_float(n, "epsilon", 0.5f);
    testing::add_value(g->add_output(), "y", {N, C, W});
    if (all_outputs) {
      n->add_output("rm");
      n->add_output("rv");
      testing::add_value(g->add_output(), "rm", {C});
      testing::add_value(g->add_output(), "rv", {C});
    }
    std::string error;
    const std::string path = convert_model(m, &error);
    ASSERT_FALSE(path.empty()) << error;
    Tensor x(DType::Float32, {N, C, W});
    for (int64_t i = 0; i < N * C * W; ++i) x.data<float>()[i] = float(i * i % 7) - 2.0f;
    const std::vector<Tensor> y = Runtime(path).run({{"x", x}});
    ASSERT_EQ(y.size(), all_outputs ? 3u : 1u);
    for (int64_t c = 0; c < C; ++c) {
      double sum = 0, sq = 0;
      for (int64_t k = 0; k < N; ++k)
        for (int64_t w = 0; w < W; ++w) sum += x.data<float>()[(k * C + c) * W + w];
      const double bm = sum / (N * W);
      for (int64_t k = 0; k < N; ++k)
        for (int64_t w = 0; w < W; ++w) sq += std::pow(x.data<float>()[(k * C + c) * W + w] - bm, 2);
      const double bv = sq / (N * W);  // biased, as numpy's var
      for (int64_t k = 0; k < N; ++k)
        for (int64_t w = 0; w < W; ++w) {
          const int64_t i = (k * C + c) * W + w;
          EXPECT_NEAR(y[0].data<float>()[i], scale[c] * (x.data<float>()[i] - bm) / std::sqrt(bv + 0.5) + bias[c], 1e-5);
        }
      if (all_outputs) {
        EXPECT_NEAR(y[1].data<float>()[c], mean[c] * 0.75 + bm * 0.25, 1e-5);
        EXPECT_NEAR(y[2].data<float>()[c], var[c] * 0.75 + bv * 0.25, 1e-5);
      }
    }
  }
}

// No graph inputs: a constant output and one computed from constants (Add of two initializers).
TEST(NoInputs, ConstantAndComputedOutputs) {
  onnx::ModelProto m = testing::empty_model("const");
  onnx::GraphProto* g = m.mutable_graph();
  testing::add_float_initializer(g, "a", {2}, {1.5f, -2.0f});
  testing::add_float_initializer(g, "b", {2}, {0.25f, 4.0f});
  testing::add_node(g, "Add", {"a", "b"}, "sum");
  testing::add_node(g, "Identity", {"a"}, "copy");
  testing::add_value(g->add_output(), "sum", {2});
  testing::add_value(g->add_output(), "copy", {2});
  std::string error;
  const std::string path = convert_model(m, &error);
  ASSERT_FALSE(path.empty()) << error;
  Runtime rt(path);
  EXPECT_TRUE(rt.inputs().empty());
  const std::vector<Tensor> y = rt.run(std::map<std::string, Tensor>{});
  ASSERT_EQ(y.size(), 2u);
  EXPECT_EQ(std::vector<float>(y[0].data<float>(), y[0].data<float>() + 2), (std::vector<float>{1.75f, 2.0f}));
  EXPECT_EQ(std::vector<float>(y[1].data<float>(), y[1].data<float>() + 2), (std::vector<float>{1.5f, -2.0f}));
}

// ConstantOfShape(shape) and Reshape(x, shape) with `shape` a graph input: each distinct value is
// planned once, and the same Runtime serves several values.
TEST(RunTimeShapeValues, ConstantOfShapeAndReshapeFollowTheInputValues) {
  onnx::ModelProto m = testing::empty_model("values");
  onnx::GraphProto* g = m.mutable_graph();
  testing::add_value(g->add_input(), "shape", {2});
  g->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::INT64);
  testing::add_value(g->add_input(), "x", {2, 6});
  onnx::NodeProto* c = testing::add_node(g, "ConstantOfShape", {"shape"}, "filled");
  onnx::AttributeProto* a = c->add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  a->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
  a->mutable_t()->add_dims(1);
  a->mutable_t()->add_float_data(2.5f);
  testing::add_node(g, "Reshape", {"x", "shape"}, "reshaped");
  for (const char* name : {"filled", "reshaped"}) {  // rank 2, dims symbolic
    testing::add_value(g->add_output(), name, {1, 1});
    auto* shape = g->mutable_output(g->output_size() - 1)->mutable_type()->mutable_tensor_type()->mutable_shape();
    shape->mutable_dim(0)->set_dim_param(std::string(name) + "_a");
    shape->mutable_dim(1)->set_dim_param(std::string(name) + "_b");
  }
  std::string error;
  const std::string path = convert_model(m, &error);
  ASSERT_FALSE(path.empty()) << error;
  Runtime rt(path);
  Tensor x(DType::Float32, {2, 6});
  for (int i = 0; i < 12; ++i) x.data<float>()[i] = float(i);
  for (const std::vector<int64_t>& dims : {std::vector<int64_t>{3, 4}, std::vector<int64_t>{6, 2}, std::vector<int64_t>{3, 4}}) {
    Tensor shape(DType::Int64, {2});
    shape.data<int64_t>()[0] = dims[0], shape.data<int64_t>()[1] = dims[1];
    const std::vector<Tensor> y = rt.run({{"shape", shape}, {"x", x}});
    ASSERT_EQ(y[0].shape(), dims);
    for (int64_t i = 0; i < y[0].element_count(); ++i) ASSERT_EQ(y[0].data<float>()[i], 2.5f);
    ASSERT_EQ(y[1].shape(), dims);
    for (int i = 0; i < 12; ++i) ASSERT_EQ(y[1].data<float>()[i], float(i));
  }
}

}  // namespace qinfer
