// qconv --input-int16 (the W8A16 input layer) end to end: the written qbin quantizes the float
// input to symmetric int16 and its first Conv reads int16; the runtime runs it (every ISA gives the
// same bytes) closer to fp32 than the all-int8 model; combinations it does not support and bad
// int16 tensors are clear errors; and on the shared MobileNetV2 (skipped without ../shared) it
// raises the output cosine on smooth images.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>

#include "error_report.h"
#include "onnx_import.h"
#include "passes/passes.h"
#include "qbin_writer.h"
#include "qinfer/npy.h"
#include "quantizer.h"
#include "report_models.h"

namespace qinfer {

namespace {

ConvertOptions int16_options(const std::string& onnx, const std::string& calib, const std::string& out) {
  ConvertOptions o;
  o.onnx_path = onnx;
  o.calib_path = calib;
  o.output_path = out;
  o.input_int16 = true;
  return o;
}

// Output bytes of `qbin` on `x` with QINFER_ISA set to `isa` (read when the kernels are created).
std::string output_bytes(const std::string& qbin, const Tensor& x, const char* isa, int threads = 1) {
  if (*isa)
    setenv("QINFER_ISA", isa, 1);
  else
    unsetenv("QINFER_ISA");
  Runtime::Options options;
  options.threads = threads;
  const Runtime rt(qbin, options);
  unsetenv("QINFER_ISA");
  const Tensor y = rt.run(x)[0];
  return std::string(static_cast<const char*>(y.raw_data()), y.byte_size());
}

}  // namespace

TEST(InputInt16, QbinHoldsAnInt16InputAndAW8A16Conv) {
  const std::string dir = testing::temp_dir();
  const std::string onnx = testing::small_residual_cnn(dir), calib = testing::small_cnn_calib(dir, 8);
  const ConvertSummary s = convert(int16_options(onnx, calib, dir + "/m.qbin"));
  bool noted = false;
  for (const std::string& n : s.notes) noted = noted || n.find("input-int16: input x") != std::string::npos;
  EXPECT_TRUE(noted);

  // qinfo shows the int16 tensor, its Quantize and the Conv reading it.
  const auto info = testing::run_command(testing::tool("qinfo") + " --json --tensors " + dir + "/m.qbin");
  ASSERT_EQ(info.exit_code, 0) << info.output;
  const nlohmann::json j = nlohmann::json::parse(info.output);
  EXPECT_EQ(j.at("ops").value("Quantize int16", 0), 1) << j.at("ops").dump();
  EXPECT_EQ(j.at("ops").value("Conv int16", 0), 1) << j.at("ops").dump();
  EXPECT_GE(j.at("ops").value("Conv int8", 0), 1) << "the rest stays int8: " << j.at("ops").dump();
  EXPECT_NE(j.at("metadata").value("input_int16", ""), "") << j.at("metadata").dump();
  int int16_tensors = 0;
  const Tensor samples = read_npy(calib);
  float amax = 0;
  for (int64_t i = 0; i < samples.element_count(); ++i) amax = std::max(amax, std::fabs(samples.data<float>()[i]));
  for (const auto& t : j.at("tensors")) {
    if (t.at("dtype") != "int16") continue;
    ++int16_tensors;
    const auto& q = t.at("quantization");
    EXPECT_EQ(q.at("zero_point").at(0).get<int>(), 0) << t.dump();
    EXPECT_NEAR(q.at("scale").at(0).get<double>(), amax / 32767.0, 1e-9) << "scale from the calibrated min/max";
  }
  EXPECT_EQ(int16_tensors, 1);

  // The runtime: every ISA and thread count gives the same bytes.
  const Tensor x = sample_rows(samples, 3, 1);
  const std::string first = output_bytes(dir + "/m.qbin", x, "");
  for (const char* isa : {"ref", "hwy"}) EXPECT_EQ(output_bytes(dir + "/m.qbin", x, isa), first) << "QINFER_ISA=" << isa;
  EXPECT_EQ(output_bytes(dir + "/m.qbin", x, "", 3), first) << "3 threads";

  // Closer to fp32 than the all-int8 model (the input rounding is the only difference).
  ConvertOptions int8 = int16_options(onnx, calib, dir + "/int8.qbin");
  int8.input_int16 = false;
  convert(int8);
  ConvertOptions fp32 = int8;
  fp32.quantize = false;
  fp32.output_path = dir + "/fp32.qbin";
  convert(fp32);
  const double c16 = testing::mean_output_cosine(dir + "/m.qbin", dir + "/fp32.qbin", samples);
  const double c8 = testing::mean_output_cosine(dir + "/int8.qbin", dir + "/fp32.qbin", samples);
  EXPECT_GT(c16, 0.99);
  EXPECT_GE(c16, c8) << "int16 input " << c16 << " vs uint8 input " << c8;
}

TEST(InputInt16, CliAndRuntimeProfile) {
  const std::string dir = testing::temp_dir();
  const std::string onnx = testing::small_residual_cnn(dir), calib = testing::small_cnn_calib(dir, 4);
  const auto c = testing::run_command(testing::tool("qconv") + " " + onnx + " --calib " + calib + " --input-int16 -v -o " +
                                      dir + "/c.qbin");
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_NE(c.output.find("input-int16: input x quantized to int16, read by Conv conv_a"), std::string::npos) << c.output;
  Runtime::Options options;
  options.fuse = false;
  const Runtime rt(dir + "/c.qbin", options);
  std::map<std::string, std::string> ops;
  for (const NodeProfile& n : rt.profile({{"x", sample_rows(read_npy(calib), 0, 1)}}, 1)) ops[n.name] = n.op;
  EXPECT_EQ(ops["conv_a"], "Conv int16");
  EXPECT_EQ(ops["conv_b"], "Conv int8");
}

TEST(InputInt16, UnsupportedCombinationsAreErrors) {
  const std::string dir = testing::temp_dir();
  const std::string onnx = testing::small_residual_cnn(dir), calib = testing::small_cnn_calib(dir, 4);
  ConvertOptions o = int16_options(onnx, calib, dir + "/e.qbin");
  o.qdq_path = dir + "/e.onnx";
  EXPECT_NE(testing::convert_error(o).find("--input-int16 cannot be combined with --emit-qdq"), std::string::npos)
      << testing::convert_error(o);
  o = int16_options(onnx, "", dir + "/e.qbin");
  o.dynamic = true;
  EXPECT_NE(testing::convert_error(o).find("--input-int16"), std::string::npos) << testing::convert_error(o);
  o = int16_options(onnx, calib, dir + "/e.qbin");
  o.report = true;
  EXPECT_NE(testing::convert_error(o).find("--input-int16"), std::string::npos) << testing::convert_error(o);
  o = int16_options(onnx, calib, dir + "/e.qbin");
  o.keep_fp32 = {"conv_a"};  // the input's only reader is fp32: nothing to quantize to int16
  const std::string e = testing::convert_error(o);
  EXPECT_NE(e.find("no model input is read only by int8 Conv nodes"), std::string::npos) << e;
  EXPECT_NE(e.find("input 'x' is also read by Conv 'conv_a' (fp32)"), std::string::npos) << e;
  EXPECT_FALSE(testing::exists(dir + "/e.qbin")) << "nothing is written on error";
}

// An input read by a Conv and by another op stays uint8-less: the option refuses it by name.
TEST(InputInt16, InputWithOtherReadersIsRefused) {
  const std::string dir = testing::temp_dir();
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("two_readers");
  testing::add_value(g->add_input(), "x", {1, 3, 8, 8});
  testing::add_value(g->add_output(), "y", {1, 3, 8, 8});
  testing::add_float_initializer(g, "w", {3, 3, 1, 1}, testing::pseudo_random(9, 1, 0.5f));
  testing::add_node(g, "conv", "Conv", {"x", "w"}, "c");
  testing::add_node(g, "sum", "Add", {"x", "c"}, "y");
  testing::save(m, dir + "/two.onnx");
  const std::string e = testing::convert_error(int16_options(dir + "/two.onnx", testing::small_cnn_calib(dir, 4), dir + "/t.qbin"));
  EXPECT_NE(e.find("input 'x' is also read by Add 'sum'"), std::string::npos) << e;
}

// A qbin whose int16 tensor is not symmetric is refused by the runtime, naming the tensor.
TEST(InputInt16, LoaderRefusesAnAsymmetricInt16Tensor) {
  const std::string dir = testing::temp_dir();
  ir::Graph g = import_onnx(testing::small_residual_cnn(dir));
  passes::run_default_passes(g);
  std::map<std::string, ClipRange> ranges;
  for (const auto& [name, v] : g.values)
    if (!g.is_constant(name) && v.dtype == DType::Float32) ranges[name] = ClipRange{-2.0f, 2.0f};
  QuantizeScheme scheme;
  scheme.input_int16 = true;
  const QuantizeReport r = quantize_graph(g, ranges, {}, nullptr, scheme);
  ASSERT_EQ(r.int16_inputs, std::vector<std::string>{"x"});
  ASSERT_EQ(r.int16_convs, std::vector<std::string>{"conv_a"});
  {
    const std::vector<uint8_t> good = write_qbin(g, {});
    EXPECT_NO_THROW(Runtime(good.data(), good.size()));
  }
  g.values.at("x:q").quant.zero_point = {5};
  const std::vector<uint8_t> bad = write_qbin(g, {});
  try {
    Runtime rt(bad.data(), bad.size());
    ADD_FAILURE() << "loaded an int16 tensor with zero point 5";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("int16"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'x:q' has zero point 5"), std::string::npos) << e.what();
  }
}

// The shared MobileNetV2 on smooth images (bilinear-upsampled 14x14 noise plus 0.3 noise, as
// docs/quantization.md's protocol): the int16 input raises the output cosine vs fp32, and every
// ISA gives the same bytes.
TEST(InputInt16, SharedMobileNetV2) {
  const std::string onnx = testing::shared_dir() + "/models/mobilenet_v2.onnx";
  if (!testing::exists(onnx)) GTEST_SKIP() << "needs " << onnx << " (../shared is absent)";
  const std::string dir = testing::temp_dir();
  auto smooth = [](int64_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    Tensor t(DType::Float32, {n, 3, 224, 224});
    std::vector<float> coarse(14 * 14);
    for (int64_t p = 0; p < n * 3; ++p) {
      for (auto& v : coarse) v = nd(rng);
      float* plane = t.data<float>() + p * 224 * 224;
      for (int64_t yy = 0; yy < 224; ++yy)
        for (int64_t xx = 0; xx < 224; ++xx) {
          const float fy = std::clamp((yy + 0.5f) * 14 / 224 - 0.5f, 0.0f, 13.0f);
          const float fx = std::clamp((xx + 0.5f) * 14 / 224 - 0.5f, 0.0f, 13.0f);
          const int y0 = std::min(int(fy), 12), x0 = std::min(int(fx), 12);
          const float ay = fy - y0, ax = fx - x0;
          const float v = (1 - ay) * ((1 - ax) * coarse[y0 * 14 + x0] + ax * coarse[y0 * 14 + x0 + 1]) +
                          ay * ((1 - ax) * coarse[(y0 + 1) * 14 + x0] + ax * coarse[(y0 + 1) * 14 + x0 + 1]);
          plane[yy * 224 + xx] = v + 0.3f * nd(rng);
        }
    }
    return t;
  };
  write_npy(dir + "/calib.npy", smooth(8, 1));
  const Tensor held_out = smooth(4, 2);
  ConvertOptions o = int16_options(onnx, dir + "/calib.npy", dir + "/m16.qbin");
  o.method = "mse";
  convert(o);
  o.input_int16 = false;
  o.output_path = dir + "/m8.qbin";
  convert(o);
  o.quantize = false;
  o.output_path = dir + "/fp32.qbin";
  convert(o);
  const double c16 = testing::mean_output_cosine(dir + "/m16.qbin", dir + "/fp32.qbin", held_out);
  const double c8 = testing::mean_output_cosine(dir + "/m8.qbin", dir + "/fp32.qbin", held_out);
  std::printf("mobilenet_v2 mse, 4 smooth images: output cosine %.4f (int16 input) vs %.4f (uint8 input)\n", c16, c8);
  EXPECT_GT(c16, c8 + 0.002) << "measured 0.9773 vs 0.9732 when written";
  const Tensor x = sample_rows(held_out, 0, 1);
  const std::string first = output_bytes(dir + "/m16.qbin", x, "");
  EXPECT_EQ(output_bytes(dir + "/m16.qbin", x, "ref"), first) << "QINFER_ISA=ref";
  EXPECT_EQ(output_bytes(dir + "/m16.qbin", x, "", 2), first) << "2 threads";
}

}  // namespace qinfer
