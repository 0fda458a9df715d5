// Calibration: loads sample inputs and runs the fp32 model on the runtime with an observer on
// every tensor, collecting the value range of each one.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "histogram.h"
#include "qinfer/tensor.h"

namespace qinfer {

// Loads calibration samples for a single-input model whose input has `rank` dimensions:
// a .npy holding a batch (first dimension = samples), or a folder of .npy files, each either a
// batch or one sample without the batch dimension. Throws Error naming the path on problems.
Tensor load_calibration_samples(const std::string& path, size_t rank);

// Samples [begin, begin + count) of a batch (dim 0 = samples), as a batch of their own.
Tensor sample_rows(const Tensor& samples, int64_t begin, int64_t count);

// Runs the fp32 qbin on `samples` in batches of `batch` (the model's own batch size when it is
// fixed) and streams every float tensor's values (the graph input included) into a histogram.
// `progress` (may be empty) is called after each batch with (samples done, samples total).
std::map<std::string, Histogram> collect_histograms(const std::vector<uint8_t>& fp32_qbin, const Tensor& samples,
                                                    int64_t batch, int threads,
                                                    const std::function<void(int64_t, int64_t)>& progress = {});

// The quantization range of every histogram under `method`.
std::map<std::string, ClipRange> choose_ranges(const std::map<std::string, Histogram>& histograms, RangeMethod method,
                                               double percentile);

}  // namespace qinfer
