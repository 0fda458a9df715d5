// qconv --dynamic (converter/src/dynamic_quant.cpp) and the DynamicQuantMatMul / DynamicQuantLSTM
// kernels: tiny ONNX models convert to the dynamic ops and stay close to fp32; the loader refuses
// malformed dynamic nodes with an Error naming the node and the rule; the shared mini-BERT and CRNN
// keep output cosine >= 0.999 with the fp32 qbin (issue #4, acceptance 5).
#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "converter/model_inputs.h"
#include "converter/onnx_builder.h"
#include "model.h"
#include "qinfer/converter.h"
#include "qinfer/error.h"
#include "qinfer/runtime.h"
#include "qinfer_schema/qbin_generated.h"
#include "test_support.h"

namespace qinfer {
namespace {

std::string convert_to(const std::string& onnx, bool dynamic, const std::string& out) {
  ConvertOptions o;
  o.onnx_path = onnx;
  o.output_path = testing::temp_dir() + "/" + out;
  o.quantize = false;
  o.dynamic = dynamic;
  convert(o);
  return o.output_path;
}

int count_op(const std::string& qbin, fb::OpCode op) {
  const std::string bytes = testing::read_text(qbin);
  Model m(bytes.data(), bytes.size(), qbin);
  int n = 0;
  for (const NodeDesc& d : m.nodes()) n += d.op == op;
  return n;
}

double cosine(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  double ab = 0, aa = 0, bb = 0;
  for (int64_t i = 0; i < a.element_count(); ++i) {
    const double x = a.data<float>()[i], y = b.data<float>()[i];
    ab += x * y, aa += x * x, bb += y * y;
  }
  return ab / std::sqrt(aa * bb);
}

std::vector<float> randn(std::mt19937& rng, size_t n, float sd) {
  std::normal_distribution<float> nd(0.0f, sd);
  std::vector<float> v(n);
  for (auto& x : v) x = nd(rng);
  return v;
}

onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& name, const std::string& op,
                          const std::vector<std::string>& in, const std::vector<std::string>& out) {
  onnx::NodeProto* n = g->add_node();
  n->set_name(name);
  n->set_op_type(op);
  for (const auto& s : in) n->add_input(s);
  for (const auto& s : out) n->add_output(s);
  return n;
}
void attr_i(onnx::NodeProto* n, const std::string& k, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(k), a->set_type(onnx::AttributeProto::INT), a->set_i(v);
}
void attr_f(onnx::NodeProto* n, const std::string& k, float v) {
  auto* a = n->add_attribute();
  a->set_name(k), a->set_type(onnx::AttributeProto::FLOAT), a->set_f(v);
}
void attr_s(onnx::NodeProto* n, const std::string& k, const std::string& v) {
  auto* a = n->add_attribute();
  a->set_name(k), a->set_type(onnx::AttributeProto::STRING), a->set_s(v);
}

onnx::ModelProto empty_model() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  m.mutable_graph()->set_name("dyn");
  return m;
}

// x [7, 20] -> Gemm(transB, alpha 0.5, beta 2, C [33]) -> Relu (fused) -> MatMul [33, 9] -> Add b [9] -> y,
// and y2 = x . W3 + b3 (a MatMul on the graph input whose bias Add reads the bias first).
std::string write_mlp_model(std::mt19937& rng) {
  onnx::ModelProto m = empty_model();
  auto* g = m.mutable_graph();
  testing::add_value(g->add_input(), "x", {7, 20});
  testing::add_value(g->add_output(), "y", {7, 9});
  testing::add_value(g->add_output(), "y2", {7, 5});
  testing::add_float_initializer(g, "w1", {33, 20}, randn(rng, 33 * 20, 0.3f));
  testing::add_float_initializer(g, "c1", {33}, randn(rng, 33, 0.5f));
  testing::add_float_initializer(g, "w2", {33, 9}, randn(rng, 33 * 9, 0.3f));
  testing::add_float_initializer(g, "b2", {9}, randn(rng, 9, 0.5f));
  testing::add_float_initializer(g, "w3", {20, 5}, randn(rng, 20 * 5, 0.3f));
  testing::add_float_initializer(g, "b3", {5}, randn(rng, 5, 0.5f));
  auto* gemm = add_node(g, "gemm", "Gemm", {"x", "w1", "c1"}, {"g"});
  attr_i(gemm, "transB", 1), attr_f(gemm, "alpha", 0.5f), attr_f(gemm, "beta", 2.0f);
  add_node(g, "relu", "Relu", {"g"}, {"r"});
  add_node(g, "mm", "MatMul", {"r", "w2"}, {"m"});
  add_node(g, "add", "Add", {"m", "b2"}, {"y"});
  add_node(g, "mm3", "MatMul", {"x", "w3"}, {"m3"});
  add_node(g, "add3", "Add", {"b3", "m3"}, {"y2"});
  const std::string onnx = testing::temp_dir() + "/dyn_mlp.onnx";
  testing::save(m, onnx);
  return onnx;
}

