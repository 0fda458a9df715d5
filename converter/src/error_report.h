// Per-layer quantization error (PPQ's layerwise analysis, ONNX Runtime's qdq_loss_debug): runs the
// fp32 model once per sample to record the tensors of interest, then runs quantized variants of
// the graph with an observer and compares every int8 node's output, dequantized with its own
// scale / zero point (NHWC back to NCHW), with the fp32 tensor of the same name.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "calibration.h"
#include "ir.h"
#include "qinfer/quant_report.h"
#include "qinfer/tensor.h"

namespace qinfer {

// Sums that give SQNR and cosine of one tensor over several samples.
struct ErrorSums {
  double signal = 0, noise = 0, dot = 0, ff = 0, qq = 0;
  double sqnr_db() const;
  double cosine() const;
};

// Cosine of two float buffers (1 when both are zero, 0 when only one is).
double cosine_of(const float* a, const float* b, int64_t n);

// The fp32 references of a set of samples, and comparisons of quantized graphs against them.
class ErrorProbe {
 public:
  // Records, for every sample of `samples` (run one model batch at a time), the model outputs and
  // the fp32 tensors named in `tensors`.
  ErrorProbe(const std::vector<uint8_t>& fp32_qbin, const Tensor& samples, const std::set<std::string>& tensors,
             int threads);

  struct Result {
    std::map<std::string, ErrorSums> tensors;  // by float tensor name
    double output_cosine = 1.0;                // mean over runs of the worst float output's cosine
  };
  // Runs `quantized` on every sample; compares the int8 twins ("<name>:q") of `watch` (float names).
  Result measure(const ir::Graph& quantized, const std::map<std::string, std::string>& metadata,
                 const std::set<std::string>& watch) const;

  int64_t samples() const { return samples_; }
  const std::vector<Tensor>& runs() const { return runs_; }  // the inputs, one model batch each

 private:
  int threads_;
  int64_t samples_ = 0;
  std::vector<Tensor> runs_;                                       // model-sized batches of samples
  std::vector<std::map<std::string, std::vector<float>>> tensors_;  // [run][name]
  std::vector<std::vector<Tensor>> outputs_;                        // [run]
};

// The int8 nodes of a quantized graph with their float output tensor names, in graph order.
struct Int8Layer {
  std::string node, op, tensor;
};
std::vector<Int8Layer> int8_layers(const ir::Graph& quantized);

// The "(b)" half of the report: each layer of `layers` quantized alone (everything else fp32).
// Progress (may be empty) gets (layers done, total).
std::map<std::string, LayerError> measure_layers_alone(const ir::Graph& float_graph,
                                                       const std::map<std::string, ClipRange>& ranges,
                                                       const std::vector<Int8Layer>& layers, const ErrorProbe& probe,
                                                       const std::map<std::string, std::string>& metadata,
                                                       const std::function<void(int64_t, int64_t)>& progress = {});

// The full report of `quantized` (the final int8 graph): (a) measured on it, (b) taken from
// `alone` where present and measured otherwise. Layers sorted worst first.
ErrorReport build_error_report(const std::string& model, const ir::Graph& float_graph,
                               const std::map<std::string, ClipRange>& ranges, const ir::Graph& quantized,
                               const ErrorProbe& probe, const std::map<std::string, std::string>& metadata,
                               std::map<std::string, LayerError> alone = {});

// The report as JSON, and as a self-contained HTML page (inline CSS and an SVG bar chart, no
// scripts); report_table is in qinfer/quant_report.h.
std::string report_json(const ErrorReport& r, const FallbackResult* fallback);
std::string report_html(const ErrorReport& r, const FallbackResult* fallback);

}  // namespace qinfer
