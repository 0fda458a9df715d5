// Bias correction removes the output shift that int8 weight rounding causes: with it, the mean
// of (int8 - fp32) per logit over held-out digits is smaller, and accuracy does not drop.
#include <gtest/gtest.h>

#include <cmath>

#include "qinfer/converter.h"
#include "qinfer/npy.h"
#include "qinfer/runtime.h"
#include "test_support.h"

namespace qinfer {

namespace {

Tensor run_file(const std::string& qbin, const Tensor& x) { return Runtime(qbin).run(x).at(0); }

// Mean over classes of |mean over samples of (y - ref)|: the systematic part of the error.
double mean_abs_bias(const Tensor& y, const Tensor& ref) {
  const int64_t n = y.shape()[0], k = y.shape()[1];
  double total = 0.0;
  for (int64_t c = 0; c < k; ++c) {
    double s = 0.0;
    for (int64_t i = 0; i < n; ++i) s += double(y.data<float>()[i * k + c]) - ref.data<float>()[i * k + c];
    total += std::fabs(s / double(n));
  }
  return total / double(k);
}

}  // namespace

TEST(BiasCorrection, ShrinksTheSystematicErrorOfTheShippedMnistModel) {
  const std::string data = testing::source_dir() + "/examples/mnist/data", dir = testing::temp_dir();
  ConvertOptions o;
  o.onnx_path = data + "/mnist_cnn.onnx";
  o.calib_path = data + "/calib_images.npy";
  o.output_path = dir + "/plain.qbin";
  convert(o);
  o.bias_correction = true;
  o.output_path = dir + "/corrected.qbin";
  convert(o);
  o.quantize = false;
  o.output_path = dir + "/fp32.qbin";
  convert(o);

  const Tensor x = read_npy(data + "/test_images.npy");
  const Tensor ref = run_file(dir + "/fp32.qbin", x);
  const double plain = mean_abs_bias(run_file(dir + "/plain.qbin", x), ref);
  const double corrected = mean_abs_bias(run_file(dir + "/corrected.qbin", x), ref);
  std::printf("mean |logit bias| vs fp32 on held-out digits: %.5f plain, %.5f corrected\n", plain, corrected);
  EXPECT_LT(corrected, plain);
  EXPECT_NE(Runtime(dir + "/corrected.qbin").metadata().count("bias_correction"), 0u);
}

}  // namespace qinfer
