// The walking skeleton's promise, end to end through the command-line tools:
// qconv the MNIST CNN, qrun the test digits, check size and int8 accuracy.
#include <gtest/gtest.h>

#include <cstring>

#include "qinfer/npy.h"
#include "qinfer/runtime.h"
#include "test_support.h"

namespace qinfer {

namespace {

double top1(const std::string& logits_path, const std::string& labels_path) {
  const Tensor y = read_npy(logits_path);
  const Tensor labels = read_npy(labels_path);
  const int64_t n = y.shape()[0], classes = y.shape()[1];
  EXPECT_EQ(labels.shape()[0], n);
  int64_t correct = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float* row = y.data<float>() + i * classes;
    correct += (std::max_element(row, row + classes) - row) == labels.data<int64_t>()[i];
  }
  return 100.0 * double(correct) / double(n);
}

struct Accuracy {
  double fp32, int8;
  double size_ratio;
};

Accuracy convert_and_score(const std::string& onnx, const std::string& calib, const std::string& images,
                           const std::string& labels) {
  const std::string dir = testing::temp_dir();
  const auto q = testing::run_command(testing::tool("qconv") + " " + onnx + " --calib " + calib + " -o " + dir + "/m.qbin");
  EXPECT_EQ(q.exit_code, 0) << q.output;
  const auto f = testing::run_command(testing::tool("qconv") + " " + onnx + " --no-quantize -o " + dir + "/f.qbin");
  EXPECT_EQ(f.exit_code, 0) << f.output;
  const auto r8 = testing::run_command(testing::tool("qrun") + " " + dir + "/m.qbin --input " + images + " --output " + dir + "/y8.npy");
  EXPECT_EQ(r8.exit_code, 0) << r8.output;
  const auto r32 = testing::run_command(testing::tool("qrun") + " " + dir + "/f.qbin --input " + images + " --output " + dir + "/y32.npy");
  EXPECT_EQ(r32.exit_code, 0) << r32.output;
  const double onnx_size = double(testing::read_text(onnx).size());
  return {top1(dir + "/y32.npy", labels), top1(dir + "/y8.npy", labels),
          double(testing::read_text(dir + "/m.qbin").size()) / onnx_size};
}

}  // namespace

TEST(MnistEndToEnd, SharedModelAndTestSet) {
  const std::string s = testing::shared_dir();
  if (!testing::exists(s + "/models/mnist_cnn.onnx")) GTEST_SKIP() << "../shared is absent: shared MNIST model not tested";
  const Accuracy a = convert_and_score(s + "/models/mnist_cnn.onnx", s + "/data/mnist/mnist_calib_images.npy",
                                       s + "/data/mnist/mnist_test_images.npy", s + "/data/mnist/mnist_test_labels.npy");
  std::printf("shared MNIST (2000 digits): fp32 %.2f%%, int8 %.2f%%, qbin %.1f%% of ONNX\n", a.fp32, a.int8, 100 * a.size_ratio);
  EXPECT_GE(a.fp32, 97.25);  // ONNX Runtime fp32: 97.30%
  EXPECT_GE(a.int8, 97.0);
  EXPECT_LE(a.size_ratio, 0.30);
}

TEST(MnistEndToEnd, ShippedExampleData) {
  const std::string d = testing::source_dir() + "/examples/mnist/data";
  const Accuracy a = convert_and_score(d + "/mnist_cnn.onnx", d + "/calib_images.npy", d + "/test_images.npy", d + "/test_labels.npy");
  std::printf("shipped MNIST (500 digits): fp32 %.2f%%, int8 %.2f%%, qbin %.1f%% of ONNX\n", a.fp32, a.int8, 100 * a.size_ratio);
  EXPECT_GE(a.int8, 97.0);
  EXPECT_GE(a.int8, a.fp32 - 0.5);
  EXPECT_LE(a.size_ratio, 0.30);
}

TEST(MnistEndToEnd, ExampleProgramPrintsBothAccuracies) {
  const std::string dir = testing::temp_dir();
  const auto r = testing::run_command(testing::tool("mnist_example") + " " + testing::source_dir() + "/examples/mnist/data " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("fp32: accuracy"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("int8: accuracy"), std::string::npos) << r.output;
}

TEST(MnistEndToEnd, Int8OutputsAreIdenticalAcrossRunsAndThreadCounts) {
  const std::string d = testing::source_dir() + "/examples/mnist/data", dir = testing::temp_dir();
  const auto q = testing::run_command(testing::tool("qconv") + " " + d + "/mnist_cnn.onnx --calib " + d + "/calib_images.npy -o " + dir + "/m.qbin");
  ASSERT_EQ(q.exit_code, 0) << q.output;
  const Tensor all = read_npy(d + "/test_images.npy");
  Tensor batch(DType::Float32, {16, 1, 28, 28});
  std::memcpy(batch.raw_data(), all.raw_data(), batch.byte_size());
  std::vector<uint8_t> first;
  for (int threads : {1, 2, 3}) {
    Runtime::Options o;
    o.threads = threads;
    const Runtime rt(dir + "/m.qbin", o);
    for (int rep = 0; rep < 3; ++rep) {
      const Tensor y = rt.run(batch)[0];
      const auto* b = static_cast<const uint8_t*>(y.raw_data());
      if (first.empty()) first.assign(b, b + y.byte_size());
      EXPECT_EQ(std::vector<uint8_t>(b, b + y.byte_size()), first) << threads << " threads, repetition " << rep;
    }
  }
}

}  // namespace qinfer
