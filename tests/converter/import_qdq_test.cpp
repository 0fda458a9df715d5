// Import of pre-quantized (QDQ) ONNX models: qconv converts them without calibration, using their
// own scales, zero points, int8 weights and int32 biases. Round trip: an int8 qbin, its
// --emit-qdq model re-imported, must give the same bytes. int8 activation pairs are shifted to
// uint8 exactly; standalone QuantizeLinear/DequantizeLinear run with the given parameters.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "onnx_builder.h"
#include "qinfer/converter.h"
#include "qinfer/error.h"
#include "qinfer/npy.h"
#include "qinfer/runtime.h"
#include "quant_math.h"
#include "test_support.h"

namespace qinfer {

namespace {

using testing::add_float_initializer;
using testing::add_value;
using testing::add_node;
using testing::ramp;
using testing::set_float;
using testing::set_int;
using testing::set_ints;

// A raw-data initializer of any integer type.
template <typename T>
void add_int_initializer(onnx::GraphProto* g, const std::string& name, int type, const std::vector<int64_t>& dims,
                         const std::vector<T>& values) {
  onnx::TensorProto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(type);
  for (int64_t d : dims) t->add_dims(d);
  t->set_raw_data(values.data(), values.size() * sizeof(T));
}

std::vector<uint8_t> bytes_of(const Tensor& t) {
  const auto* b = static_cast<const uint8_t*>(t.raw_data());
  return {b, b + t.byte_size()};
}

Tensor input_ramp(std::vector<int64_t> shape, float scale, float offset) {
  Tensor x(DType::Float32, shape);
  for (int64_t i = 0; i < x.element_count(); ++i)
    x.data<float>()[i] = std::sin(static_cast<float>(i) * 0.37f) * scale + offset;
  return x;
}

// x [1,3,9,9] -> Conv 3x3 pad 1 (4) + Relu = a -> MaxPool 2x2 = p -> Conv 1x1 (4) = c; Add(c, p) = s;
// GlobalAveragePool -> Flatten -> Gemm (transB 0, alpha 0.75) -> y [1, 5]
onnx::ModelProto small_model() {
  onnx::ModelProto m = testing::empty_model("small");
  onnx::GraphProto* g = m.mutable_graph();
  add_value(g->add_input(), "x", {1, 3, 9, 9});
  add_value(g->add_output(), "y", {1, 5});
  add_float_initializer(g, "w0", {4, 3, 3, 3}, ramp(108, 0.05f, -0.5f));
  add_float_initializer(g, "b0", {4}, {0.1f, -0.2f, 0.3f, 0.05f});
  add_float_initializer(g, "w1", {4, 4, 1, 1}, ramp(16, 0.08f, -0.9f));
  add_float_initializer(g, "b1", {4}, {-0.1f, 0.2f, 0.0f, 0.15f});
  add_float_initializer(g, "wg", {4, 5}, ramp(20, 0.1f, -1.1f));
  add_float_initializer(g, "bg", {5}, ramp(5, 0.2f, -0.4f));
  set_ints(add_node(g, "Conv", {"x", "w0", "b0"}, "c0"), "pads", {1, 1, 1, 1});
  add_node(g, "Relu", {"c0"}, "a");
  onnx::NodeProto* mp = add_node(g, "MaxPool", {"a"}, "p");
  set_ints(mp, "kernel_shape", {2, 2});
  set_ints(mp, "strides", {2, 2});
  add_node(g, "Conv", {"p", "w1", "b1"}, "c");
  add_node(g, "Add", {"c", "p"}, "s");
  add_node(g, "GlobalAveragePool", {"s"}, "gap");
  add_node(g, "Flatten", {"gap"}, "f");
  onnx::NodeProto* gemm = add_node(g, "Gemm", {"f", "wg", "bg"}, "y");
  set_float(gemm, "alpha", 0.75f);
  return m;
}

ConvertSummary convert_model(const std::string& onnx, const std::string& qbin, const std::string& calib,
                             const std::string& qdq = "") {
  ConvertOptions o;
  o.onnx_path = onnx;
  o.output_path = qbin;
  o.calib_path = calib;
  o.qdq_path = qdq;
  return convert(o);
}

}  // namespace

TEST(ImportQdq, MnistRoundTripGivesIdenticalBytes) {
  const std::string d = testing::source_dir() + "/examples/mnist/data", dir = testing::temp_dir();
  const ConvertSummary a = convert_model(d + "/mnist_cnn.onnx", dir + "/a.qbin", d + "/calib_images.npy", dir + "/a_qdq.onnx");
  const ConvertSummary b = convert_model(dir + "/a_qdq.onnx", dir + "/b.qbin", "");  // no calibration
  EXPECT_EQ(b.calib_samples, 0);
  EXPECT_EQ(b.int8_nodes, a.int8_nodes);
  EXPECT_GT(b.int8_nodes, 0);
  const Tensor all = read_npy(d + "/test_images.npy");
  const Runtime ra(dir + "/a.qbin"), rb(dir + "/b.qbin");
  const int64_t n = std::min<int64_t>(all.shape()[0], 200);
  const size_t per = static_cast<size_t>(28 * 28);
  int differing = 0;
  for (int64_t i = 0; i < n; ++i) {
    Tensor x(DType::Float32, {1, 1, 28, 28});
    std::memcpy(x.raw_data(), all.data<float>() + i * per, per * sizeof(float));
    differing += bytes_of(ra.run(x)[0]) != bytes_of(rb.run(x)[0]);
  }
  EXPECT_EQ(differing, 0) << "of " << n << " test digits";
  // The imported model exports as QDQ again, and that imports to the same bytes once more.
  convert_model(dir + "/a_qdq.onnx", "", "", dir + "/b_qdq.onnx");
  convert_model(dir + "/b_qdq.onnx", dir + "/c.qbin", "");
  const Runtime rc(dir + "/c.qbin");
  for (int64_t i = 0; i < 20; ++i) {
    Tensor x(DType::Float32, {1, 1, 28, 28});
    std::memcpy(x.raw_data(), all.data<float>() + i * per, per * sizeof(float));
    EXPECT_EQ(bytes_of(ra.run(x)[0]), bytes_of(rc.run(x)[0])) << "digit " << i;
  }
}

TEST(ImportQdq, SmallGraphRoundTripGivesIdenticalBytes) {
  const std::string dir = testing::temp_dir();
  testing::save(small_model(), dir + "/small.onnx");
  Tensor calib = input_ramp({8, 3, 9, 9}, 1.5f, 0.2f);
  write_npy(dir + "/calib.npy", calib);
  const ConvertSummary a = convert_model(dir + "/small.onnx", dir + "/a.qbin", dir + "/calib.npy", dir + "/a_qdq.onnx");
  const ConvertSummary b = convert_model(dir + "/a_qdq.onnx", dir + "/b.qbin", "");
  EXPECT_GE(a.int8_nodes, 6);  // Conv, MaxPool, Conv, Add, GlobalAveragePool, Flatten, Gemm
  EXPECT_EQ(b.int8_nodes, a.int8_nodes);
  const Runtime ra(dir + "/a.qbin"), rb(dir + "/b.qbin");
  for (int k = 0; k < 4; ++k) {
    const Tensor x = input_ramp({1, 3, 9, 9}, 1.0f + 0.4f * k, -0.1f * k);
    EXPECT_EQ(bytes_of(ra.run(x)[0]), bytes_of(rb.run(x)[0])) << "input " << k;
  }
}

namespace {
// x -> Q/DQ -> Conv 1x1 (int8 per-channel weights, int32 bias behind DQ) -> Q/DQ -> y, with
// activation pairs in `int8` (zero points zx, zy) or uint8 (zx + 128, zy + 128).
onnx::ModelProto qdq_conv(bool int8) {
  onnx::ModelProto m = testing::empty_model("qdq_conv");
  onnx::GraphProto* g = m.mutable_graph();
  add_value(g->add_input(), "x", {1, 3, 5, 5});
  add_value(g->add_output(), "y", {1, 4, 5, 5});
  const float sx = 0.02f, sy = 0.05f;
  const std::vector<float> sw = {0.01f, 0.02f, 0.005f, 0.03f};
  add_float_initializer(g, "sx", {}, {sx});
  add_float_initializer(g, "sy", {}, {sy});
  add_float_initializer(g, "sw", {4}, sw);
  std::vector<float> sb(4);
  for (size_t c = 0; c < 4; ++c) sb[c] = sx * sw[c];
  add_float_initializer(g, "sb", {4}, sb);
  const int type = int8 ? onnx::TensorProto::INT8 : onnx::TensorProto::UINT8;
  if (int8) {
    add_int_initializer<int8_t>(g, "zx", type, {}, {-3});
    add_int_initializer<int8_t>(g, "zy", type, {}, {10});
  } else {
    add_int_initializer<uint8_t>(g, "zx", type, {}, {125});
    add_int_initializer<uint8_t>(g, "zy", type, {}, {138});
  }
  std::vector<int8_t> w(12);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int8_t>(static_cast<int>((i * 53) % 255) - 127);
  add_int_initializer<int8_t>(g, "w", onnx::TensorProto::INT8, {4, 3, 1, 1}, w);
  add_int_initializer<int8_t>(g, "zw", onnx::TensorProto::INT8, {4}, {0, 0, 0, 0});
  add_int_initializer<int32_t>(g, "b", onnx::TensorProto::INT32, {4}, {100, -250, 7, 4000});
  add_int_initializer<int32_t>(g, "zb", onnx::TensorProto::INT32, {4}, {0, 0, 0, 0});
  add_node(g, "QuantizeLinear", {"x", "sx", "zx"}, "xq");
  add_node(g, "DequantizeLinear", {"xq", "sx", "zx"}, "xd");
  set_int(add_node(g, "DequantizeLinear", {"w", "sw", "zw"}, "wd"), "axis", 0);
  set_int(add_node(g, "DequantizeLinear", {"b", "sb", "zb"}, "bd"), "axis", 0);
  add_node(g, "Conv", {"xd", "wd", "bd"}, "c");
  add_node(g, "QuantizeLinear", {"c", "sy", "zy"}, "cq");
  add_node(g, "DequantizeLinear", {"cq", "sy", "zy"}, "y");
  return m;
}
}  // namespace

TEST(ImportQdq, Int8ActivationsAreShiftedExactly) {
  const std::string dir = testing::temp_dir();
  testing::save(qdq_conv(true), dir + "/s8.onnx");
  testing::save(qdq_conv(false), dir + "/u8.onnx");
  const ConvertSummary s8 = convert_model(dir + "/s8.onnx", dir + "/s8.qbin", "");
  const ConvertSummary u8 = convert_model(dir + "/u8.onnx", dir + "/u8.qbin", "");
  EXPECT_EQ(s8.int8_nodes, 1);
  EXPECT_EQ(u8.int8_nodes, 1);
  const Runtime rs(dir + "/s8.qbin"), ru(dir + "/u8.qbin");
  const Tensor x = input_ramp({1, 3, 5, 5}, 2.0f, 0.3f);
  const Tensor ys = rs.run(x)[0], yu = ru.run(x)[0];
  EXPECT_EQ(bytes_of(ys), bytes_of(yu));
  // And the int8 result is the QDQ model's meaning: Q(conv(DQ(Q(x)), DQ(w)) + DQ(b)) dequantized,
  // within one output step (the kernel requantizes in float once, the float graph rounds twice).
  const float sx = 0.02f, sy = 0.05f;
  const std::vector<float> sw = {0.01f, 0.02f, 0.005f, 0.03f};
  const int32_t bias[4] = {100, -250, 7, 4000};
  for (int c = 0; c < 4; ++c)
    for (int p = 0; p < 25; ++p) {
      double acc = bias[c] * double(sx * sw[c]);
      for (int i = 0; i < 3; ++i) {
        const int wi = static_cast<int>(((c * 3 + i) * 53) % 255) - 127;
        const float q = std::max(-128.0f, std::min(127.0f, std::nearbyint(x.data<float>()[i * 25 + p] / sx) - 3.0f));
        acc += double((q + 3.0f) * sx) * double(wi * sw[c]);
      }
      const double want = (std::max(-128.0, std::min(127.0, std::nearbyint(acc / sy) + 10.0)) - 10.0) * sy;
      EXPECT_NEAR(ys.data<float>()[c * 25 + p], want, sy * 1.01) << "channel " << c << " pixel " << p;
      // Exactly qinfer's integer arithmetic on the source's own integers and scales (re-deriving
      // the weights from their float values would give other integers: no channel reaches 127).
      int32_t acc_q = bias[c];
      for (int i = 0; i < 3; ++i) {
        const int32_t xq = qmath::quantize(x.data<float>()[i * 25 + p], sx, 125, 0, 255);
        acc_q += (xq - 125) * (static_cast<int>(((c * 3 + i) * 53) % 255) - 127);
      }
      const int32_t yq = qmath::requantize(acc_q, qmath::requant_multiplier(sx, sw[c], sy), 138, 0, 255);
      EXPECT_EQ(ys.data<float>()[c * 25 + p], qmath::dequantize(yq, sy, 138)) << "channel " << c << " pixel " << p;
    }
}

namespace {
// The same layer as qdq_conv(false) in QOperator form: x -> QuantizeLinear -> QLinearConv -> DequantizeLinear.
onnx::ModelProto qlinear_conv() {
  onnx::ModelProto m = qdq_conv(false);
  onnx::GraphProto* g = m.mutable_graph();
  g->clear_node();
  add_node(g, "QuantizeLinear", {"x", "sx", "zx"}, "xq");
  add_node(g, "QLinearConv", {"xq", "sx", "zx", "w", "sw", "zw", "sy", "zy", "b"}, "cq");
  add_node(g, "DequantizeLinear", {"cq", "sy", "zy"}, "y");
  return m;
}
}  // namespace

TEST(ImportQdq, QLinearConvRunsOnTheInt8ConvLikeItsQdqForm) {
  const std::string dir = testing::temp_dir();
  testing::save(qlinear_conv(), dir + "/qop.onnx");
  testing::save(qdq_conv(false), dir + "/qdq.onnx");
  const ConvertSummary a = convert_model(dir + "/qop.onnx", dir + "/qop.qbin", "");
  const ConvertSummary b = convert_model(dir + "/qdq.onnx", dir + "/qdq.qbin", "");
  EXPECT_EQ(a.int8_nodes, 1);
  EXPECT_EQ(b.int8_nodes, 1);
  const Runtime ra(dir + "/qop.qbin"), rb(dir + "/qdq.qbin");
  for (int k = 0; k < 3; ++k) {
    const Tensor x = input_ramp({1, 3, 5, 5}, 1.0f + k, 0.2f * k);
    EXPECT_EQ(bytes_of(ra.run(x)[0]), bytes_of(rb.run(x)[0])) << "input " << k;
  }
}

TEST(ImportQdq, QLinearMatMulWithPerColumnWeightsRunsOnTheInt8Gemm) {
  // x [3, 4] -> QuantizeLinear -> QLinearMatMul(b int8 [4, 5], one scale per column) -> DequantizeLinear -> y
  const std::string dir = testing::temp_dir();
  onnx::ModelProto m = testing::empty_model("qmm");
  onnx::GraphProto* g = m.mutable_graph();
  add_value(g->add_input(), "x", {3, 4});
  add_value(g->add_output(), "y", {3, 5});
  const float sa = 0.03f, sy = 0.07f;
  const int32_t za = 100, zy = 90;
  const std::vector<float> sb = {0.01f, 0.02f, 0.015f, 0.005f, 0.03f};
  std::vector<int8_t> b(20);
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<int8_t>(static_cast<int>((i * 29) % 201) - 100);
  add_float_initializer(g, "sa", {}, {sa});
  add_float_initializer(g, "sy", {}, {sy});
  add_float_initializer(g, "sb", {5}, sb);
  add_int_initializer<uint8_t>(g, "za", onnx::TensorProto::UINT8, {}, {static_cast<uint8_t>(za)});
  add_int_initializer<uint8_t>(g, "zy", onnx::TensorProto::UINT8, {}, {static_cast<uint8_t>(zy)});
  add_int_initializer<int8_t>(g, "zb", onnx::TensorProto::INT8, {5}, {0, 0, 0, 0, 0});
  add_int_initializer<int8_t>(g, "b", onnx::TensorProto::INT8, {4, 5}, b);
  add_node(g, "QuantizeLinear", {"x", "sa", "za"}, "xq");
  add_node(g, "QLinearMatMul", {"xq", "sa", "za", "b", "sb", "zb", "sy", "zy"}, "yq");
  add_node(g, "DequantizeLinear", {"yq", "sy", "zy"}, "y");
  testing::save(m, dir + "/qmm.onnx");
  const ConvertSummary s = convert_model(dir + "/qmm.onnx", dir + "/qmm.qbin", "");
  EXPECT_EQ(s.int8_nodes, 1);
  const Runtime rt(dir + "/qmm.qbin");
  const Tensor x = input_ramp({3, 4}, 3.0f, 0.5f);
  const Tensor y = rt.run(x)[0];
  for (int r = 0; r < 3; ++r)
    for (int n = 0; n < 5; ++n) {
      int32_t acc = 0;
      for (int k = 0; k < 4; ++k) acc += (qmath::quantize(x.data<float>()[r * 4 + k], sa, za, 0, 255) - za) * b[k * 5 + n];
      const int32_t q = qmath::requantize(acc, qmath::requant_multiplier(sa, sb[n], sy), zy, 0, 255);
      EXPECT_EQ(y.data<float>()[r * 5 + n], qmath::dequantize(q, sy, zy)) << "row " << r << " column " << n;
    }
}

TEST(ImportQdq, StandaloneQuantizeAndDequantizeUseTheGivenParameters) {
  const std::string dir = testing::temp_dir();
  onnx::ModelProto m = testing::empty_model("q");
  onnx::GraphProto* g = m.mutable_graph();
  add_value(g->add_input(), "x", {2, 7});
  add_value(g->add_output(), "y", {2, 7});
  g->mutable_output(0)->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::UINT8);
  add_value(g->add_output(), "z", {2, 7});
  add_float_initializer(g, "s", {}, {0.037f});
  add_int_initializer<uint8_t>(g, "zp", onnx::TensorProto::UINT8, {}, {97});
  add_float_initializer(g, "s2", {}, {0.5f});
  add_int_initializer<uint8_t>(g, "zp2", onnx::TensorProto::UINT8, {}, {3});
  add_node(g, "QuantizeLinear", {"x", "s", "zp"}, "y");
  add_node(g, "DequantizeLinear", {"y", "s2", "zp2"}, "z");  // other parameters: not a pair
  testing::save(m, dir + "/q.onnx");
  ConvertOptions o;
  o.onnx_path = dir + "/q.onnx";
  o.output_path = dir + "/q.qbin";
  o.quantize = false;
  convert(o);
  const Runtime rt(dir + "/q.qbin");
  const Tensor x = input_ramp({2, 7}, 6.0f, 0.5f);
  const auto out = rt.run(x);
  ASSERT_EQ(out[0].dtype(), DType::UInt8);
  for (int64_t i = 0; i < 14; ++i) {
    const float q = std::max(0.0f, std::min(255.0f, std::nearbyint(x.data<float>()[i] / 0.037f) + 97.0f));
    EXPECT_EQ(out[0].data<uint8_t>()[i], static_cast<uint8_t>(q)) << i;
    EXPECT_EQ(out[1].data<float>()[i], (q - 3.0f) * 0.5f) << i;
  }
}

