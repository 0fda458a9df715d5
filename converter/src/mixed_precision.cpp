#include "mixed_precision.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "calibration.h"
#include "qbin_writer.h"
#include "qinfer/error.h"
#include "qinfer/runtime.h"
#include "quantizer.h"

namespace qinfer {

namespace {


std::string fixed(double v, int digits = 6) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

ir::Graph quantized_with(const ir::Graph& float_graph, const std::map<std::string, ClipRange>& ranges,
                         const std::set<std::string>& keep) {
  ir::Graph g = float_graph;
  quantize_graph(g, ranges, [&](const ir::Node& n) { return keep.count(n.name) > 0; });
  return g;
}

}  // namespace

std::set<std::string> node_names(const ir::Graph& g) {
  std::set<std::string> names;
  for (const ir::Node& n : g.nodes) names.insert(n.name);
  return names;
}

std::set<std::string> resolve_keep_fp32(const std::vector<std::string>& names, const ir::Graph& g,
                                        const std::set<std::string>& onnx_names, const std::string& model) {
  const std::set<std::string> present = node_names(g);
  std::set<std::string> keep;
  for (const std::string& name : names) {
    if (present.count(name)) {
      keep.insert(name);
      continue;
    }
    if (onnx_names.count(name))
      throw Error(model + ": --keep-fp32 node '" + name +
                  "' was folded into another node by the graph passes (an activation fused into its Conv, a "
                  "BatchNormalization into weights, a constant computation); name the node it was folded into "
                  "(qconv --report lists the int8 nodes)");
    throw Error(model + ": --keep-fp32 node '" + name + "' does not exist in the model (" +
                std::to_string(present.size()) + " nodes; qconv --report lists the int8 ones)");
  }
  return keep;
}

void split_held_out(const Tensor& samples, int64_t batch, Tensor* calib, Tensor* held_out) {
  const int64_t total = samples.shape()[0];
  const int64_t held = std::max<int64_t>(batch, total / 4 / batch * batch);
  if (total - held < batch)
    throw Error("--auto-fallback holds out a quarter of the calibration samples (at least " + std::to_string(batch) +
                ") and calibrates on the rest: it needs at least " + std::to_string(2 * batch) + " samples, got " +
                std::to_string(total));
  *calib = sample_rows(samples, 0, total - held);
  *held_out = sample_rows(samples, total - held, held);
}

ErrorProbe layer_probe(const ir::Graph& float_graph, const std::map<std::string, ClipRange>& ranges,
                       const std::set<std::string>& keep, const std::vector<uint8_t>& fp32_qbin, const Tensor& calib,
                       int64_t count, int threads) {
  if (count < 1) throw Error("--report-samples " + std::to_string(count) + " must be >= 1");
  const auto& dims = float_graph.value(float_graph.inputs.at(0)).dims;
  const int64_t batch = !dims.empty() && dims[0] > 0 ? dims[0] : 1;
  count = std::min(calib.shape()[0], (count + batch - 1) / batch * batch);
  std::set<std::string> tensors;
  for (const Int8Layer& l : int8_layers(quantized_with(float_graph, ranges, keep))) tensors.insert(l.tensor);
  return ErrorProbe(fp32_qbin, sample_rows(calib, 0, count), tensors, threads);
}

double median_run_ms(const std::vector<uint8_t>& qbin, const Tensor& input, int threads, int runs) {
  Runtime::Options options;
  options.threads = threads;
  const Runtime rt(qbin.data(), qbin.size(), options);
  for (int i = 0; i < 2; ++i) (void)rt.run(input);
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    (void)rt.run(input);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
  return ms[ms.size() / 2];
}

FallbackResult auto_fallback(const ir::Graph& float_graph, const std::map<std::string, ClipRange>& ranges,
                             std::set<std::string>& keep, const ErrorProbe& sensitivity, const ErrorProbe& held_out,
                             const std::map<std::string, std::string>& metadata, const FallbackSettings& settings,
                             std::map<std::string, LayerError>* alone) {
  if (!(settings.target_cosine > -1.0 && settings.target_cosine <= 1.0))
    throw Error("--target-cosine " + fixed(settings.target_cosine) + " must be in (-1, 1]");
  if (settings.max_layers < 1) throw Error("--max-fallback " + std::to_string(settings.max_layers) + " must be >= 1");
  FallbackResult r;
  r.ran = true;
  r.target_cosine = settings.target_cosine;
  r.held_out_samples = held_out.samples();
  const ir::Graph all_int8 = quantized_with(float_graph, ranges, keep);
  r.cosine_all_int8 = held_out.measure(all_int8, metadata, {}).output_cosine;
  const std::vector<uint8_t> all_int8_bytes = write_qbin(all_int8, metadata);
  const Tensor& timing_input = held_out.runs().front();

  if (r.cosine_all_int8 < settings.target_cosine) {
    // Most harmful first: the lowest model output cosine with only that layer int8.
    const std::vector<Int8Layer> layers = int8_layers(all_int8);
    *alone = measure_layers_alone(float_graph, ranges, layers, sensitivity, metadata);
    std::vector<LayerError> order;
    for (const Int8Layer& l : layers) order.push_back(alone->at(l.node));
    std::stable_sort(order.begin(), order.end(), [](const LayerError& a, const LayerError& b) {
      return a.alone_output_cosine != b.alone_output_cosine ? a.alone_output_cosine < b.alone_output_cosine
                                                            : a.alone_sqnr_db < b.alone_sqnr_db;
    });
    double best = r.cosine_all_int8;
    for (const LayerError& e : order) {
      if (static_cast<int>(r.kept.size()) >= settings.max_layers) break;
      keep.insert(e.node);
      r.kept.push_back(e.node);
      const double c = held_out.measure(quantized_with(float_graph, ranges, keep), metadata, {}).output_cosine;
      r.cosine_after.push_back(c);
      best = std::max(best, c);
      if (c >= settings.target_cosine) break;
    }
    if (r.cosine_after.empty() || r.cosine_after.back() < settings.target_cosine) {
      std::string kept;
      for (const std::string& k : r.kept) kept += (kept.empty() ? "" : ", ") + k;
      throw Error("--auto-fallback: --target-cosine " + fixed(settings.target_cosine, 9) + " not reached on " +
                  std::to_string(r.held_out_samples) + " held-out samples: output cosine " +
                  fixed(r.cosine_all_int8) + " all int8, best " + fixed(best) + " with " +
                  std::to_string(r.kept.size()) + " of " + std::to_string(layers.size()) +
                  " int8 layers kept fp32 (" + kept + "; the limit is --max-fallback " +
                  std::to_string(settings.max_layers) + "); lower the target or raise the limit");
    }
  }
  r.ms_all_int8 = median_run_ms(all_int8_bytes, timing_input, settings.threads, 7);
  r.ms_mixed = r.kept.empty() ? r.ms_all_int8
                              : median_run_ms(write_qbin(quantized_with(float_graph, ranges, keep), metadata),
                                              timing_input, settings.threads, 7);
  return r;
}

}  // namespace qinfer
