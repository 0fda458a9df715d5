// The HardSwish fusion and affine folding passes, and the int8 forms of HardSwish / HardSigmoid /
// Sigmoid (tables), Mul, Resize, Concat and ConvTranspose, on a small model shaped like PP-OCRv4
// det: fp32 results equal the unfused graph's, the int8 graph has no fp32 island, stays close to
// fp32 and gives the same bytes under every QINFER_ISA.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "onnx_builder.h"
#include "qinfer/converter.h"
#include "qinfer/npy.h"
#include "qinfer/runtime.h"
#include "test_support.h"

namespace qinfer {

namespace {

using testing::add_float_initializer;
using testing::add_value;
using testing::add_node;
using testing::ramp;
using testing::set_float;
using testing::set_ints;
using testing::set_string;


// x [1,3,7,9] -> Conv 1x1 (5) -> Mul(k) -> Add(c) -> x*Clip(x+3,0,6)/6 -> Mul(a) -> Add(b) = h
//   SE gate: GlobalAveragePool(h) -> Conv 1x1 -> HardSigmoid -> Mul(h, gate) = s
//   up = Resize nearest x2 (asymmetric, floor) of s;  t = ConvTranspose 2x2 stride 2 (5 -> 3) of h
//   y = Sigmoid(Concat(up, t) along channels)   [1, 8, 14, 18]
onnx::ModelProto det_like_model() {
  onnx::ModelProto m = testing::empty_model("det_like");
  onnx::GraphProto* g = m.mutable_graph();
  add_value(g->add_input(), "x", {1, 3, 7, 9});
  add_value(g->add_output(), "y", {1, 8, 14, 18});
  add_float_initializer(g, "w0", {5, 3, 1, 1}, ramp(15, 0.11f, -1.2f));
  add_float_initializer(g, "b0", {5}, ramp(5, 0.2f, -0.3f));
  add_float_initializer(g, "k", {1}, {0.943f});
  add_float_initializer(g, "c", {1}, {0.504f});
  add_float_initializer(g, "three", {}, {3.0f});
  add_float_initializer(g, "zero", {}, {0.0f});
  add_float_initializer(g, "six", {}, {6.0f});
  add_float_initializer(g, "a", {1}, {0.476f});
  add_float_initializer(g, "b", {1}, {-0.0076f});
  add_float_initializer(g, "wse", {5, 5, 1, 1}, ramp(25, 0.09f, -0.8f));
  add_float_initializer(g, "bse", {5}, ramp(5, 0.1f, 0.1f));
  add_float_initializer(g, "wt", {5, 3, 2, 2}, ramp(60, 0.07f, -0.7f));
  add_float_initializer(g, "bt", {3}, {0.1f, -0.2f, 0.05f});
  add_float_initializer(g, "scales", {4}, {1, 1, 2, 2});
  add_node(g, "Conv", {"x", "w0", "b0"}, "c0");
  add_node(g, "Mul", {"k", "c0"}, "m0");
  add_node(g, "Add", {"m0", "c"}, "a0");
  add_node(g, "Add", {"a0", "three"}, "p3");
  add_node(g, "Clip", {"p3", "zero", "six"}, "cl");
  add_node(g, "Mul", {"a0", "cl"}, "mx");
  add_node(g, "Div", {"mx", "six"}, "hs");
  add_node(g, "Mul", {"a", "hs"}, "hm");
  add_node(g, "Add", {"hm", "b"}, "h");
  add_node(g, "GlobalAveragePool", {"h"}, "gp");
  add_node(g, "Conv", {"gp", "wse", "bse"}, "gc");
  onnx::NodeProto* hsig = add_node(g, "HardSigmoid", {"gc"}, "gate");
  set_float(hsig, "alpha", 0.2f);
  set_float(hsig, "beta", 0.5f);
  add_node(g, "Mul", {"h", "gate"}, "s");
  onnx::NodeProto* rs = add_node(g, "Resize", {"s", "", "scales"}, "up");
  set_string(rs, "mode", "nearest");
  set_string(rs, "coordinate_transformation_mode", "asymmetric");
  set_string(rs, "nearest_mode", "floor");
  onnx::NodeProto* ct = add_node(g, "ConvTranspose", {"h", "wt", "bt"}, "t");
  set_ints(ct, "kernel_shape", {2, 2});
  set_ints(ct, "strides", {2, 2});
  onnx::NodeProto* cat = add_node(g, "Concat", {"up", "t"}, "cat");
  auto* axis = cat->add_attribute();
  axis->set_name("axis");
  axis->set_type(onnx::AttributeProto::INT);
  axis->set_i(1);
  add_node(g, "Sigmoid", {"cat"}, "y");
  return m;
}

Tensor input(int64_t batch, int seed) {
  Tensor x(DType::Float32, {batch, 3, 7, 9});
  for (int64_t i = 0; i < x.element_count(); ++i)
    x.data<float>()[i] = std::sin(0.37f * static_cast<float>(i) + static_cast<float>(seed)) * 2.5f;
  return x;
}

// The same computation as the ONNX graph, node by node in float (the reference the fused and
// folded fp32 qbin is compared with).
std::vector<float> reference(const Tensor& xt) {
  const float* x = xt.data<float>();
  const auto w0 = ramp(15, 0.11f, -1.2f), b0 = ramp(5, 0.2f, -0.3f), wse = ramp(25, 0.09f, -0.8f), bse = ramp(5, 0.1f, 0.1f);
  const auto wt = ramp(60, 0.07f, -0.7f);
  const float bt[3] = {0.1f, -0.2f, 0.05f};
  const int H = 7, W = 9;
  std::vector<float> h(5 * H * W);
  for (int o = 0; o < 5; ++o)
    for (int p = 0; p < H * W; ++p) {
      float acc = 0.0f;
      for (int i = 0; i < 3; ++i) acc += x[i * H * W + p] * w0[o * 3 + i];
      volatile float v = acc + b0[o];
      v = 0.943f * v;
      const float a0 = v + 0.504f;
      volatile float t = a0 + 3.0f;
      const float cl = std::min(std::max(float(t), 0.0f), 6.0f);
      volatile float mx = a0 * cl;
      volatile float hs = mx / 6.0f;
      volatile float hm = 0.476f * hs;
      h[o * H * W + p] = hm + -0.0076f;
    }
  float gate[5];
  float gp[5];
  for (int c = 0; c < 5; ++c) {
    double s = 0;
    for (int p = 0; p < H * W; ++p) s += h[c * H * W + p];
    gp[c] = static_cast<float>(s / (H * W));
  }
  for (int o = 0; o < 5; ++o) {
    float acc = 0.0f;
    for (int i = 0; i < 5; ++i) acc += gp[i] * wse[o * 5 + i];
    gate[o] = std::max(0.0f, std::min(1.0f, 0.2f * (acc + bse[o]) + 0.5f));
  }
  std::vector<float> y(8 * 14 * 18);
  for (int oy = 0; oy < 14; ++oy)
    for (int ox = 0; ox < 18; ++ox) {
      for (int c = 0; c < 5; ++c) y[(c * 14 + oy) * 18 + ox] = h[(c * H + oy / 2) * W + ox / 2] * gate[c];
      for (int o = 0; o < 3; ++o) {
        float acc = bt[o];
        for (int i = 0; i < 5; ++i) acc += h[(i * H + oy / 2) * W + ox / 2] * wt[((i * 3 + o) * 2 + oy % 2) * 2 + ox % 2];
        y[((5 + o) * 14 + oy) * 18 + ox] = acc;
      }
    }
  for (float& v : y) v = 1.0f / (1.0f + std::exp(-v));
  return y;
}

// The count qinfo prints for an op ("  HardSwish fp32     1"), 0 when absent.
int op_count(const std::string& info, const std::string& op) {
  std::istringstream in(info);
  std::string line;
  while (std::getline(in, line)) {
    const size_t at = line.find("  " + op + " ");
    if (at != 0) continue;
    std::istringstream rest(line.substr(op.size() + 2));
    int n = 0;
    if (rest >> n) return n;
  }
  return 0;
}

struct Converted {
  std::string dir, fp32, int8, calib, x;
};
Converted convert_det_like() {
  Converted c;
  c.dir = testing::temp_dir();
  const std::string onnx = c.dir + "/det_like.onnx";
  testing::save(det_like_model(), onnx);
  c.calib = c.dir + "/calib.npy", c.x = c.dir + "/x.npy";
  write_npy(c.calib, input(4, 1));
  write_npy(c.x, input(1, 9));
  c.fp32 = c.dir + "/f.qbin", c.int8 = c.dir + "/q.qbin";
  ConvertOptions o;
  o.onnx_path = onnx;
  o.output_path = c.fp32;
  o.quantize = false;
  convert(o);
  o.output_path = c.int8;
  o.quantize = true;
  o.calib_path = c.calib;
  convert(o);
  return c;
}

TEST(Int8Ops, HardSwishFusionAndFoldingKeepFp32Results) {
  const Converted c = convert_det_like();
  const auto info = testing::run_command(testing::tool("qinfo") + " " + c.fp32);
  ASSERT_EQ(info.exit_code, 0) << info.output;
  // Add(3), Clip, Mul, Div and the affine Mul/Adds before and after are one HardSwish node; the
  // ConvTranspose bias stays in the ConvTranspose.
  EXPECT_EQ(op_count(info.output, "HardSwish fp32"), 1) << info.output;
  EXPECT_EQ(op_count(info.output, "Div fp32"), 0) << info.output;
  EXPECT_EQ(op_count(info.output, "Add fp32"), 0) << info.output;
  EXPECT_EQ(op_count(info.output, "Clip fp32"), 0) << info.output;
  EXPECT_EQ(op_count(info.output, "Mul fp32"), 1) << info.output;  // the SE gate
  Runtime rt(c.fp32);
  const Tensor x = input(1, 9);
  const Tensor y = rt.run(x)[0];
  const std::vector<float> want = reference(x);
  ASSERT_EQ(y.element_count(), static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(y.data<float>()[i], want[i], 1e-5f) << i;
}

TEST(Int8Ops, WholeGraphRunsInInt8AndStaysCloseToFp32) {
  const Converted c = convert_det_like();
  const auto info = testing::run_command(testing::tool("qinfo") + " " + c.int8);
  ASSERT_EQ(info.exit_code, 0) << info.output;
  for (const char* op : {"HardSwish int8", "HardSigmoid int8", "Mul int8", "Resize int8", "Concat int8",
                         "ConvTranspose int8", "Sigmoid int8", "Quantize int8", "Dequantize int8"})
    EXPECT_EQ(op_count(info.output, op), 1) << op << "\n" << info.output;
  EXPECT_EQ(info.output.find(" fp32 "), std::string::npos) << info.output;
  const Tensor x = input(1, 9);
  const Tensor yq = Runtime(c.int8).run(x)[0];
  const Tensor yf = Runtime(c.fp32).run(x)[0];
  double max_err = 0;
  for (int64_t i = 0; i < yf.element_count(); ++i)
    max_err = std::max(max_err, double(std::fabs(yq.data<float>()[i] - yf.data<float>()[i])));
  EXPECT_LT(max_err, 0.05) << "int8 sigmoid output vs fp32";
}

TEST(Int8Ops, IdenticalBytesOnEveryIsa) {
  const Converted c = convert_det_like();
  std::string first;
  for (const char* isa : {"", "hwy", "avx2", "ref"}) {
    const std::string out = c.dir + "/y_" + (*isa ? isa : "default") + ".npy";
    const auto r = testing::run_command("QINFER_ISA=" + std::string(isa) + " " + testing::tool("qrun") + " " + c.int8 +
                                        " --input " + c.calib + " --output " + out);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string bytes = testing::read_text(out);
    if (first.empty()) first = bytes;
    EXPECT_TRUE(bytes == first) << "QINFER_ISA=" << isa << " differs from the default";
  }
}

TEST(Int8Ops, QdqExportSpellsHardSwishAndInt8ConvTranspose) {
  const Converted c = convert_det_like();
  ConvertOptions o;
  o.onnx_path = c.dir + "/det_like.onnx";
  o.qdq_path = c.dir + "/qdq.onnx";
  o.calib_path = c.calib;
  convert(o);
  onnx::ModelProto m;
  std::ifstream in(o.qdq_path, std::ios::binary);
  ASSERT_TRUE(m.ParseFromIstream(&in));
  int hsig = 0, convt = 0;
  for (const auto& n : m.graph().node()) {
    hsig += n.op_type() == "HardSigmoid";
    convt += n.op_type() == "ConvTranspose";
  }
  EXPECT_EQ(hsig, 2);  // the HardSwish's and the SE gate's
  EXPECT_EQ(convt, 1);
}

}  // namespace

}  // namespace qinfer