TEST(ImportQdq, Int8PerAxisDequantizeOfAnInput) {
  const std::string dir = testing::temp_dir();
  onnx::ModelProto m = testing::empty_model("dq");
  onnx::GraphProto* g = m.mutable_graph();
  add_value(g->add_input(), "x", {2, 3});
  g->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::INT8);
  add_value(g->add_output(), "y", {2, 3});
  const std::vector<float> sc = {0.1f, 0.25f, 0.033f};
  const std::vector<int8_t> zp = {-5, 0, 17};
  add_float_initializer(g, "s", {3}, sc);
  add_int_initializer<int8_t>(g, "zp", onnx::TensorProto::INT8, {3}, zp);
  set_int(add_node(g, "DequantizeLinear", {"x", "s", "zp"}, "y"), "axis", 1);
  testing::save(m, dir + "/dq.onnx");
  ConvertOptions o;
  o.onnx_path = dir + "/dq.onnx";
  o.output_path = dir + "/dq.qbin";
  o.quantize = false;
  convert(o);
  const Runtime rt(dir + "/dq.qbin");
  Tensor x(DType::Int8, {2, 3});
  for (int i = 0; i < 6; ++i) x.data<int8_t>()[i] = static_cast<int8_t>(i * 51 - 128);
  const Tensor y = rt.run(x)[0];
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(y.data<float>()[i], static_cast<float>(x.data<int8_t>()[i] - zp[i % 3]) * sc[i % 3]) << i;
}

