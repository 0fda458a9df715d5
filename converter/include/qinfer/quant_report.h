// What qconv's per-layer error report (--report, --report-json, --report-html) and mixed-precision
// fallback (--keep-fp32, --auto-fallback) found. Filled in by qinfer::convert (converter.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qinfer {

// Error of one int8 node's output (dequantized) against the fp32 model's tensor of the same name,
// summed over the report samples. SQNR = 10 log10(sum f^2 / sum (f - q)^2), capped at ±kSqnrCapDb.
struct LayerError {
  std::string node, op, tensor;  // ONNX node name, op type, its (float) output tensor
  double sqnr_db = 0, cosine = 0;              // (a) in the full int8 graph
  double alone_sqnr_db = 0, alone_cosine = 0;  // (b) with only this node int8, all others fp32
  double alone_output_cosine = 0;              // model output cosine vs fp32 with only this node int8
};

constexpr double kSqnrCapDb = 150.0;  // an exact match (zero error) reports this instead of infinity

struct ErrorReport {
  std::string model;
  int64_t samples = 0;          // calibration samples the report ran on
  double output_cosine = 0;     // the int8 model's outputs vs fp32 (mean over samples, worst output)
  std::vector<LayerError> layers;  // every int8 node, worst first (lowest alone_output_cosine, then alone_sqnr_db)
};

// --auto-fallback: layers kept fp32, most harmful first, until the held-out target was met.
struct FallbackResult {
  bool ran = false;
  double target_cosine = 0;
  int64_t held_out_samples = 0;
  double cosine_all_int8 = 0;        // held-out output cosine before any fallback
  std::vector<std::string> kept;     // nodes it kept fp32, in the order they were added
  std::vector<double> cosine_after;  // held-out output cosine after each of them
  double ms_all_int8 = 0, ms_mixed = 0;  // median time of one held-out sample, without and with them
};

// The report as a text table, worst first, at most `top` rows (0: all).
std::string report_table(const ErrorReport& r, size_t top);

}  // namespace qinfer
