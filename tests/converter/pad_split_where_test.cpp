// Pad, Split and Where through the converter: plan-time pads and Where on shape values that
// follow every input shape, unsupported variants named in the error, and an int8 model where Pad
// and Split run on uint8 NHWC data as exact copies and Where stays fp32 between int8 nodes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "model_inputs.h"
#include "onnx_builder.h"
#include "qinfer/converter.h"
#include "qinfer/npy.h"
#include "qinfer/runtime.h"

namespace qinfer {
namespace {

std::string ops_dir() { return testing::source_dir() + "/tests/data/ops"; }

std::string convert_model(const std::string& onnx_path, const std::string& calib = "") {
  ConvertOptions o;
  o.onnx_path = onnx_path;
  o.output_path = testing::temp_dir() + "/m.qbin";
  o.quantize = !calib.empty();
  o.calib_path = calib;
  o.method = "minmax";
  convert(o);
  return o.output_path;
}

onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& op, const std::vector<std::string>& in,
                          const std::vector<std::string>& out, const std::string& name) {
  onnx::NodeProto* n = g->add_node();
  n->set_name(name);
  n->set_op_type(op);
  for (const auto& i : in) n->add_input(i);
  for (const auto& o : out) n->add_output(o);
  return n;
}

void add_int64_initializer(onnx::GraphProto* g, const std::string& name, const std::vector<int64_t>& v) {
  onnx::TensorProto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(static_cast<int64_t>(v.size()));
  for (int64_t x : v) t->add_int64_data(x);
}

void set_string_attr(onnx::NodeProto* n, const std::string& key, const std::string& value) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(key);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(value);
}

// x [2, W] -> Pad to width 8 with pads computed from Shape(x) (tests/data/ops/pad_shape_subgraph):
// one Runtime, widths below, at and above 8 (a negative pad crops).
TEST(PadSplitWhere, PadsComputedFromTheInputShapeFollowEveryWidth) {
  Runtime rt(convert_model(ops_dir() + "/pad_shape_subgraph.onnx"));
  for (int64_t w : {1, 3, 8, 9, 5}) {
    const Tensor x = testing::ramp({2, w});
    const Tensor y = rt.run(x)[0];
    ASSERT_EQ(y.shape(), (std::vector<int64_t>{2, 8})) << "W = " << w;
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t c = 0; c < 8; ++c) EXPECT_EQ(y.data<float>()[r * 8 + c], c < w ? x.data<float>()[r * w + c] : 0.0f) << w;
  }
}

// Reshape(x, Where([true, false], Shape(x)[0:2], [-1, -1])) = [N, -1]: Where on int64 at plan time.
TEST(PadSplitWhere, WhereOnShapeValuesFollowsEveryInputShape) {
  Runtime rt(convert_model(ops_dir() + "/where_shape_subgraph.onnx"));
  for (const std::vector<int64_t>& s : {std::vector<int64_t>{2, 3, 4}, {5, 1, 2}, {1, 6, 1}}) {
    const Tensor x = testing::ramp(s);
    const Tensor y = rt.run(x)[0];
    EXPECT_EQ(y.shape(), (std::vector<int64_t>{s[0], s[1] * s[2]}));
    for (int64_t i = 0; i < x.element_count(); ++i) ASSERT_EQ(y.data<float>()[i], x.data<float>()[i]);
  }
}

onnx::ModelProto pad_model(const std::string& mode, int64_t opset) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(opset);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("t");
  testing::add_value(g->add_input(), "x", {2, 3});
  testing::add_value(g->add_output(), "y", {2, 5});
  add_int64_initializer(g, "p", {0, 1, 0, 1});
  set_string_attr(add_node(g, "Pad", {"x", "p"}, {"y"}, "the_pad"), "mode", mode);
  return m;
}