// A standalone per-axis QuantizeLinear into int8 runs as written (round half to even, saturated);
// a scale count that does not match the axis is an error naming the node.
TEST(ImportQdq, PerAxisInt8QuantizeRunsAndAMismatchNamesTheNode) {
  const std::string dir = testing::temp_dir();
  auto build = [&](int64_t axis) {
    onnx::ModelProto m = testing::empty_model("q");
    onnx::GraphProto* g = m.mutable_graph();
    add_value(g->add_input(), "x", {2, 3});
    add_value(g->add_output(), "y", {2, 3});
    g->mutable_output(0)->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::INT8);
    add_float_initializer(g, "s", {3}, {0.5f, 0.25f, 2.0f});
    add_int_initializer<int8_t>(g, "zp", onnx::TensorProto::INT8, {3}, {1, -2, 3});
    testing::set_int(add_node(g, "QuantizeLinear", {"x", "s", "zp"}, "y"), "axis", axis);
    testing::save(m, dir + "/q.onnx");
    ConvertOptions o;
    o.onnx_path = dir + "/q.onnx";
    o.output_path = dir + "/q.qbin";
    o.quantize = false;
    convert(o);
    return o.output_path;
  };
  const Runtime rt(build(1));
  Tensor x(DType::Float32, {2, 3});
  const float xs[6] = {0.25f, 0.375f, 5.0f, -100.0f, 100.0f, -3.0f};
  for (int i = 0; i < 6; ++i) x.data<float>()[i] = xs[i];
  const Tensor y = rt.run(x)[0];
  ASSERT_EQ(y.dtype(), DType::Int8);
  // 0.25/0.5 = 0.5 -> 0 (+1); 0.375/0.25 = 1.5 -> 2 (-2); 5/2 = 2.5 -> 2 (+3); -200 + 1 saturates; 400 - 2 saturates; -1.5 -> -2 (+3)
  const std::vector<int8_t> want = {1, 0, 5, -128, 127, 1};
  EXPECT_EQ(std::vector<int8_t>(y.data<int8_t>(), y.data<int8_t>() + 6), want);
  try {
    build(0);
    FAIL() << "3 scales along an axis of size 2 converted";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("y_node"), std::string::npos) << what;
    EXPECT_NE(what.find("per-axis scale has 3 values, axis 0 has size 2"), std::string::npos) << what;
  }
}

}  // namespace qinfer
