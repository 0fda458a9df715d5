// The calibration cache (qconv --save-calib / --load-calib): every tensor's histogram as JSON, so a
// model can be re-quantized with another method or option without running calibration again
// (calibration is the slow step). Histograms keep their full resolution, so every method gives
// the same ranges from a loaded cache as from the run that saved it.
#pragma once

#include <map>
#include <vector>
#include <string>

#include "histogram.h"

namespace qinfer {

struct CalibrationCache {
  std::string model;         // file name of the ONNX model it was collected on (for messages)
  std::string fingerprint;   // of the fp32 graph calibrated (model_fingerprint)
  int64_t samples = 0;       // calibration samples it summarises
  std::map<std::string, Histogram> histograms;
};

// Identifies the fp32 graph that calibration runs (the converted fp32 qbin without metadata): a
// cache is only valid for the same model converted by the same passes.
std::string model_fingerprint(const std::vector<uint8_t>& fp32_qbin_without_metadata);

// Writes atomically (nothing is left on failure).
void save_calibration_cache(const std::string& path, const CalibrationCache& cache);

// Reads and checks a cache; a cache whose fingerprint differs from `fingerprint` (made from another
// model, or by a qconv whose passes changed the graph differently) is an Error naming the file.
CalibrationCache load_calibration_cache(const std::string& path, const std::string& fingerprint);

}  // namespace qinfer
