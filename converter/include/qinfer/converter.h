// The converter's public API: ONNX -> (calibrate) -> qbin. This is what qconv calls.
#pragma once

#include <functional>
#include <string>

namespace qinfer {

struct ConvertOptions {
  std::string onnx_path;
  std::string output_path;  // the .qbin to write (may be empty when qdq_path is set)
  std::string qdq_path;     // also write the quantized model as QDQ ONNX here (needs quantize)
  std::string calib_path;   // .npy batch or folder of .npy files; required when quantizing
  bool quantize = true;     // false: write an fp32 qbin (no calibration)
  int threads = 1;          // threads for the calibration runs
  std::string method = "percentile";  // activation ranges: minmax | percentile | entropy | mse (docs/quantization.md)
  double percentile = 99.999;     // for method "percentile": keep this share of values
  int64_t calib_batch = 16; // samples per calibration run when the batch dimension is symbolic
  // Called during calibration with (samples done, samples total); e.g. for a progress bar.
  std::function<void(int64_t, int64_t)> progress;
};

struct ConvertSummary {
  size_t onnx_bytes = 0, qbin_bytes = 0;
  int nodes = 0, int8_nodes = 0, fp32_nodes = 0;
  int64_t calib_samples = 0;
  double seconds = 0.0;
};

// Converts and writes `output_path` atomically: on any error (thrown as qinfer::Error naming
// the file, node or tensor) nothing is written and an existing output is left untouched.
ConvertSummary convert(const ConvertOptions& options);

}  // namespace qinfer
