// Plan-time fusion of residual int8 Adds into Convs (runtime/src/residual_fusion.h): on a small
// ResNet-like graph with a first-layer conv, 1x1 and 3x3 (dilated, grouped) convs, the fused graph
// gives exactly the unfused graph's bytes (QINFER_FUSE=0) under every QINFER_ISA, and only the
// pairs the rules allow are fused (a conv output with two consumers or a grouped conv is not).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "onnx_builder.h"
#include "qinfer/converter.h"
#include "qinfer/npy.h"
#include "test_support.h"

namespace qinfer {

namespace {

using testing::add_float_initializer;
using testing::add_node;
using testing::add_value;
using testing::ramp;
using testing::set_int;
using testing::set_ints;

onnx::NodeProto* conv(onnx::GraphProto* g, const std::string& in, const std::string& out, int64_t cin, int64_t cout,
                      int64_t k, int64_t stride, int64_t pad, int64_t dilation = 1, int64_t group = 1) {
  add_float_initializer(g, out + "_w", {cout, cin / group, k, k},
                        ramp(static_cast<size_t>(cout * cin / group * k * k), 0.4f / float(k * std::sqrt(cin)), -0.15f));
  add_float_initializer(g, out + "_b", {cout}, ramp(static_cast<size_t>(cout), 0.03f, -0.2f));
  onnx::NodeProto* n = add_node(g, "Conv", {in, out + "_w", out + "_b"}, out);
  set_ints(n, "kernel_shape", {k, k});
  set_ints(n, "strides", {stride, stride});
  set_ints(n, "pads", {pad, pad, pad, pad});
  set_ints(n, "dilations", {dilation, dilation});
  set_int(n, "group", group);
  return n;
}

// x [1,3,23,21] -> c1 7x7 s2 (Relu) [1,20,12,11]
//   a1 = Relu(Add(c2 = 1x1(c1), d = 3x3(c1)))          fuses (the later conv, d)
//   c3 = 3x3 dilation 2 (a1); a2 = Add(c3, a1); y2 = Add(c3, a2)   c3 has two consumers: no fusion
//   gc = 3x3 group 2 (y2); a3 = Add(gc, y2)              grouped: no fusion
//   y = Add(a3, c6 = 1x1(a3))                            fuses (the conv is operand b)
onnx::ModelProto residual_model() {
  onnx::ModelProto m = testing::empty_model("residual");
  onnx::GraphProto* g = m.mutable_graph();
  add_value(g->add_input(), "x", {1, 3, 23, 21});
  add_value(g->add_output(), "y", {1, 20, 12, 11});
  conv(g, "x", "c1", 3, 20, 7, 2, 3);
  add_node(g, "Relu", {"c1"}, "r1");
  conv(g, "r1", "c2", 20, 20, 1, 1, 0);
  conv(g, "r1", "d", 20, 20, 3, 1, 1);
  add_node(g, "Add", {"c2", "d"}, "s1");
  add_node(g, "Relu", {"s1"}, "a1");
  conv(g, "a1", "c3", 20, 20, 3, 1, 2, 2);
  add_node(g, "Add", {"c3", "a1"}, "a2");
  add_node(g, "Add", {"c3", "a2"}, "y2");
  conv(g, "y2", "gc", 20, 20, 3, 1, 1, 1, 2);
  add_node(g, "Add", {"gc", "y2"}, "a3");
  conv(g, "a3", "c6", 20, 20, 1, 1, 0);
  add_node(g, "Add", {"a3", "c6"}, "y");
  return m;
}

Tensor input(int64_t batch, int seed) {
  Tensor x(DType::Float32, {batch, 3, 23, 21});
  for (int64_t i = 0; i < x.element_count(); ++i)
    x.data<float>()[i] = std::sin(0.29f * static_cast<float>(i) + static_cast<float>(seed)) * 2.0f;
  return x;
}

// Saves `model` and `calib` in `dir` and converts them to int8: the qbin's path.
std::string convert_int8(const onnx::ModelProto& model, const Tensor& calib, const std::string& dir) {
  testing::save(model, dir + "/model.onnx");
  write_npy(dir + "/calib.npy", calib);
  ConvertOptions o;
  o.onnx_path = dir + "/model.onnx";
  o.output_path = dir + "/q.qbin";
  o.quantize = true;
  o.calib_path = dir + "/calib.npy";
  convert(o);
  return o.output_path;
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ResidualFusion, FusedBytesEqualUnfusedOnEveryIsa) {
  const std::string dir = testing::temp_dir();
  const std::string qbin = convert_int8(residual_model(), input(4, 1), dir);
  write_npy(dir + "/x.npy", input(2, 7));

  const std::string qrun = testing::tool("qrun") + " " + qbin + " --input " + dir + "/x.npy";
  const auto profile = testing::run_command(qrun + " --profile --repeat 1");
  ASSERT_EQ(profile.exit_code, 0) << profile.output;
  EXPECT_EQ(count(profile.output, "d_node+s1_node"), 1) << profile.output;
  EXPECT_EQ(count(profile.output, "c6_node+y_node"), 1) << profile.output;
  EXPECT_EQ(count(profile.output, "_node+"), 2) << profile.output;
  const auto unfused = testing::run_command("QINFER_FUSE=0 " + qrun + " --profile --repeat 1");
  EXPECT_EQ(count(unfused.output, "_node+"), 0) << unfused.output;

  const auto run = [&](const std::string& env, const std::string& name) {
    const std::string out = dir + "/y_" + name + ".npy";
    const auto r = testing::run_command(env + " " + qrun + " --output " + out);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return testing::read_text(out);
  };
  const std::string want = run("QINFER_FUSE=0 QINFER_ISA=ref", "unfused_ref");
  ASSERT_FALSE(want.empty());
  EXPECT_TRUE(run("QINFER_FUSE=0", "unfused") == want) << "unfused default ISA differs from the reference";
  for (const char* isa : {"", "hwy", "avx2", "avxvnni", "avx512vnni", "amx", "ref"})
    EXPECT_TRUE(run(std::string("QINFER_ISA=") + isa, std::string("fused_") + (*isa ? isa : "default")) == want)
        << "fused, QINFER_ISA=" << isa << " differs from the unfused reference";
}

// Threads split an int8 GEMM's rows into blocks and the rows left over by column panels (GemmWork
// in kernels/conv.cpp): x [1,16,13,15] -> 3x3 (im2col, 195 rows) -> Relu -> 1x1 + Add (fused,
// 195 rows) -> Relu -> 3x3 stride 2 (56 rows), 96 and 64 channels (several column panels). Every
// thread count and ISA gives the bytes of the 1-thread reference.
TEST(ResidualFusion, EveryThreadCountGivesTheSameBytes) {
  onnx::ModelProto m = testing::empty_model("threads");
  onnx::GraphProto* g = m.mutable_graph();
  add_value(g->add_input(), "x", {1, 16, 13, 15});
  add_value(g->add_output(), "y", {1, 64, 7, 8});
  conv(g, "x", "c1", 16, 96, 3, 1, 1);
  add_node(g, "Relu", {"c1"}, "r1");
  conv(g, "r1", "c2", 96, 96, 1, 1, 0);
  add_node(g, "Add", {"c2", "r1"}, "s");
  add_node(g, "Relu", {"s"}, "r2");
  conv(g, "r2", "y", 96, 64, 3, 2, 1);
  auto sample = [](int64_t batch, int seed) {
    Tensor x(DType::Float32, {batch, 16, 13, 15});
    for (int64_t i = 0; i < x.element_count(); ++i)
      x.data<float>()[i] = std::sin(0.37f * static_cast<float>(i) + static_cast<float>(seed)) * 1.5f;
    return x;
  };
  const std::string dir = testing::temp_dir();
  const std::string qbin = convert_int8(m, sample(4, 1), dir);
  write_npy(dir + "/x.npy", sample(1, 5));
  const auto run = [&](const std::string& isa, int threads) {
    const std::string out = dir + "/y_" + (isa.empty() ? "default" : isa) + std::to_string(threads) + ".npy";
    const auto r = testing::run_command("QINFER_ISA=" + isa + " " + testing::tool("qrun") + " " + qbin + " --input " +
                                        dir + "/x.npy --threads " + std::to_string(threads) + " --output " + out);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return testing::read_text(out);
  };
  const std::string want = run("ref", 1);
  ASSERT_FALSE(want.empty());
  for (const char* isa : {"", "avx512vnni", "avx2", "hwy"})
    for (int threads : {1, 2, 3, 4, 5})
      EXPECT_TRUE(run(isa, threads) == want) << "QINFER_ISA=" << isa << " with " << threads << " threads";
}

}  // namespace

}  // namespace qinfer
