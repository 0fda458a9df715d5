#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "calibration.h"
#include "file_util.h"
#include "onnx_import.h"
#include "passes/passes.h"
#include "qbin_writer.h"
#include "qdq_export.h"
#include "qinfer/converter.h"
#include "qinfer/error.h"
#include "qinfer/runtime.h"
#include "quantizer.h"

namespace qinfer {

namespace {
std::string file_name(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}
}  // namespace

ConvertSummary convert(const ConvertOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (options.output_path.empty() && options.qdq_path.empty()) throw Error("no output path given (-o and/or --emit-qdq)");
  if (!options.qdq_path.empty() && !options.quantize) throw Error("--emit-qdq writes the quantized model: it needs calibration, not --no-quantize");
  if (options.quantize && options.calib_path.empty())
    throw Error("quantization needs calibration data (--calib PATH), or write fp32 with --no-quantize");

  ConvertSummary summary;
  ir::Graph g = import_onnx(options.onnx_path);
  summary.onnx_bytes = read_file_bytes(options.onnx_path).size();
  passes::run_default_passes(g);

  std::map<std::string, std::string> metadata{{"source_model", file_name(options.onnx_path)}};
  if (options.quantize) {
    if (g.inputs.size() != 1)
      throw Error(options.onnx_path + ": calibration supports single-input models only (this one has " +
                  std::to_string(g.inputs.size()) + ")");
    const Tensor samples = load_calibration_samples(options.calib_path, g.value(g.inputs[0]).dims.size());
    summary.calib_samples = samples.shape()[0];
    const RangeMethod method = parse_range_method(options.method);
    if (!(options.percentile > 50.0 && options.percentile <= 100.0))
      throw Error("--percentile " + std::to_string(options.percentile) + " must be in (50, 100]");
    const auto histograms = collect_histograms(write_qbin(g, metadata), samples, options.calib_batch, options.threads,
                                                 options.progress);
    const auto ranges = choose_ranges(histograms, method, options.percentile);
    if (std::getenv("QINFER_DEBUG_RANGES"))
      for (const auto& [name, r] : ranges)
        std::fprintf(stderr, "%-50s min %9.4f max %9.4f -> [%9.4f, %9.4f]\n", name.c_str(), histograms.at(name).min(), histograms.at(name).max(), r.lo, r.hi);
    const QuantizeReport q = quantize_graph(g, ranges);
    summary.int8_nodes = q.int8_nodes;
    summary.fp32_nodes = q.fp32_nodes;
    metadata["calibration_method"] = range_method_name(method) +
                                     (method == RangeMethod::Percentile ? " " + std::to_string(options.percentile) : std::string());
    metadata["calibration_samples"] = std::to_string(summary.calib_samples);
    metadata["quantization"] = "uint8 asymmetric per-tensor activations, int8 symmetric per-channel weights";
  } else {
    summary.fp32_nodes = static_cast<int>(g.nodes.size());
  }
  summary.nodes = static_cast<int>(g.nodes.size());
  const std::vector<uint8_t> bytes = write_qbin(g, metadata);
  // Re-verify what we are about to write: the runtime must accept it, or nothing is written.
  try {
    Runtime check(bytes.data(), bytes.size());
  } catch (const Error& e) {
    throw Error(std::string("internal error: the converted model does not load: ") + e.what());
  }
  if (!options.qdq_path.empty()) {
    const std::string qdq = export_qdq(g);
    write_file_atomically(options.qdq_path, qdq.data(), qdq.size());
  }
  if (!options.output_path.empty()) write_file_atomically(options.output_path, bytes.data(), bytes.size());
  summary.qbin_bytes = bytes.size();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace qinfer
