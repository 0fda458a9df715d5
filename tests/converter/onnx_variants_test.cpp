// ONNX variants added for the node conformance suite (docs/conformance.md): their conversion
// errors name the node, and a converted qbin using them (plain uint8 Add/Div, int8 Clip, Pow with
// integer operands, cubic Resize, 1-D MaxPool, ConvTranspose with SAME auto_pad, Identity of a graph
// input) survives byte flips with a qinfer::Error or a valid run, never a crash.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <fstream>
#include <random>

#include "converter/onnx_builder.h"
#include "qinfer/converter.h"
#include "qinfer/runtime.h"
#include "test_support.h"

namespace qinfer {

namespace {

void add_typed_value(onnx::ValueInfoProto* v, const std::string& name, int elem_type, const std::vector<int64_t>& dims) {
  testing::add_value(v, name, dims);
  v->mutable_type()->mutable_tensor_type()->set_elem_type(elem_type);
}

std::string convert_error(const onnx::ModelProto& m) {
  const std::string dir = testing::temp_dir();
  testing::save(m, dir + "/m.onnx");
  ConvertOptions o;
  o.onnx_path = dir + "/m.onnx";
  o.output_path = dir + "/m.qbin";
  o.quantize = false;
  try {
    convert(o);
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST(OnnxVariants, ConvTransposeSameNeedsKnownSpatialSize) {
  onnx::ModelProto m = testing::empty_model("ct");
  onnx::GraphProto* g = m.mutable_graph();
  testing::add_value(g->add_input(), "x", {1, 1, 3, 3});
  g->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(2)->set_dim_param("H");
  testing::add_float_initializer(g, "w", {1, 1, 3, 3}, std::vector<float>(9, 1.0f));
  onnx::NodeProto* n = testing::add_node(g, "ConvTranspose", {"x", "w"}, "y");
  testing::set_string(n, "auto_pad", "SAME_UPPER");
  testing::set_ints(n, "strides", {2, 2});
  onnx::ValueInfoProto* y = g->add_output();
  testing::add_value(y, "y", {1, 1, 6, 6});
  y->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(2)->set_dim_param("OH");
  const std::string e = convert_error(m);
  EXPECT_NE(e.find("y_node"), std::string::npos) << e;
  EXPECT_NE(e.find("auto_pad SAME_UPPER needs known spatial input dims"), std::string::npos) << e;
}

TEST(OnnxVariants, ByteFlipsOfTheNewFormsGiveAnErrorOrAValidRun) {
  onnx::ModelProto m = testing::empty_model("variants");
  onnx::GraphProto* g = m.mutable_graph();
  add_typed_value(g->add_input(), "a", onnx::TensorProto::UINT8, {2, 3});
  testing::add_value(g->add_input(), "x", {1, 1, 4, 4});
  add_typed_value(g->add_input(), "i", onnx::TensorProto::INT32, {3});
  testing::add_node(g, "Add", {"a", "a"}, "s");
  testing::add_node(g, "Div", {"s", "a"}, "q");
  testing::add_node(g, "Pow", {"i", "i"}, "p");
  testing::add_float_initializer(g, "scales", {4}, {1, 1, 1.5f, 0.75f});
  onnx::NodeProto* r = testing::add_node(g, "Resize", {"x", "", "scales"}, "r");
  testing::set_string(r, "mode", "cubic");
  testing::set_int(r, "exclude_outside", 1);
  onnx::NodeProto* ct = testing::add_node(g, "ConvTranspose", {"x", "w"}, "t");
  testing::add_float_initializer(g, "w", {1, 2, 3, 3}, testing::ramp(18, 0.1f, -0.5f));
  testing::set_string(ct, "auto_pad", "SAME_LOWER");
  testing::set_ints(ct, "strides", {2, 2});
  testing::add_node(g, "Identity", {"x"}, "id");
  add_typed_value(g->add_output(), "q", onnx::TensorProto::UINT8, {2, 3});
  add_typed_value(g->add_output(), "p", onnx::TensorProto::INT32, {3});
  testing::add_value(g->add_output(), "r", {1, 1, 6, 3});
  testing::add_value(g->add_output(), "t", {1, 2, 8, 8});
  testing::add_value(g->add_output(), "id", {1, 1, 4, 4});
  const std::string dir = testing::temp_dir();
  testing::save(m, dir + "/m.onnx");
  ConvertOptions o;
  o.onnx_path = dir + "/m.onnx";
  o.output_path = dir + "/m.qbin";
  o.quantize = false;
  convert(o);
  std::ifstream in(dir + "/m.qbin", std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::map<std::string, Tensor> inputs{{"a", Tensor(DType::UInt8, {2, 3})}, {"x", Tensor(DType::Float32, {1, 1, 4, 4})},
                                       {"i", Tensor(DType::Int32, {3})}};
  for (int k = 0; k < 6; ++k) inputs.at("a").data<uint8_t>()[k] = static_cast<uint8_t>(100 + 30 * k);  // 100 + 100 wraps
  for (int k = 0; k < 16; ++k) inputs.at("x").data<float>()[k] = static_cast<float>(k);
  for (int k = 0; k < 3; ++k) inputs.at("i").data<int32_t>()[k] = k + 1;
  {
    Runtime rt(bytes.data(), bytes.size());
    const std::vector<Tensor> y = rt.run(inputs);
    ASSERT_EQ(y.size(), 5u);
    EXPECT_EQ(y[0].data<uint8_t>()[0], 200 / 100);
    EXPECT_EQ(y[0].data<uint8_t>()[2], static_cast<uint8_t>(320) / 160);  // 160 + 160 = 64 (mod 256)
    EXPECT_EQ(y[1].data<int32_t>()[2], 27);
    EXPECT_EQ(y[2].shape(), (std::vector<int64_t>{1, 1, 6, 3}));
    EXPECT_EQ(y[3].shape(), (std::vector<int64_t>{1, 2, 8, 8}));
    EXPECT_EQ(y[4].data<float>()[5], 5.0f);
  }
  std::mt19937 rng(5);
  int ran = 0, rejected = 0;
  for (int i = 0; i < 1000; ++i) {
    std::vector<uint8_t> flipped = bytes;
    flipped[rng() % flipped.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
    try {
      Runtime rt(flipped.data(), flipped.size());
      rt.run(inputs);
      ++ran;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()), "");
      ++rejected;
    }
  }
  EXPECT_EQ(ran + rejected, 1000);
}

}  // namespace qinfer