TEST(PadSplitWhere, UnsupportedPadModeNamesTheNode) {
  const std::string dir = testing::temp_dir();
  testing::save(pad_model("wrap", 13), dir + "/m.onnx");
  try {
    convert_model(dir + "/m.onnx");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("node 'the_pad' (Pad)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("mode 'wrap' is not supported"), std::string::npos) << msg;
  }
  testing::save(pad_model("edge", 13), dir + "/ok.onnx");
  Runtime rt(convert_model(dir + "/ok.onnx"));
  const Tensor x = testing::ramp({2, 3});
  const Tensor y = rt.run(x)[0];
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t c = 0; c < 5; ++c)
      EXPECT_EQ(y.data<float>()[r * 5 + c], x.data<float>()[r * 3 + std::min<int64_t>(std::max<int64_t>(c - 1, 0), 2)]);
}

// Split(x) into 3 parts with only the first output named: unnamed outputs still count as parts
// (and take the data's int64 type), so y = Cast(x[0:2]).
TEST(PadSplitWhere, UnnamedSplitOutputsStillCountAsParts) {
  onnx::ModelProto m = testing::empty_model("t");
  onnx::GraphProto* g = m.mutable_graph();
  testing::add_value(g->add_input(), "x", {6});
  g->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::INT64);
  testing::add_value(g->add_output(), "y", {2});
  add_node(g, "Split", {"x"}, {"a", "", ""}, "split");
  onnx::AttributeProto* to = add_node(g, "Cast", {"a"}, {"y"}, "cast")->add_attribute();
  to->set_name("to");
  to->set_type(onnx::AttributeProto::INT);
  to->set_i(onnx::TensorProto::FLOAT);
  const std::string dir = testing::temp_dir();
  testing::save(m, dir + "/m.onnx");
  Runtime rt(convert_model(dir + "/m.onnx"));
  Tensor x(DType::Int64, {6});
  for (int i = 0; i < 6; ++i) x.data<int64_t>()[i] = 10 * i + 1;
  const Tensor y = rt.run(x)[0];
  ASSERT_EQ(y.shape(), (std::vector<int64_t>{2}));
  EXPECT_EQ(y.data<float>()[0], 1.0f);
  EXPECT_EQ(y.data<float>()[1], 11.0f);
}

// Naive reflect source index (bounce off the ends) for the copy check below.
int64_t reflect_source(int64_t o, int64_t begin, int64_t dim) {
  int64_t j = o - begin;
  while (j < 0 || j >= dim) j = j < 0 ? -j : 2 * (dim - 1) - j;
  return j;
}

