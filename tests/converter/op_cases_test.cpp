// Every single-op case in tests/data/ops (made by tests/data/make_expected.py, expected outputs
// from ONNX Runtime): convert with --no-quantize, run, compare. Plus dynamic shapes through
// plan-time values and the errors of value-dependent shapes.
#include <dirent.h>
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

std::vector<std::string> op_cases() {
  std::vector<std::string> names;
  if (DIR* d = opendir(ops_dir().c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string f = e->d_name;
      if (f.size() > 5 && f.compare(f.size() - 5, 5, ".onnx") == 0) names.push_back(f.substr(0, f.size() - 5));
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string convert_fp32(const std::string& onnx_path) {
  ConvertOptions o;
  o.onnx_path = onnx_path;
  o.output_path = testing::temp_dir() + "/m.qbin";
  o.quantize = false;
  convert(o);
  return o.output_path;
}

double max_rel_error(const Tensor& y, const Tensor& ref) {
  double worst = 0, scale = 1e-30;
  for (int64_t i = 0; i < ref.element_count(); ++i) scale = std::max(scale, double(std::fabs(ref.data<float>()[i])));
  for (int64_t i = 0; i < ref.element_count(); ++i)
    worst = std::max(worst, std::fabs(double(y.data<float>()[i]) - ref.data<float>()[i]) / scale);
  return worst;
}

class OpCase : public ::testing::TestWithParam<std::string> {};

TEST_P(OpCase, MatchesOnnxRuntime) {
  const std::string base = ops_dir() + "/" + GetParam();
  Runtime rt(convert_fp32(base + ".onnx"));
  const Tensor x = read_npy(base + ".input.npy");
  const Tensor ref = read_npy(base + ".expected.npy");
  const std::vector<Tensor> y = rt.run({{rt.inputs()[0].name, x}});
  ASSERT_EQ(y[0].shape(), ref.shape()) << GetParam();
  EXPECT_LE(max_rel_error(y[0], ref), 1e-5) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Data, OpCase, ::testing::ValuesIn(op_cases()),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

TEST(OpCases, AllPresent) { EXPECT_GE(op_cases().size(), 30u) << "tests/data/ops is missing cases"; }

// Shape -> Gather -> Unsqueeze -> Concat -> Reshape on symbolic dims: evaluated once per input
// shape while planning; one Runtime serves several shapes.
TEST(PlanTimeValues, ReshapeFollowsEveryInputShape) {
  Runtime rt(convert_fp32(ops_dir() + "/reshape_shape_subgraph.onnx"));
  ASSERT_EQ(rt.inputs()[0].shape, (std::vector<int64_t>{-1, -1, -1}));
  for (const std::vector<int64_t>& s : {std::vector<int64_t>{2, 3, 4}, {5, 1, 3}, {1, 7, 2}, {2, 3, 4}}) {
    const Tensor x = testing::ramp(s);
    const Tensor y = rt.run(x)[0];
    EXPECT_EQ(y.shape(), (std::vector<int64_t>{s[0], s[1] * s[2]}));
    for (int64_t i = 0; i < x.element_count(); ++i) ASSERT_EQ(y.data<float>()[i], x.data<float>()[i]);
  }
}

TEST(PlanTimeValues, ConstantOfShapeAndRangeFollowTheInput) {
  Runtime rt(convert_fp32(ops_dir() + "/constant_of_shape_range.onnx"));
  const Tensor x = testing::ramp({3, 4});
  const Tensor y = rt.run(x)[0];  // y = x + 1.5 + column index
  ASSERT_EQ(y.shape(), (std::vector<int64_t>{3, 4}));
  for (int64_t i = 0; i < 12; ++i) EXPECT_FLOAT_EQ(y.data<float>()[i], x.data<float>()[i] + 1.5f + float(i % 4));
}

// x -> Reshape(x, shape) where shape is computed from the values of x, a data input (float [2, 3]:
// rank 2, not shape-like, so not planned per value): the Runtime refuses when planning, naming the node
// and the rule.
TEST(PlanTimeValues, ShapeFromRunTimeDataIsAnError) {
  onnx::ModelProto m = testing::empty_model("t");
  onnx::GraphProto* g = m.mutable_graph();
  testing::add_value(g->add_input(), "x", {2, 3});
  testing::add_value(g->add_output(), "y", {6});
  // shape = Cast(x[0:1] as int64) * 0 + 6: depends on x's values, not only its shape.
  auto node = [&](const std::string& op, std::vector<std::string> in, const std::string& out) {
    onnx::NodeProto* n = g->add_node();
    n->set_name(op + "_" + out);
    n->set_op_type(op);
    for (auto& i : in) n->add_input(i);
    n->add_output(out);
    return n;
  };
  onnx::TensorProto* z = g->add_initializer();
  z->set_name("six");
  z->set_data_type(onnx::TensorProto::INT64);
  z->add_dims(1);
  z->add_int64_data(6);
  onnx::NodeProto* mean = node("ReduceMean", {"x"}, "r");  // a scalar: keepdims = 0
  onnx::AttributeProto* keep = mean->add_attribute();
  keep->set_name("keepdims");
  keep->set_type(onnx::AttributeProto::INT);
  keep->set_i(0);
  node("Cast", {"r"}, "ri")->add_attribute()->CopyFrom([] {
    onnx::AttributeProto a;
    a.set_name("to");
    a.set_type(onnx::AttributeProto::INT);
    a.set_i(onnx::TensorProto::INT64);
    return a;
  }());
  node("Mul", {"ri", "six"}, "s0");
  node("Sub", {"six", "s0"}, "s1");
  node("Add", {"s1", "s0"}, "shape");
  node("Reshape", {"x", "shape"}, "y");
  const std::string dir = testing::temp_dir();
  testing::save(m, dir + "/m.onnx");
  Runtime rt(convert_fp32(dir + "/m.onnx"));
  try {
    rt.run(testing::ramp({2, 3}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("(Reshape)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("must be a constant or computable when planning"), std::string::npos) << msg;
  }
}

// x [N, 3] -> Reshape to the constant [5]: converts (N is symbolic), and fails when planned for
// N = 2, naming the node and both shapes; the Runtime stays usable for a valid N.
TEST(PlanTimeValues, ImpossibleReshapeIsAnErrorNotACrash) {
  onnx::ModelProto m = testing::empty_model("t");
  onnx::GraphProto* g = m.mutable_graph();
  onnx::ValueInfoProto* x = g->add_input();
  x->set_name("x");
  auto* tt = x->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  tt->mutable_shape()->add_dim()->set_dim_param("N");
  tt->mutable_shape()->add_dim()->set_dim_value(3);
  onnx::ValueInfoProto* y = g->add_output();
  y->set_name("y");
  y->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  y->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(6);
  onnx::TensorProto* s = g->add_initializer();
  s->set_name("s");
  s->set_data_type(onnx::TensorProto::INT64);
  s->add_dims(1);
  s->add_int64_data(6);
  onnx::NodeProto* r = g->add_node();
  r->set_name("the_reshape");
  r->set_op_type("Reshape");
  r->add_input("x");
  r->add_input("s");
  r->add_output("y");
  const std::string dir = testing::temp_dir();
  testing::save(m, dir + "/m.onnx");
  Runtime rt(convert_fp32(dir + "/m.onnx"));
  try {
    rt.run(testing::ramp({3, 3}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("node 'the_reshape' (Reshape)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("cannot reshape [3,3] (9 elements) to [6]"), std::string::npos) << msg;
  }
  EXPECT_EQ(rt.run(testing::ramp({2, 3}))[0].shape(), (std::vector<int64_t>{6}));
}

}  // namespace

}  // namespace qinfer
