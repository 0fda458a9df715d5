// Mixed precision: nodes kept in fp32 inside an otherwise int8 model. --keep-fp32 names them;
// --auto-fallback picks them: the layers whose quantization alone hurts the model output most
// (measure_layers_alone on calibration samples) are kept fp32 one at a time until the output
// cosine on held-out calibration samples meets the target.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "calibration.h"
#include "error_report.h"
#include "ir.h"
#include "qinfer/quant_report.h"

namespace qinfer {

std::set<std::string> node_names(const ir::Graph& g);

// Checks --keep-fp32 names against `g` (after the graph passes). `onnx_names` are the imported
// model's node names before the passes, so that a node folded into another one (a Relu fused into
// its Conv, a BatchNormalization folded into weights) gets its own message. Throws Error.
std::set<std::string> resolve_keep_fp32(const std::vector<std::string>& names, const ir::Graph& g,
                                        const std::set<std::string>& onnx_names, const std::string& model);

// Splits a batch of samples into calibration and held-out parts: the last quarter (at least one
// model batch, in whole model batches of `batch`) is held out. Throws Error if too few samples.
void split_held_out(const Tensor& samples, int64_t batch, Tensor* calib, Tensor* held_out);

struct FallbackSettings {
  double target_cosine = 0.99;
  int max_layers = 16;
  int threads = 1;
};

// Adds to `keep` the layers it keeps fp32. `sensitivity` measures the layers alone (calibration
// samples); `held_out` judges the output cosine. `alone` receives the per-layer measurements (the
// report reuses them). Throws Error naming the best cosine reached when max_layers is not enough.
FallbackResult auto_fallback(const ir::Graph& float_graph, const std::map<std::string, ClipRange>& ranges,
                             std::set<std::string>& keep, const ErrorProbe& sensitivity, const ErrorProbe& held_out,
                             const std::map<std::string, std::string>& metadata, const FallbackSettings& settings,
                             std::map<std::string, LayerError>* alone);

// An ErrorProbe on the first `count` samples of `calib` (at least one model batch) that records
// the fp32 output of every node that is int8 when `float_graph` is quantized with `keep` fp32.
ErrorProbe layer_probe(const ir::Graph& float_graph, const std::map<std::string, ClipRange>& ranges,
                       const std::set<std::string>& keep, const std::vector<uint8_t>& fp32_qbin, const Tensor& calib,
                       int64_t count, int threads);

// Median wall time (ms) of one run of `qbin` on `input`, after warm-up runs.
double median_run_ms(const std::vector<uint8_t>& qbin, const Tensor& input, int threads, int runs);

}  // namespace qinfer
