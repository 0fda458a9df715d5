// The converter's public API: ONNX -> (calibrate) -> qbin. This is what qconv calls.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "qinfer/quant_report.h"

namespace qinfer {

struct ConvertOptions {
  std::string onnx_path;
  std::string output_path;  // the .qbin to write (may be empty when qdq_path is set)
  std::string qdq_path;     // also write the quantized model as QDQ ONNX here (needs quantize)
  std::string calib_path;   // .npy batch or folder of .npy files; required when quantizing
  // Input preprocessing (qinfer/preprocess.h SPEC), recorded in the qbin's metadata; also turns a
  // calib_path folder of PNG/JPEG images into samples. Empty: none recorded.
  std::string preprocess;
  int64_t calib_limit = 0;  // use at most this many calibration samples (0: all)
  std::string save_calib_path;  // also write the collected histograms here (JSON calibration cache)
  std::string load_calib_path;  // take the histograms from this cache instead of running calibration
  bool quantize = true;     // false: write an fp32 qbin (no calibration)
  // Dynamic quantization (no calibration): int8 weights for MatMul/Gemm/LSTM, activations quantized
  // per row at run time; everything else fp32 (docs/quantization.md). Takes precedence over quantize.
  bool dynamic = false;
  int threads = 1;          // threads for the calibration runs
  std::string method = "percentile";  // activation ranges: minmax | percentile | entropy | mse (docs/quantization.md)
  double percentile = 99.999;     // for method "percentile": keep this share of values
  int64_t calib_batch = 16; // samples per calibration run when the batch dimension is symbolic
  // Quantization scheme (docs/quantization.md): defaults are per-channel weights in [-127, 127]
  // and asymmetric activations.
  bool per_tensor_weights = false;
  bool symmetric_activations = false;
  bool reduce_range = false;  // 7-bit weights in [-63, 63]
  // W8A16 input layer: a float model input read only by Convs is quantized to symmetric int16
  // (scale from its calibrated min/max) and those Convs compute int16 x int8 -> uint8.
  bool input_int16 = false;
  // Bias correction on the calibration samples (docs/quantization.md).
  bool bias_correction = false;
  // How Conv/Gemm weights are rounded to int8: "nearest", or "gptq" (error-compensating, from the
  // layer inputs' Hessians on the calibration samples; docs/quantization.md).
  std::string weight_rounding = "nearest";
  // Cross-layer equalization of Conv -> Conv pairs on the fp32 graph before calibration (equalize.h).
  bool equalize = false;
  // Called during calibration with (samples done, samples total); e.g. for a progress bar.
  std::function<void(int64_t, int64_t)> progress;
  // Mixed precision (docs/quantization.md): these ONNX nodes stay fp32 (Error if one does not exist).
  std::vector<std::string> keep_fp32;
  // Keep the most harmful layers fp32, one by one, until the output cosine vs fp32 on held-out
  // calibration samples (the last quarter, not used for ranges) reaches target_cosine; at most
  // max_fallback layers, else Error.
  bool auto_fallback = false;
  double target_cosine = 0.99;
  int max_fallback = 16;
  // Per-layer error report (ConvertSummary::report) on the first report_samples calibration
  // samples; also written as JSON / self-contained HTML when the paths are set (atomically).
  bool report = false;
  std::string report_json_path, report_html_path;
  int64_t report_samples = 4;
};

struct ConvertSummary {
  size_t onnx_bytes = 0, qbin_bytes = 0;
  int nodes = 0, int8_nodes = 0, fp32_nodes = 0;
  int64_t calib_samples = 0;
  double seconds = 0.0;
  std::vector<std::string> kept_fp32;  // nodes kept fp32 by keep_fp32 and auto_fallback
  ErrorReport report;                  // filled when report (or a report path) was asked for
  FallbackResult fallback;             // filled when auto_fallback ran
  // Wall time of each step, in order (qconv -v): "import", "passes", "calibration", "quantization", "write".
  std::vector<std::pair<std::string, double>> stage_seconds;
  // What optional steps did or skipped, one line each (qconv -v): --weight-rounding, --equalize.
  std::vector<std::string> notes;
};

// Converts and writes `output_path` atomically: on any error (thrown as qinfer::Error naming
// the file, node or tensor) nothing is written and an existing output is left untouched.
ConvertSummary convert(const ConvertOptions& options);

}  // namespace qinfer
