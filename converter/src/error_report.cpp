#include "error_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "calibration.h"
#include "qbin_writer.h"
#include "qinfer/error.h"
#include "qinfer/runtime.h"
#include "quantizer.h"

namespace qinfer {

namespace {

bool ends_with_q(const std::string& s) { return s.size() > 2 && s.compare(s.size() - 2, 2, ":q") == 0; }


// How to read one observed int8 tensor back as real numbers in the fp32 (NCHW) order.
struct Dequant {
  float scale;
  int32_t zero_point;
  bool nhwc, is_signed;
};

void accumulate(ErrorSums& s, const TensorView& t, const Dequant& d, const std::vector<float>& ref) {
  const int64_t count = element_count(t.shape);
  if (static_cast<int64_t>(ref.size()) != count) return;  // shapes differ: nothing comparable
  const bool nhwc = d.nhwc && t.shape.size() == 4;
  const int64_t C = nhwc ? t.shape[1] : 1, HW = nhwc ? t.shape[2] * t.shape[3] : 1;
  for (int64_t i = 0; i < count; ++i) {
    const int32_t raw = d.is_signed ? int32_t(static_cast<const int8_t*>(t.data)[i])
                                    : int32_t(static_cast<const uint8_t*>(t.data)[i]);
    const double q = double(raw - d.zero_point) * d.scale;
    // i indexes memory; in NHWC it is ((n * HW) + p) * C + c, the reference is (n * C + c) * HW + p.
    int64_t fi = i;
    if (nhwc) {
      const int64_t c = i % C, pixel = i / C;
      fi = ((pixel / HW) * C + c) * HW + pixel % HW;
    }
    const double f = ref[static_cast<size_t>(fi)];
    s.signal += f * f;
    s.noise += (f - q) * (f - q);
    s.dot += f * q;
    s.ff += f * f;
    s.qq += q * q;
  }
}

}  // namespace

double ErrorSums::sqnr_db() const {
  if (noise <= signal * 1e-15) return signal > 0 || noise == 0 ? kSqnrCapDb : -kSqnrCapDb;
  if (signal <= 0) return -kSqnrCapDb;
  return std::clamp(10.0 * std::log10(signal / noise), -kSqnrCapDb, kSqnrCapDb);
}

double ErrorSums::cosine() const {
  if (ff == 0 && qq == 0) return 1.0;
  if (ff == 0 || qq == 0) return 0.0;
  return std::clamp(dot / std::sqrt(ff * qq), -1.0, 1.0);
}

double cosine_of(const float* a, const float* b, int64_t n) {
  ErrorSums s;
  for (int64_t i = 0; i < n; ++i) s.dot += double(a[i]) * b[i], s.ff += double(a[i]) * a[i], s.qq += double(b[i]) * b[i];
  return s.cosine();
}

ErrorProbe::ErrorProbe(const std::vector<uint8_t>& fp32_qbin, const Tensor& samples,
                       const std::set<std::string>& tensors, int threads)
    : threads_(threads) {
  Runtime::Options options;
  options.threads = threads;
  size_t run = 0;
  options.observer = [&](const TensorView& t) {
    if (t.dtype != DType::Float32 || !tensors.count(t.name)) return;
    const auto* p = static_cast<const float*>(t.data);
    tensors_[run][t.name].assign(p, p + element_count(t.shape));
  };
  const Runtime rt(fp32_qbin.data(), fp32_qbin.size(), options);
  const int64_t batch = rt.inputs().at(0).shape.at(0) > 0 ? rt.inputs()[0].shape[0] : 1;
  const int64_t total = samples.shape()[0] / batch * batch;
  if (total == 0)
    throw Error("error report: needs at least " + std::to_string(batch) + " samples (the model's batch size), got " +
                std::to_string(samples.shape()[0]));
  samples_ = total;
  for (int64_t begin = 0; begin < total; begin += batch) runs_.push_back(sample_rows(samples, begin, batch));
  tensors_.resize(runs_.size());
  for (run = 0; run < runs_.size(); ++run) outputs_.push_back(rt.run(runs_[run]));
}

ErrorProbe::Result ErrorProbe::measure(const ir::Graph& quantized, const std::map<std::string, std::string>& metadata,
                                       const std::set<std::string>& watch) const {
  std::map<std::string, std::pair<std::string, Dequant>> twins;  // "<name>:q" -> (name, how to read it)
  for (const std::string& name : watch) {
    auto it = quantized.values.find(name + ":q");
    if (it == quantized.values.end() || it->second.quant.empty()) continue;
    const ir::Value& v = it->second;
    if (v.dtype != DType::UInt8 && v.dtype != DType::Int8) continue;
    twins[name + ":q"] = {name, Dequant{v.quant.scale[0], v.quant.zero_point[0], v.layout == ir::Layout::NHWC,
                                        v.dtype == DType::Int8}};
  }
  Result result;
  size_t run = 0;
  Runtime::Options options;
  options.threads = threads_;
  options.observer = [&](const TensorView& t) {
    auto it = twins.find(t.name);
    if (it == twins.end() || t.dtype != (it->second.second.is_signed ? DType::Int8 : DType::UInt8)) return;
    auto ref = tensors_[run].find(it->second.first);
    if (ref != tensors_[run].end()) accumulate(result.tensors[it->second.first], t, it->second.second, ref->second);
  };
  const std::vector<uint8_t> bytes = write_qbin(quantized, metadata);
  const Runtime rt(bytes.data(), bytes.size(), options);
  double cos_sum = 0;
  for (run = 0; run < runs_.size(); ++run) {
    const std::vector<Tensor> y = rt.run(runs_[run]);
    double worst = 1.0;
    for (size_t o = 0; o < y.size() && o < outputs_[run].size(); ++o)
      if (y[o].dtype() == DType::Float32 && y[o].element_count() == outputs_[run][o].element_count())
        worst = std::min(worst, cosine_of(outputs_[run][o].data<float>(), y[o].data<float>(), y[o].element_count()));
    cos_sum += worst;
  }
  result.output_cosine = runs_.empty() ? 1.0 : cos_sum / double(runs_.size());
  return result;
}

std::vector<Int8Layer> int8_layers(const ir::Graph& quantized) {
  std::vector<Int8Layer> layers;
  for (const ir::Node& n : quantized.nodes) {
    if (n.op == "qinfer.Quantize" || n.op == "qinfer.Dequantize" || n.outputs.empty() || !ends_with_q(n.outputs[0]))
      continue;
    const ir::Value& v = quantized.value(n.outputs[0]);
    if ((v.dtype != DType::UInt8 && v.dtype != DType::Int8) || v.quant.empty()) continue;
    layers.push_back({n.name, n.op, n.outputs[0].substr(0, n.outputs[0].size() - 2)});
  }
  return layers;
}

std::map<std::string, LayerError> measure_layers_alone(const ir::Graph& float_graph,
                                                       const std::map<std::string, ClipRange>& ranges,
                                                       const std::vector<Int8Layer>& layers, const ErrorProbe& probe,
                                                       const std::map<std::string, std::string>& metadata,
                                                       const std::function<void(int64_t, int64_t)>& progress) {
  std::map<std::string, LayerError> alone;
  for (size_t i = 0; i < layers.size(); ++i) {
    const Int8Layer& l = layers[i];
    ir::Graph g = float_graph;
    quantize_graph(g, ranges, [&](const ir::Node& n) { return n.name != l.node; });
    const ErrorProbe::Result r = probe.measure(g, metadata, {l.tensor});
    LayerError e;
    e.node = l.node, e.op = l.op, e.tensor = l.tensor;
    const auto it = r.tensors.find(l.tensor);
    const ErrorSums s = it == r.tensors.end() ? ErrorSums{} : it->second;
    e.alone_sqnr_db = s.sqnr_db();
    e.alone_cosine = s.cosine();
    e.alone_output_cosine = r.output_cosine;
    alone[l.node] = e;
    if (progress) progress(static_cast<int64_t>(i + 1), static_cast<int64_t>(layers.size()));
  }
  return alone;
}

ErrorReport build_error_report(const std::string& model, const ir::Graph& float_graph,
                               const std::map<std::string, ClipRange>& ranges, const ir::Graph& quantized,
                               const ErrorProbe& probe, const std::map<std::string, std::string>& metadata,
                               std::map<std::string, LayerError> alone) {
  const std::vector<Int8Layer> layers = int8_layers(quantized);
  std::vector<Int8Layer> missing;
  for (const Int8Layer& l : layers)
    if (!alone.count(l.node)) missing.push_back(l);
  for (auto& [name, e] : measure_layers_alone(float_graph, ranges, missing, probe, metadata)) alone[name] = e;

  std::set<std::string> watch;
  for (const Int8Layer& l : layers) watch.insert(l.tensor);
  const ErrorProbe::Result full = probe.measure(quantized, metadata, watch);
  ErrorReport r;
  r.model = model;
  r.samples = probe.samples();
  r.output_cosine = full.output_cosine;
  for (const Int8Layer& l : layers) {
    LayerError e = alone.at(l.node);
    e.op = l.op, e.tensor = l.tensor;
    const auto it = full.tensors.find(l.tensor);
    const ErrorSums s = it == full.tensors.end() ? ErrorSums{} : it->second;
    e.sqnr_db = s.sqnr_db();
    e.cosine = s.cosine();
    r.layers.push_back(e);
  }
  // Worst first by what a user cares about, the model output (PPQ's layerwise analysis): a layer
  // with a good SQNR of its own can still hurt the output most (measured on PP-OCRv4 rec).
  std::stable_sort(r.layers.begin(), r.layers.end(), [](const LayerError& a, const LayerError& b) {
    return a.alone_output_cosine != b.alone_output_cosine ? a.alone_output_cosine < b.alone_output_cosine
                                                          : a.alone_sqnr_db < b.alone_sqnr_db;
  });
  return r;
}

std::string report_table(const ErrorReport& r, size_t top) {
  std::string out;
  char line[1024];
  int w = 4, wop = 2;  // column widths: the longest node name and op
  for (const LayerError& e : r.layers)
    w = std::max(w, static_cast<int>(std::min<size_t>(e.node.size(), 200))),
    wop = std::max(wop, static_cast<int>(std::min<size_t>(e.op.size(), 40)));
  std::snprintf(line, sizeof line,
                "per-layer int8 error of %s on %lld calibration samples (model output cosine %.6f), worst first\n"
                "(lowest model output cosine with only that layer int8):\n"
                "%4s  %-*s %-*s | %-29s | %s\n%4s  %-*s %-*s | %9s %9s %9s | %9s %9s\n",
                r.model.c_str(), static_cast<long long>(r.samples), r.output_cosine, "", w, "", wop, "",
                "only this layer int8", "full int8 graph", "#", w, "node", wop, "op", "out cos", "SQNR dB", "cosine",
                "SQNR dB", "cosine");
  out += line;
  const size_t n = top == 0 ? r.layers.size() : std::min(top, r.layers.size());
  for (size_t i = 0; i < n; ++i) {
    const LayerError& e = r.layers[i];
    std::snprintf(line, sizeof line, "%4zu  %-*s %-*s | %9.6f %9.2f %9.6f | %9.2f %9.6f\n", i + 1, w, e.node.c_str(),
                  wop, e.op.c_str(), e.alone_output_cosine, e.alone_sqnr_db, e.alone_cosine, e.sqnr_db, e.cosine);
    out += line;
  }
  if (n < r.layers.size()) out += "  ... " + std::to_string(r.layers.size() - n) + " more layers\n";
  return out;
}

}  // namespace qinfer