TEST(DynamicQuant, GemmMatMulBiasConvertAndStayClose) {
  std::mt19937 rng(1);
  const std::string onnx = write_mlp_model(rng);
  const std::string f32 = convert_to(onnx, false, "dyn_mlp.f32.qbin"), dyn = convert_to(onnx, true, "dyn_mlp.dyn.qbin");
  EXPECT_EQ(count_op(dyn, fb::OpCode::DynamicQuantMatMul), 3);
  EXPECT_EQ(count_op(dyn, fb::OpCode::Add), 0) << "the bias Adds are folded into the dynamic nodes";
  EXPECT_EQ(count_op(dyn, fb::OpCode::MatMul) + count_op(dyn, fb::OpCode::Gemm), 0);
  Runtime rf(f32), rd(dyn);
  Tensor x = Tensor::from_floats({7, 20}, randn(rng, 140, 1.0f).data(), 140);
  const auto yf = rf.run({{"x", x}}), yd = rd.run({{"x", x}});
  ASSERT_EQ(yd.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const double c = cosine(yf[i], yd[i]);
    EXPECT_GT(c, 0.999) << "output " << i;
    EXPECT_LT(c, 1.0 - 1e-12) << "output " << i << " equals fp32: was it quantized at all?";
  }
}

TEST(DynamicQuant, BidirectionalLstmConvertsAndStaysClose) {
  std::mt19937 rng(2);
  const int64_t T = 6, N = 2, I = 10, H = 12;
  onnx::ModelProto m = empty_model();
  auto* g = m.mutable_graph();
  testing::add_value(g->add_input(), "x", {T, N, I});
  testing::add_value(g->add_output(), "y", {T, 2, N, H});
  testing::add_value(g->add_output(), "yh", {2, N, H});
  testing::add_float_initializer(g, "W", {2, 4 * H, I}, randn(rng, 2 * 4 * H * I, 0.3f));
  testing::add_float_initializer(g, "R", {2, 4 * H, H}, randn(rng, 2 * 4 * H * H, 0.3f));
  testing::add_float_initializer(g, "B", {2, 8 * H}, randn(rng, 2 * 8 * H, 0.2f));
  auto* lstm = add_node(g, "lstm", "LSTM", {"x", "W", "R", "B"}, {"y", "yh"});
  attr_i(lstm, "hidden_size", H), attr_s(lstm, "direction", "bidirectional");
  const std::string onnx = testing::temp_dir() + "/dyn_lstm.onnx";
  testing::save(m, onnx);
  const std::string f32 = convert_to(onnx, false, "dyn_lstm.f32.qbin"), dyn = convert_to(onnx, true, "dyn_lstm.dyn.qbin");
  EXPECT_EQ(count_op(dyn, fb::OpCode::DynamicQuantLSTM), 1);
  EXPECT_EQ(count_op(dyn, fb::OpCode::LSTM), 0);
  Runtime rf(f32), rd(dyn);
  Tensor x = Tensor::from_floats({T, N, I}, randn(rng, T * N * I, 1.0f).data(), T * N * I);
  const auto yf = rf.run({{"x", x}}), yd = rd.run({{"x", x}});
  for (size_t i = 0; i < 2; ++i) {
    const double c = cosine(yf[i], yd[i]);
    EXPECT_GT(c, 0.999) << "output " << i;
    EXPECT_LT(c, 1.0 - 1e-12) << "output " << i;
  }
}

