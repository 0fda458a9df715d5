// Builds small ONNX models in tests with the onnx protobuf API.
#pragma once

#include <onnx/onnx_pb.h>

#include <fstream>
#include <string>
#include <vector>

namespace qinfer::testing {

inline void add_float_initializer(onnx::GraphProto* g, const std::string& name, const std::vector<int64_t>& dims,
                                  const std::vector<float>& values) {
  onnx::TensorProto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  for (float v : values) t->add_float_data(v);
}

inline void add_value(onnx::ValueInfoProto* v, const std::string& name, const std::vector<int64_t>& dims) {
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
}

// A model (IR version 8, opset 13) with an empty graph named `graph_name`.
inline onnx::ModelProto empty_model(const std::string& graph_name) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  m.mutable_graph()->set_name(graph_name);
  return m;
}

// A node named out + "_node" computing `out` from `ins`.
inline onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& op, std::vector<std::string> ins, const std::string& out) {
  onnx::NodeProto* n = g->add_node();
  n->set_name(out + "_node");
  n->set_op_type(op);
  for (const auto& i : ins) n->add_input(i);
  n->add_output(out);
  return n;
}

// Attributes.
inline void set_int(onnx::NodeProto* n, const char* name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
inline void set_ints(onnx::NodeProto* n, const char* name, std::vector<int64_t> v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}
inline void set_float(onnx::NodeProto* n, const char* name, float v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}
inline void set_string(onnx::NodeProto* n, const char* name, const std::string& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

// Deterministic, irregular test values: n values in [offset, offset + 22 * scale].
inline std::vector<float> ramp(size_t n, float scale, float offset) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>((i * 37 + 11) % 23) * scale + offset;
  return v;
}

// x [1,1,4,4] -> Conv 1x1 (2 channels) -> <op_after> -> y
inline onnx::ModelProto conv_then(const std::string& op_after) {
  onnx::ModelProto m = empty_model("test");
  onnx::GraphProto* g = m.mutable_graph();
  add_value(g->add_input(), "x", {1, 1, 4, 4});
  add_value(g->add_output(), "y", {1, 2, 4, 4});
  add_float_initializer(g, "w", {2, 1, 1, 1}, {0.5f, -1.0f});
  onnx::NodeProto* conv = g->add_node();
  conv->set_name("conv0");
  conv->set_op_type("Conv");
  conv->add_input("x");
  conv->add_input("w");
  conv->add_output("c");
  onnx::NodeProto* after = g->add_node();
  after->set_name("the_node");
  after->set_op_type(op_after);
  after->add_input("c");
  after->add_output("y");
  return m;
}

inline void save(const onnx::ModelProto& m, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  m.SerializeToOstream(&out);
}

}  // namespace qinfer::testing
