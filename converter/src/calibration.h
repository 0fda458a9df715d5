// Calibration: loads sample inputs and runs the fp32 model on the runtime with an observer on
// every tensor, collecting the value range of each one.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "qinfer/tensor.h"

namespace qinfer {

struct Range {
  float min = 0.0f, max = 0.0f;
  bool seen = false;
  void update(const float* data, int64_t count);
};

// Loads calibration samples for a single-input model whose input has `rank` dimensions:
// a .npy holding a batch (first dimension = samples), or a folder of .npy files, each either a
// batch or one sample without the batch dimension. Throws Error naming the path on problems.
Tensor load_calibration_samples(const std::string& path, size_t rank);

// Runs the fp32 qbin on `samples` in batches of `batch` (capped by the model's fixed batch
// size) and returns the MinMax range of every float tensor, the graph input included.
std::map<std::string, Range> calibrate_minmax(const std::vector<uint8_t>& fp32_qbin, const Tensor& samples,
                                              int64_t batch, int threads);

}  // namespace qinfer
