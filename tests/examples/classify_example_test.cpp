// examples/classify and qconv --preprocess / image calibration / --calib-limit, end to end: the
// shipped MNIST model converted with the recorded preprocessing and calibrated on the shipped digit
// PNGs (examples/classify/data, made by make_digits.py) classifies the shipped test digits; the
// shared MobileNetV2 (random weights) runs on a shared page image when ../shared exists.
#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "qinfer/preprocess.h"
#include "qinfer/runtime.h"
#include "test_support.h"

namespace qinfer {
namespace {

using testing::run_command;
using testing::source_dir;
using testing::tool;

const std::string kMnistSpec = "channels=1,scale=1/255,mean=0.1307,std=0.3081";

std::string data_dir() { return source_dir() + "/examples/classify/data"; }
std::string mnist_onnx() { return source_dir() + "/examples/mnist/data/mnist_cnn.onnx"; }

// classify_example's output: per image its path line, then "  index probability" lines.
std::vector<std::vector<std::pair<int, double>>> parse_top5(const std::string& out) {
  std::vector<std::vector<std::pair<int, double>>> images;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("  ", 0) != 0) {
      images.emplace_back();
      continue;
    }
    std::istringstream f(line);
    int index = -1;
    double p = -1;
    f >> index >> p;
    if (!images.empty()) images.back().emplace_back(index, p);
  }
  return images;
}

TEST(ClassifyExample, MnistDigitPngsWithRecordedPreprocessing) {
  const std::string dir = testing::temp_dir(), qbin = dir + "/mnist.qbin";
  const auto conv = run_command(tool("qconv") + " " + mnist_onnx() + " --preprocess " + kMnistSpec + " --calib " +
                                data_dir() + "/calib --calib-limit 12 -o " + qbin);
  ASSERT_EQ(conv.exit_code, 0) << conv.output;
  const Runtime rt(qbin);
  EXPECT_EQ(rt.metadata().at(kPreprocessMetadataKey), to_string(parse_preprocess(kMnistSpec)));
  EXPECT_EQ(rt.metadata().at("calibration_samples"), "12");

  std::vector<std::pair<std::string, int>> labels;
  std::istringstream in(testing::read_text(data_dir() + "/test/labels.tsv"));
  for (std::string name; std::getline(in, name, '\t');) {
    std::string label;
    std::getline(in, label);
    labels.emplace_back(name, std::stoi(label));
  }
  ASSERT_GE(labels.size(), 10u);
  std::string cmd = tool("classify_example") + " " + qbin;
  for (const auto& [name, label] : labels) cmd += " " + data_dir() + "/test/" + name;
  const auto run = run_command(cmd);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const auto top5 = parse_top5(run.output);
  ASSERT_EQ(top5.size(), labels.size()) << run.output;
  int correct = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    ASSERT_EQ(top5[i].size(), 5u) << run.output;
    double sum = 0;
    for (size_t k = 0; k < 5; ++k) {
      sum += top5[i][k].second;
      if (k) EXPECT_GE(top5[i][k - 1].second, top5[i][k].second);
    }
    EXPECT_LE(sum, 1.0 + 1e-4);
    correct += top5[i][0].first == labels[i].second;
  }
  EXPECT_GE(correct * 10, static_cast<int>(labels.size()) * 8) << correct << "/" << labels.size() << "\n" << run.output;
}

TEST(ClassifyExample, PreprocessAndImageCalibrationErrors) {
  const std::string dir = testing::temp_dir(), qbin = dir + "/m.qbin";
  // A folder of images without --preprocess: the error names the folder; nothing is written.
  auto r = run_command(tool("qconv") + " " + mnist_onnx() + " --calib " + data_dir() + "/calib -o " + qbin);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find(data_dir() + "/calib: a calibration folder of images needs --preprocess"), std::string::npos)
      << r.output;
  EXPECT_FALSE(testing::exists(qbin));
  r = run_command(tool("qconv") + " " + mnist_onnx() + " --no-quantize --preprocess order=brg -o " + qbin);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("order=brg: must be rgb or bgr"), std::string::npos) << r.output;
  // The spec must fit the model input (MNIST: 1 channel).
  r = run_command(tool("qconv") + " " + mnist_onnx() + " --no-quantize --preprocess scale=1/255 -o " + qbin);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("channels=3 but the input has 1 channels"), std::string::npos) << r.output;
  EXPECT_FALSE(testing::exists(qbin));
  // A model converted without --preprocess: classify_example says so.
  ASSERT_EQ(run_command(tool("qconv") + " " + mnist_onnx() + " --no-quantize -o " + qbin).exit_code, 0);
  r = run_command(tool("classify_example") + " " + qbin + " " + data_dir() + "/test/digit_00.png");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("records no input preprocessing"), std::string::npos) << r.output;
}

TEST(ClassifyExample, CalibLimitCapsNpySamples) {
  const std::string dir = testing::temp_dir(), qbin = dir + "/m.qbin";
  const auto r = run_command(tool("qconv") + " " + mnist_onnx() + " --calib " + source_dir() +
                             "/examples/mnist/data/calib_images.npy --calib-limit 7 -o " + qbin);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Runtime(qbin).metadata().at("calibration_samples"), "7");
  EXPECT_EQ(Runtime(qbin).metadata().count(kPreprocessMetadataKey), 0u);
}

TEST(ClassifyExample, SharedMobileNetV2OnAPageImage) {
  const std::string shared = testing::shared_dir();
  const std::string onnx = shared + "/models/mobilenet_v2.onnx", pages = shared + "/data/ocr/pages";
  if (!testing::exists(onnx) || !testing::exists(pages)) GTEST_SKIP() << "needs " << onnx << " and " << pages;
  const std::string dir = testing::temp_dir(), qbin = dir + "/mobilenet.qbin";
  const auto conv = run_command(tool("qconv") + " " + onnx +
                                " --preprocess resize=224x224,scale=1/255,mean=0.485:0.456:0.406,std=0.229:0.224:0.225"
                                " --calib " + pages + " --calib-limit 1 -o " + qbin);
  ASSERT_EQ(conv.exit_code, 0) << conv.output;
  const auto run = run_command(tool("classify_example") + " " + qbin + " " + pages + "/page_000.png");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const auto top5 = parse_top5(run.output);
  ASSERT_EQ(top5.size(), 1u) << run.output;
  ASSERT_EQ(top5[0].size(), 5u) << run.output;
  for (const auto& [index, p] : top5[0]) {
    EXPECT_GE(index, 0);
    EXPECT_LT(index, 1000);
    EXPECT_GE(p, 0.0);
  }
}

}  // namespace
}  // namespace qinfer
