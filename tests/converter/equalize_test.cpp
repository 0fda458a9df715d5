// Cross-layer equalization (equalize.h): the fp32 model computes the same outputs afterwards, the
// per-channel weight ranges of a pair become equal, and Clip pairs are equalized only when the
// calibration data never reached the bound (skipped with a reason otherwise).
#include <gtest/gtest.h>

#include <cmath>

#include "equalize.h"
#include "onnx_builder.h"
#include "onnx_import.h"
#include "passes/passes.h"
#include "qbin_writer.h"
#include "qinfer/runtime.h"
#include "test_support.h"

namespace qinfer {

namespace {

namespace t = testing;

// x [1,3,8,8] -> Conv 3x3 (8 channels, ranges 0.1x .. 12x) -> act -> Conv 3x3 (5) -> Relu ->
// depthwise Conv 3x3 (5) -> y. `act`: "Relu", "Clip" (0, 6) or "" (none).
ir::Graph chain(const std::string& act) {
  onnx::ModelProto m = t::empty_model("cle");
  onnx::GraphProto* g = m.mutable_graph();
  t::add_value(g->add_input(), "x", {1, 3, 8, 8});
  t::add_value(g->add_output(), "y", {1, 5, 8, 8});
  std::vector<float> wa = t::ramp(8 * 3 * 9, 0.02f, -0.2f);
  for (size_t i = 0; i < wa.size(); ++i) wa[i] *= 0.1f + 1.7f * float(i / 27);  // very uneven channel ranges
  t::add_float_initializer(g, "wa", {8, 3, 3, 3}, wa);
  t::add_float_initializer(g, "ba", {8}, t::ramp(8, 0.05f, -0.3f));
  t::add_float_initializer(g, "wb", {5, 8, 3, 3}, t::ramp(5 * 8 * 9, 0.01f, -0.1f));
  t::add_float_initializer(g, "bb", {5}, t::ramp(5, 0.02f, 0.1f));
  t::add_float_initializer(g, "wc", {5, 1, 3, 3}, t::ramp(5 * 9, 0.03f, -0.3f));
  auto conv = [&](std::vector<std::string> ins, const std::string& out) {
    t::set_ints(t::add_node(g, "Conv", std::move(ins), out), "pads", {1, 1, 1, 1});
  };
  conv({"x", "wa", "ba"}, "a");
  if (act == "Relu") t::add_node(g, "Relu", {"a"}, "a_act");
  if (act == "Clip") {  // opset 13: the bounds are inputs
    t::add_float_initializer(g, "lo", {}, {0.0f});
    t::add_float_initializer(g, "hi", {}, {6.0f});
    t::add_node(g, "Clip", {"a", "lo", "hi"}, "a_act");
  }
  conv({act.empty() ? "a" : "a_act", "wb", "bb"}, "b");
  t::add_node(g, "Relu", {"b"}, "b_act");
  conv({"b_act", "wc"}, "y");
  t::set_int(g->mutable_node(g->node_size() - 1), "group", 5);
  const std::string dir = t::temp_dir();
  t::save(m, dir + "/cle.onnx");
  ir::Graph graph = import_onnx(dir + "/cle.onnx");
  passes::run_default_passes(graph);
  return graph;
}

Tensor input(float scale = 1.0f) {
  Tensor x(DType::Float32, {1, 3, 8, 8});
  for (int64_t i = 0; i < x.element_count(); ++i) x.data<float>()[i] = scale * (float((i * 29 + 5) % 17) / 8.0f - 1.0f);
  return x;
}

Tensor run(const ir::Graph& g, const Tensor& x) {
  const std::vector<uint8_t> bytes = write_qbin(g, {});
  return Runtime(bytes.data(), bytes.size()).run(x).at(0);
}

void expect_same_outputs(const ir::Graph& before, const ir::Graph& after, float input_scale = 1.0f) {
  const Tensor x = input(input_scale), y0 = run(before, x), y1 = run(after, x);
  double worst = 0.0, scale = 0.0;
  for (int64_t i = 0; i < y0.element_count(); ++i) {
    worst = std::max(worst, double(std::fabs(y0.data<float>()[i] - y1.data<float>()[i])));
    scale = std::max(scale, double(std::fabs(y0.data<float>()[i])));
  }
  EXPECT_LT(worst, 1e-4 * scale);
}

double channel_range(const Tensor& w, int64_t o) {
  const int64_t per = w.element_count() / w.shape()[0];
  double r = 0.0;
  for (int64_t j = 0; j < per; ++j) r = std::max(r, double(std::fabs(w.data<float>()[o * per + j])));
  return r;
}

}  // namespace

TEST(Equalize, KeepsFp32OutputsAndEvensOutRanges) {
  for (const std::string act : {"", "Relu"}) {
    const ir::Graph before = chain(act);
    ir::Graph g = before;
    const EqualizeStats s = equalize_layers(g, {});
    ASSERT_EQ(s.equalized.size(), 2u) << act;  // A -> B and B -> depthwise C
    expect_same_outputs(before, g);
    // B's input-channel ranges against A's output-channel ranges: equal after (8 sweeps of the chain).
    const Tensor& wa = *g.value(g.nodes[0].inputs[1]).constant;
    const Tensor& wb = *g.value(g.nodes[1].inputs[1]).constant;
    const Tensor& wa0 = *before.value(before.nodes[0].inputs[1]).constant;
    double spread_before = 0.0, spread_after = 0.0;
    for (int64_t c = 0; c < 8; ++c) {
      double r2 = 0.0;
      for (int64_t o = 0; o < 5; ++o)
        for (int64_t k = 0; k < 9; ++k) r2 = std::max(r2, double(std::fabs(wb.data<float>()[(o * 8 + c) * 9 + k])));
      spread_after = std::max(spread_after, std::fabs(std::log(channel_range(wa, c) / r2)));
      spread_before = std::max(spread_before, std::fabs(std::log(channel_range(wa0, c) / channel_range(wa0, 0))));
    }
    EXPECT_LT(spread_after, 0.05) << act;
    EXPECT_GT(spread_before, 2.0);
  }
}

TEST(Equalize, ClipOnlyWhenTheBoundWasNeverReached) {
  const ir::Graph before = chain("Clip");
  ir::Graph g = before;
  const std::string a_out = g.nodes[0].outputs[0];
  EqualizeStats s = equalize_layers(g, {{a_out, 6.0f}});
  ASSERT_EQ(s.skipped.size(), 1u);
  EXPECT_NE(s.skipped[0].find("not positive-homogeneous"), std::string::npos) << s.skipped[0];
  EXPECT_NE(s.skipped[0].find("reached its bound"), std::string::npos) << s.skipped[0];
  s = equalize_layers(g, {});
  ASSERT_EQ(s.skipped.size(), 1u);  // no calibration maximum known
  // With the maximum the test input really gives (< 6), the equalized model is the same on it.
  float observed = 0.0f;
  Runtime::Options options;
  options.observer = [&](const TensorView& v) {
    if (v.name != a_out) return;
    for (int64_t i = 0; i < element_count(v.shape); ++i) observed = std::max(observed, static_cast<const float*>(v.data)[i]);
  };
  const std::vector<uint8_t> bytes = write_qbin(before, {});
  (void)Runtime(bytes.data(), bytes.size(), options).run(input(0.3f));
  ASSERT_GT(observed, 0.5f);
  ASSERT_LT(observed, 6.0f);
  s = equalize_layers(g, {{a_out, observed}});
  EXPECT_EQ(s.skipped.size(), 0u);
  EXPECT_EQ(s.equalized.size(), 2u);
  expect_same_outputs(before, g, 0.3f);
}

TEST(Equalize, LeavesAResidualFanOutAlone) {
  onnx::ModelProto m = t::empty_model("fanout");
  onnx::GraphProto* gp = m.mutable_graph();
  t::add_value(gp->add_input(), "x", {1, 2, 4, 4});
  t::add_value(gp->add_output(), "y", {1, 2, 4, 4});
  t::add_float_initializer(gp, "wa", {2, 2, 1, 1}, {1.0f, 2.0f, 30.0f, 4.0f});
  t::add_float_initializer(gp, "wb", {2, 2, 1, 1}, {0.5f, 0.25f, 0.1f, 2.0f});
  t::add_node(gp, "Conv", {"x", "wa"}, "a");
  t::add_node(gp, "Conv", {"a", "wb"}, "b");
  t::add_node(gp, "Add", {"a", "b"}, "y");
  const std::string dir = t::temp_dir();
  t::save(m, dir + "/fanout.onnx");
  ir::Graph g = import_onnx(dir + "/fanout.onnx");
  passes::run_default_passes(g);
  const EqualizeStats s = equalize_layers(g, {});
  EXPECT_TRUE(s.equalized.empty());
}

}  // namespace qinfer