TEST(DynamicQuant, RefusesCalibrationOptions) {
  ConvertOptions o;
  std::mt19937 rng(4);
  o.onnx_path = write_mlp_model(rng);
  o.output_path = testing::temp_dir() + "/never.qbin";
  o.dynamic = true;
  o.calib_path = "x.npy";
  try {
    convert(o);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--dynamic"), std::string::npos) << e.what();
  }
}

// One DynamicQuantMatMul node: a [2, K] -> y [2, N], B int8 [N, K], b_scale [N], bias [N].
struct DynNodeSpec {
  int64_t n = 3, k = 4;
  fb::DType b_dtype = fb::DType::Int8;
  std::vector<int64_t> b_dims;       // default [n, k]
  std::vector<int64_t> scale_dims;   // default [n]
  float scale_value = 0.5f;
  bool options = true, trans_b = true;
  bool b_constant = true;
};

std::vector<uint8_t> dyn_node_model(const DynNodeSpec& s) {
  flatbuffers::FlatBufferBuilder b;
  auto dims = [&](const std::vector<int64_t>& d) {
    std::vector<flatbuffers::Offset<fb::Dim>> out;
    for (int64_t v : d) out.push_back(fb::CreateDim(b, v));
    return b.CreateVector(out);
  };
  auto buffer = [&](const std::vector<uint8_t>& bytes) {
    b.ForceVectorAlignment(bytes.size(), 1, 64);
    return fb::CreateBuffer(b, b.CreateVector(bytes));
  };
  const std::vector<int64_t> bd = s.b_dims.empty() ? std::vector<int64_t>{s.n, s.k} : s.b_dims;
  const std::vector<int64_t> sd = s.scale_dims.empty() ? std::vector<int64_t>{s.n} : s.scale_dims;
  int64_t bcount = 1, scount = 1;
  for (int64_t v : bd) bcount *= v;
  for (int64_t v : sd) scount *= v;
  const size_t bsize = static_cast<size_t>(bcount) * (s.b_dtype == fb::DType::Int8 ? 1 : 4);
  std::vector<uint8_t> bbytes(bsize, 1), sbytes(static_cast<size_t>(scount) * 4), cbytes(static_cast<size_t>(s.n) * 4, 0);
  for (int64_t i = 0; i < scount; ++i) std::memcpy(&sbytes[i * 4], &s.scale_value, 4);
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers{fb::CreateBuffer(b), buffer(bbytes), buffer(sbytes), buffer(cbytes)};
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors{
      fb::CreateTensor(b, b.CreateString("a"), fb::DType::Float32, dims({2, s.k})),
      fb::CreateTensor(b, b.CreateString("w"), s.b_dtype, dims(bd), fb::Layout::Plain, 0, s.b_constant ? 1 : 0),
      fb::CreateTensor(b, b.CreateString("w_scale"), fb::DType::Float32, dims(sd), fb::Layout::Plain, 0, 2),
      fb::CreateTensor(b, b.CreateString("bias"), fb::DType::Float32, dims({s.n}), fb::Layout::Plain, 0, 3),
      fb::CreateTensor(b, b.CreateString("y"), fb::DType::Float32, dims({2, s.n})),
  };
  std::vector<int32_t> graph_inputs{0};
  if (!s.b_constant) graph_inputs.push_back(1);
  auto opts = fb::CreateGemmOptions(b, 1.0f, 1.0f, false, s.trans_b);
  std::vector<flatbuffers::Offset<fb::Node>> nodes{fb::CreateNode(
      b, b.CreateString("dyn"), fb::OpCode::DynamicQuantMatMul, 1, b.CreateVector(std::vector<int32_t>{0, 1, 2, 3}),
      b.CreateVector(std::vector<int32_t>{4}), s.options ? fb::OpOptions::GemmOptions : fb::OpOptions::NONE,
      s.options ? opts.Union() : 0)};
  auto model = fb::CreateModel(b, 1, b.CreateString("test"), b.CreateVector(tensors), b.CreateVector(buffers),
                               b.CreateVector(nodes), b.CreateVector(graph_inputs), b.CreateVector(std::vector<int32_t>{4}));
  fb::FinishSizePrefixedModelBuffer(b, model);
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

std::string load_error(const DynNodeSpec& s) {
  const std::vector<uint8_t> bytes = dyn_node_model(s);
  try {
    Runtime rt(bytes.data(), bytes.size());
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(DynamicQuant, LoaderAcceptsAValidNodeAndRuns) {
  const std::vector<uint8_t> bytes = dyn_node_model({});
  Runtime rt(bytes.data(), bytes.size());
  const float a[8] = {1, 2, 3, 4, -1, -2, -3, -4};
  const auto y = rt.run({{"a", Tensor::from_floats({2, 4}, a, 8)}});
  // B is all ones with scale 0.5: y = 0.5 * row sum, up to the per-row rounding of a.
  for (int64_t j = 0; j < 3; ++j) {
    EXPECT_NEAR(y[0].data<float>()[j], 5.0f, 0.05f);
    EXPECT_NEAR(y[0].data<float>()[3 + j], -5.0f, 0.05f);
  }
}

TEST(DynamicQuant, LoaderRefusesMalformedNodes) {
  struct Case {
    DynNodeSpec spec;
    const char* needle;
  };
  std::vector<Case> cases;
  {
    DynNodeSpec s;
    s.scale_value = 0.0f;
    cases.push_back({s, "must be finite and > 0"});
  }
  {
    DynNodeSpec s;
    s.scale_value = std::nanf("");
    cases.push_back({s, "must be finite and > 0"});
  }
  {
    DynNodeSpec s;
    s.b_dtype = fb::DType::Float32;
    cases.push_back({s, "expected int8"});
  }
  {
    DynNodeSpec s;
    s.scale_dims = {4};
    cases.push_back({s, "b_scale 'w_scale' has shape"});
  }
  {
    DynNodeSpec s;
    s.options = false;
    cases.push_back({s, "GemmOptions"});
  }
  {
    DynNodeSpec s;
    s.trans_b = false;
    cases.push_back({s, "trans_b true"});
  }
  {
    DynNodeSpec s;
    s.b_constant = false;
    cases.push_back({s, "must be a constant"});
  }
  for (const Case& c : cases) {
    const std::string e = load_error(c.spec);
    EXPECT_NE(e.find(c.needle), std::string::npos) << "expected '" << c.needle << "', got: " << e;
    if (!e.empty()) EXPECT_NE(e.find("dyn"), std::string::npos) << "the message names the node: " << e;
  }
}

// Issue #4, acceptance 5, at the shapes of ../shared/models/README.md's reference figures.
TEST(DynamicQuant, SharedModelsKeepCosine) {
  const std::string bert = testing::shared_dir() + "/models/mini_bert.onnx";
  const std::string crnn = testing::shared_dir() + "/models/crnn_lstm.onnx";
  if (!testing::exists(bert) || !testing::exists(crnn)) GTEST_SKIP() << "needs " << bert << " and " << crnn << " (../shared is absent)";
  struct Case {
    std::string onnx, name;
    Tensor input;
    fb::OpCode must_have;
  };
  const std::vector<Case> cases{{bert, "bert", testing::token_ids({1, 128}), fb::OpCode::DynamicQuantMatMul},
                                {crnn, "crnn", testing::ramp({1, 1, 32, 256}), fb::OpCode::DynamicQuantLSTM}};
  for (const Case& c : cases) {
    const std::string f32 = convert_to(c.onnx, false, c.name + ".f32.qbin"), dyn = convert_to(c.onnx, true, c.name + ".dyn.qbin");
    EXPECT_GT(count_op(dyn, c.must_have), 0) << c.name;
    Runtime rf(f32), rd(dyn);
    const Tensor yf = rf.run({{rf.inputs()[0].name, c.input}})[0], yd = rd.run({{rd.inputs()[0].name, c.input}})[0];
    const double cos = cosine(yf, yd);
    std::printf("%s --dynamic vs fp32 cosine %.7f\n", c.name.c_str(), cos);
    EXPECT_GE(cos, 0.999) << c.name;
    EXPECT_LT(cos, 1.0 - 1e-12) << c.name << ": identical to fp32, was anything quantized?";
  }
}

}  // namespace
}  // namespace qinfer
