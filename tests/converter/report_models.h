// Models and helpers shared by the error-report, mixed-precision and --input-int16 tests: a small residual CNN
// built in the test, its calibration samples, and the int8 / fp32 nodes of a converted qbin as
// the runtime sees them.
#pragma once

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "calibration.h"  // sample_rows
#include "error_report.h"
#include "onnx_builder.h"
#include "qinfer/converter.h"
#include "qinfer/npy.h"
#include "qinfer/runtime.h"
#include "test_support.h"

namespace qinfer::testing {

// Deterministic values in [-amp, amp).
inline std::vector<float> pseudo_random(size_t n, uint32_t seed, float amp) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 1;
  for (float& x : v) {
    s = s * 1664525u + 1013904223u;
    x = amp * (float(s >> 8) / float(1 << 24) * 2.0f - 1.0f);
  }
  return v;
}

inline onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& name, const std::string& op,
                                 const std::vector<std::string>& in, const std::string& out) {
  onnx::NodeProto* n = g->add_node();
  n->set_name(name);
  n->set_op_type(op);
  for (const std::string& i : in) n->add_input(i);
  n->add_output(out);
  return n;
}

// x [1,3,8,8] -> conv_a (3x3, 8 ch) -> relu_a -> conv_b (1x1) -> add(conv_a, conv_b) -> gap -> flat -> fc -> y [1,5]
inline std::string small_residual_cnn(const std::string& dir) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("residual");
  add_value(g->add_input(), "x", {1, 3, 8, 8});
  add_value(g->add_output(), "y", {1, 5});
  add_float_initializer(g, "wa", {8, 3, 3, 3}, pseudo_random(8 * 27, 1, 0.4f));
  add_float_initializer(g, "ba", {8}, pseudo_random(8, 2, 0.1f));
  add_float_initializer(g, "wb", {8, 8, 1, 1}, pseudo_random(64, 3, 0.5f));
  add_float_initializer(g, "wf", {5, 8}, pseudo_random(40, 4, 0.7f));
  add_float_initializer(g, "bf", {5}, pseudo_random(5, 5, 0.1f));
  onnx::NodeProto* a = add_node(g, "conv_a", "Conv", {"x", "wa", "ba"}, "a");
  auto* pads = a->add_attribute();
  pads->set_name("pads");
  pads->set_type(onnx::AttributeProto::INTS);
  for (int i = 0; i < 4; ++i) pads->add_ints(1);
  add_node(g, "relu_a", "Relu", {"a"}, "ar");
  add_node(g, "conv_b", "Conv", {"ar", "wb"}, "b");
  add_node(g, "add", "Add", {"ar", "b"}, "s");
  add_node(g, "gap", "GlobalAveragePool", {"s"}, "p");
  add_node(g, "flat", "Flatten", {"p"}, "f");
  onnx::NodeProto* fc = add_node(g, "fc", "Gemm", {"f", "wf", "bf"}, "y");
  auto* tb = fc->add_attribute();
  tb->set_name("transB");
  tb->set_type(onnx::AttributeProto::INT);
  tb->set_i(1);
  const std::string path = dir + "/residual.onnx";
  save(m, path);
  return path;
}

// `n` samples of the small CNN's input.
inline std::string small_cnn_calib(const std::string& dir, int64_t n) {
  Tensor t(DType::Float32, {n, 3, 8, 8});
  const std::vector<float> v = pseudo_random(static_cast<size_t>(t.element_count()), 9, 1.0f);
  std::copy(v.begin(), v.end(), t.data<float>());
  const std::string path = dir + "/calib.npy";
  write_npy(path, t);
  return path;
}

// The nodes of a qbin that run in int8 and in fp32, as the runtime reports them ("Conv int8"),
// unfused (every node of the qbin listed).
struct NodePrecision {
  std::set<std::string> int8, fp32;
};
inline NodePrecision node_precision(const std::string& qbin, const Tensor& input) {
  Runtime::Options options;
  options.fuse = false;
  const Runtime rt(qbin, options);
  NodePrecision p;
  for (const NodeProfile& n : rt.profile({{rt.inputs()[0].name, input}}, 1)) {
    if (n.op.rfind("Quantize ", 0) == 0 || n.op.rfind("Dequantize ", 0) == 0) continue;  // the boundaries
    (n.op.size() > 5 && n.op.compare(n.op.size() - 5, 5, " int8") == 0 ? p.int8 : p.fp32).insert(n.name);
  }
  return p;
}

// convert(o)'s error message, "" when it succeeded.
inline std::string convert_error(const ConvertOptions& o) {
  try {
    convert(o);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Mean over the samples of `x` of the output cosine of `qbin` vs `fp32`.
inline double mean_output_cosine(const std::string& qbin, const std::string& fp32, const Tensor& x) {
  const Runtime q(qbin), f(fp32);
  double sum = 0;
  for (int64_t i = 0; i < x.shape()[0]; ++i) {
    const Tensor xi = sample_rows(x, i, 1);
    const Tensor yq = q.run(xi)[0], yf = f.run(xi)[0];
    sum += cosine_of(yf.data<float>(), yq.data<float>(), yf.element_count());
  }
  return sum / double(x.shape()[0]);
}

}  // namespace qinfer::testing
