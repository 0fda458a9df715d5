// classify_example MODEL.qbin IMAGE [IMAGE...]: an image file through a classification model with
// the preprocessing recorded in the qbin (qconv --preprocess), top-5 classes printed per image:
//   IMAGE
//     class_index probability
// Outputs that are not already probabilities (a row not summing to 1) go through softmax.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

#include "qinfer/image.h"
#include "qinfer/preprocess.h"
#include "qinfer/runtime.h"

namespace {

std::vector<float> probabilities(const float* logits, size_t n) {
  double sum = 0.0;
  bool nonnegative = true;
  for (size_t i = 0; i < n; ++i) sum += logits[i], nonnegative = nonnegative && logits[i] >= 0.0f;
  std::vector<float> p(logits, logits + n);
  if (nonnegative && std::fabs(sum - 1.0) < 1e-3) return p;
  const float top = *std::max_element(p.begin(), p.end());
  double total = 0.0;
  for (float& v : p) total += (v = std::exp(v - top));
  for (float& v : p) v = static_cast<float>(v / total);
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL.qbin IMAGE [IMAGE...]\n(the model must be converted with qconv --preprocess)\n", argv[0]);
    return 2;
  }
  try {
    const qinfer::Runtime rt(argv[1]);
    for (int a = 2; a < argc; ++a) {
      // 0 channels: as stored; the recorded preprocessing converts gray/colour as the model needs.
      const qinfer::Tensor x = qinfer::preprocess_image(qinfer::read_image(argv[a], 0), rt.metadata());
      const qinfer::Tensor y = rt.run(x).at(0);
      if (y.dtype() != qinfer::DType::Float32 || y.element_count() < 1)
        throw qinfer::Error(std::string(argv[1]) + ": the first output must be float32 class scores");
      const std::vector<float> p = probabilities(y.data<float>(), static_cast<size_t>(y.element_count()));
      std::vector<size_t> order(p.size());
      std::iota(order.begin(), order.end(), 0);
      const size_t k = std::min<size_t>(5, p.size());
      std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](size_t i, size_t j) { return p[i] > p[j]; });
      std::printf("%s\n", argv[a]);
      for (size_t i = 0; i < k; ++i) std::printf("  %zu %.6f\n", order[i], p[order[i]]);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "classify_example: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
