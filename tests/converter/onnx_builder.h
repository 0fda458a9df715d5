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

// x [1,1,4,4] -> Conv 1x1 (2 channels) -> <op_after> -> y
inline onnx::ModelProto conv_then(const std::string& op_after) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("test");
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