// x [N,1,6,6] -> Conv -> Pad (reflect, to 7x7) -> Split (channels) -> Where(bool [7], a, b) -> Conv -> y,
// converted to int8: Conv, Pad, Split, Conv run int8 (Pad and Split copy uint8 NHWC bytes,
// checked through the observer), Where runs fp32, and the int8 output stays close to fp32's.
TEST(PadSplitWhere, PadAndSplitCopyUint8DataWhereStaysFp32) {
  onnx::ModelProto m = testing::empty_model("t");
  onnx::GraphProto* g = m.mutable_graph();
  onnx::ValueInfoProto* x = g->add_input();
  testing::add_value(x, "x", {1, 1, 6, 6});
  x->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0)->set_dim_param("N");
  testing::add_value(g->add_output(), "y", {1, 3, 5, 5});
  g->mutable_output(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0)->set_dim_param("N");
  std::vector<float> w1(2 * 9), w2(3 * 9);
  for (size_t i = 0; i < w1.size(); ++i) w1[i] = std::sin(float(i) * 0.7f) * 0.5f;
  for (size_t i = 0; i < w2.size(); ++i) w2[i] = std::cos(float(i) * 0.3f) * 0.4f;
  testing::add_float_initializer(g, "w1", {2, 1, 3, 3}, w1);
  testing::add_float_initializer(g, "w2", {3, 1, 3, 3}, w2);
  add_int64_initializer(g, "p", {0, 0, 1, 2, 0, 0, 2, 1});
  onnx::TensorProto* cond = g->add_initializer();
  cond->set_name("cond");
  cond->set_data_type(onnx::TensorProto::BOOL);
  for (int64_t d : {1, 1, 1, 7}) cond->add_dims(d);
  for (int i = 0; i < 7; ++i) cond->add_int32_data(i % 3 != 0);
  add_node(g, "Conv", {"x", "w1"}, {"c"}, "conv1");
  set_string_attr(add_node(g, "Pad", {"c", "p"}, {"pc"}, "pad"), "mode", "reflect");
  onnx::AttributeProto* axis = add_node(g, "Split", {"pc"}, {"a", "b"}, "split")->add_attribute();
  axis->set_name("axis");
  axis->set_type(onnx::AttributeProto::INT);
  axis->set_i(1);
  add_node(g, "Where", {"cond", "a", "b"}, {"s"}, "where");
  add_node(g, "Conv", {"s", "w2"}, {"y"}, "conv2");
  const std::string dir = testing::temp_dir();
  testing::save(m, dir + "/m.onnx");
  write_npy(dir + "/calib.npy", testing::ramp({8, 1, 6, 6}, 13, 5, 97, 40.0f, 1.2f));

  Runtime fp32(convert_model(dir + "/m.onnx"));
  ConvertOptions o;
  o.onnx_path = dir + "/m.onnx";
  o.output_path = dir + "/int8.qbin";
  o.calib_path = dir + "/calib.npy";
  o.method = "minmax";
  const ConvertSummary s = convert(o);
  EXPECT_EQ(s.int8_nodes, 4);
  std::map<std::string, std::pair<DType, std::vector<uint8_t>>> seen;
  Runtime::Options options;
  options.observer = [&](const TensorView& t) {
    if (t.name != "c:q" && t.name != "pc:q" && t.name != "a:q" && t.name != "b:q") return;
    int64_t n = 1;
    for (int64_t d : t.shape) n *= d;
    const auto* p = static_cast<const uint8_t*>(t.data);
    seen[t.name] = {t.dtype, std::vector<uint8_t>(p, p + n)};
  };
  Runtime int8(o.output_path, options);
  const Tensor in = testing::ramp({2, 1, 6, 6}, 29, 3, 89, 40.0f, 1.1f);  // inside the calibrated range
  const Tensor a = fp32.run(in)[0], b = int8.run(in)[0];
  ASSERT_EQ(seen.size(), 4u) << "expected the uint8 tensors c:q, pc:q, a:q, b:q";
  for (const auto& [name, t] : seen) EXPECT_EQ(t.first, DType::UInt8) << name;
  // NHWC memory: c [2,4,4,2] -> pc [2,7,7,2] (pads H 1/2, W 2/1) -> a, b [2,7,7,1] (channel 0 / 1).
  const auto &c = seen["c:q"].second, &pc = seen["pc:q"].second;
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t h = 0; h < 7; ++h)
      for (int64_t w = 0; w < 7; ++w)
        for (int64_t ch = 0; ch < 2; ++ch) {
          const uint8_t v = pc[static_cast<size_t>(((n * 7 + h) * 7 + w) * 2 + ch)];
          ASSERT_EQ(v, c[static_cast<size_t>(((n * 4 + reflect_source(h, 1, 4)) * 4 + reflect_source(w, 2, 4)) * 2 + ch)])
              << n << "," << h << "," << w << "," << ch;
          ASSERT_EQ(v, seen[ch == 0 ? "a:q" : "b:q"].second[static_cast<size_t>((n * 7 + h) * 7 + w)]);
        }
  ASSERT_EQ(a.shape(), (std::vector<int64_t>{2, 3, 5, 5}));
  ASSERT_EQ(b.shape(), a.shape());
  double max_abs = 0, max_diff = 0;
  for (int64_t i = 0; i < a.element_count(); ++i) {
    max_abs = std::max(max_abs, double(std::fabs(a.data<float>()[i])));
    max_diff = std::max(max_diff, double(std::fabs(a.data<float>()[i] - b.data<float>()[i])));
  }
  EXPECT_LT(max_diff, 0.05 * max_abs) << "int8 vs fp32: max diff " << max_diff << ", max |y| " << max_abs;
}

}  // namespace
}  // namespace qinfer
