// --emit-qdq: the QDQ ONNX model is valid ONNX and carries exactly the qbin's quantization.
#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <fstream>
#include <map>

#include "qinfer/npy.h"
#include "test_support.h"

namespace qinfer {

TEST(QdqExport, MnistModelIsValidOnnxWithPerChannelWeights) {
  const std::string d = testing::source_dir() + "/examples/mnist/data", dir = testing::temp_dir();
  const auto r = testing::run_command(testing::tool("qconv") + " " + d + "/mnist_cnn.onnx --calib " + d +
                                      "/calib_images.npy --emit-qdq " + dir + "/q.onnx");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(testing::exists(dir + "/q.qbin"));  // only what was asked for is written
  onnx::ModelProto m;
  std::ifstream in(dir + "/q.onnx", std::ios::binary);
  ASSERT_TRUE(m.ParseFromIstream(&in));
  EXPECT_NO_THROW(onnx::checker::check_model(m));
  std::map<std::string, int> ops;
  for (const auto& n : m.graph().node()) ops[n.op_type()]++;
  EXPECT_EQ(ops["Conv"], 7);
  EXPECT_EQ(ops["Gemm"], 2);
  // One QuantizeLinear per uint8 activation: the input and the output of each of the 12 int8 nodes.
  EXPECT_EQ(ops["QuantizeLinear"], 13);
  // Weights are int8 initializers with one scale per output channel behind an axis-0 DequantizeLinear.
  int per_channel = 0;
  for (const auto& n : m.graph().node()) {
    if (n.op_type() != "DequantizeLinear" || n.attribute_size() == 0) continue;
    EXPECT_EQ(n.attribute(0).name(), "axis");
    EXPECT_EQ(n.attribute(0).i(), 0);
    ++per_channel;
  }
  EXPECT_EQ(per_channel, 18);  // 9 weights + 9 biases
  const auto q = testing::run_command(testing::tool("qconv") + " " + d + "/mnist_cnn.onnx --no-quantize --emit-qdq " + dir + "/x.onnx");
  EXPECT_NE(q.exit_code, 0);
  EXPECT_NE(q.output.find("needs calibration"), std::string::npos) << q.output;
}

}  // namespace qinfer
