// The README's example: convert the MNIST CNN to fp32 and int8 qbins, run both on the test
// digits, and print accuracy and single-sample latency of each.
//
//   mnist_example [DATA_DIR] [OUT_DIR]
//
// DATA_DIR holds mnist_cnn.onnx, calib_images.npy, test_images.npy and test_labels.npy
// (default: the data folder shipped beside this file).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "qinfer/converter.h"
#include "qinfer/npy.h"
#include "qinfer/runtime.h"

#ifndef QINFER_EXAMPLE_DATA
#define QINFER_EXAMPLE_DATA "examples/mnist/data"
#endif

namespace {

struct Result {
  double accuracy;
  double median_ms;
};

// Runs the model on every test digit (one at a time, as a deployed classifier would) and times it.
Result evaluate(const std::string& model, const qinfer::Tensor& images, const qinfer::Tensor& labels) {
  const qinfer::Runtime rt(model);
  const int64_t count = images.shape()[0];
  const size_t per_image = static_cast<size_t>(images.element_count() / count);
  qinfer::Tensor one(qinfer::DType::Float32, {1, images.shape()[1], images.shape()[2], images.shape()[3]});
  int64_t correct = 0;
  std::vector<double> ms;
  for (int64_t i = 0; i < count; ++i) {
    std::memcpy(one.data<float>(), images.data<float>() + i * per_image, per_image * sizeof(float));
    const auto start = std::chrono::steady_clock::now();
    const std::vector<qinfer::Tensor> out = rt.run(one);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    const float* logits = out[0].data<float>();
    const int64_t predicted = std::max_element(logits, logits + out[0].element_count()) - logits;
    correct += predicted == labels.data<int64_t>()[i];
  }
  std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
  return {100.0 * double(correct) / double(count), ms[ms.size() / 2]};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string data = argc > 1 ? argv[1] : QINFER_EXAMPLE_DATA;
  const std::string out = argc > 2 ? argv[2] : ".";
  try {
    const qinfer::Tensor images = qinfer::read_npy(data + "/test_images.npy");
    const qinfer::Tensor labels = qinfer::read_npy(data + "/test_labels.npy");

    qinfer::ConvertOptions options;
    options.onnx_path = data + "/mnist_cnn.onnx";
    options.output_path = out + "/mnist_fp32.qbin";
    options.quantize = false;
    qinfer::convert(options);
    options.output_path = out + "/mnist_int8.qbin";
    options.quantize = true;
    options.calib_path = data + "/calib_images.npy";
    const qinfer::ConvertSummary s = qinfer::convert(options);
    std::printf("converted %s: int8 qbin %zu bytes (%.1f%% of the ONNX file), calibrated on %lld digits\n",
                options.onnx_path.c_str(), s.qbin_bytes, 100.0 * double(s.qbin_bytes) / double(s.onnx_bytes),
                static_cast<long long>(s.calib_samples));

    const Result fp32 = evaluate(out + "/mnist_fp32.qbin", images, labels);
    const Result int8 = evaluate(out + "/mnist_int8.qbin", images, labels);
    std::printf("%lld test digits, batch 1, 1 thread\n", static_cast<long long>(images.shape()[0]));
    std::printf("fp32: accuracy %.2f%%  median latency %.3f ms\n", fp32.accuracy, fp32.median_ms);
    std::printf("int8: accuracy %.2f%%  median latency %.3f ms\n", int8.accuracy, int8.median_ms);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mnist_example: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
