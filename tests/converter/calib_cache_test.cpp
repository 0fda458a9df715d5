// The calibration cache: a model re-quantized from a saved cache, with any method, is
// byte-identical to one calibrated directly; a cache from another model or a damaged one is an
// error naming the file, and no output is written.
#include <gtest/gtest.h>

#include <fstream>

#include "qinfer/converter.h"
#include "qinfer/error.h"
#include "test_support.h"

namespace qinfer {

namespace {
const std::string kData = testing::source_dir() + "/examples/mnist/data";

ConvertOptions mnist_options(const std::string& out) {
  ConvertOptions o;
  o.onnx_path = kData + "/mnist_cnn.onnx";
  o.output_path = out;
  return o;
}

std::string convert_error(const ConvertOptions& o) {
  try {
    convert(o);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }
}  // namespace

TEST(CalibrationCache, LoadedCacheGivesTheSameModelForEveryMethod) {
  const std::string dir = testing::temp_dir(), cache = dir + "/mnist.calib.json";
  ConvertOptions save = mnist_options(dir + "/first.qbin");
  save.calib_path = kData + "/calib_images.npy";
  save.save_calib_path = cache;
  convert(save);
  ASSERT_TRUE(testing::exists(cache));
  for (const char* method : {"minmax", "percentile", "entropy", "mse"}) {
    ConvertOptions direct = mnist_options(dir + "/direct.qbin");
    direct.calib_path = kData + "/calib_images.npy";
    direct.method = method;
    convert(direct);
    ConvertOptions cached = mnist_options(dir + "/cached.qbin");
    cached.load_calib_path = cache;
    cached.method = method;
    convert(cached);
    EXPECT_TRUE(testing::read_text(dir + "/direct.qbin") == testing::read_text(dir + "/cached.qbin")) << method;
  }
}

TEST(CalibrationCache, RefusesCachesOfOtherModelsAndDamagedOnes) {
  const std::string dir = testing::temp_dir(), cache = dir + "/c.json", out = dir + "/out.qbin";
  ConvertOptions save = mnist_options(dir + "/first.qbin");
  save.calib_path = kData + "/calib_images.npy";
  save.save_calib_path = cache;
  convert(save);
  const std::string good = testing::read_text(cache);

  // The same cache against a model that differs in one weight.
  ConvertOptions o = mnist_options(out);
  o.load_calib_path = cache;
  o.onnx_path = testing::source_dir() + "/tests/data/ops/binary_broadcast.onnx";
  std::string e = convert_error(o);
  EXPECT_NE(e.find("made from another model"), std::string::npos) << e;

  o = mnist_options(out);
  o.load_calib_path = cache;
  write(cache, good.substr(0, good.size() / 2));
  e = convert_error(o);
  EXPECT_NE(e.find("invalid JSON"), std::string::npos) << e;

  write(cache, "{\"format\": \"something else\"}");
  e = convert_error(o);
  EXPECT_NE(e.find("not a calibration cache"), std::string::npos) << e;

  // A total changed: the bin counts no longer add up to it.
  std::string tampered = good;
  const size_t total = tampered.find("\"total\": ");
  ASSERT_NE(total, std::string::npos);
  tampered.insert(total + 9, "1");  // "total": 123 -> "total": 1123
  write(cache, tampered);
  e = convert_error(o);
  EXPECT_NE(e.find("add up to"), std::string::npos) << e;

  write(cache, good);
  o.bias_correction = true;  // needs samples, which a cache does not have
  e = convert_error(o);
  EXPECT_NE(e.find("give --calib too"), std::string::npos) << e;
  EXPECT_FALSE(testing::exists(out));
}

}  // namespace qinfer
