#include "bias_correction.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "calibration.h"
#include "qbin_writer.h"
#include "qinfer/error.h"
#include "qinfer/runtime.h"
#include "quantizer.h"

namespace qinfer {

namespace {

constexpr double kMaxBias = 1073741824.0;  // the quantizer's bound on |bias_q| (2^30)

// Per-channel sums of a dequantized uint8 activation (channel = innermost: NHWC or [N, K]).
struct ChannelMean {
  std::vector<double> sum;
  int64_t rows = 0;
  double mean(size_t c) const { return rows ? sum[c] / double(rows) : 0.0; }
};

const ir::Node* node_named(const ir::Graph& g, const std::string& name) {
  for (const ir::Node& n : g.nodes)
    if (n.name == name) return &n;
  return nullptr;
}

}  // namespace

BiasCorrectionStats correct_biases(ir::Graph& g, const ir::Graph& float_graph, const Tensor& samples, int threads,
                                   const std::map<std::string, std::string>& metadata) {
  // 1. The int8 Conv/Gemm nodes with a float twin, and the inputs whose means they need.
  std::vector<size_t> layers;
  std::map<std::string, ChannelMean> means;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const ir::Node& n = g.nodes[i];
    if ((n.op != "Conv" && n.op != "Gemm") || n.inputs.size() < 3 || !g.is_constant(n.inputs[2])) continue;
    if (g.value(n.inputs[0]).dtype != DType::UInt8 || g.value(n.inputs[1]).dtype != DType::Int8) continue;
    const ir::Node* fn = node_named(float_graph, n.name);
    if (!fn || fn->op != n.op || !float_graph.is_constant(fn->inputs[1])) continue;
    layers.push_back(i);
    means[n.inputs[0]];
  }
  BiasCorrectionStats stats;
  stats.layers = static_cast<int>(layers.size());
  if (layers.empty()) return stats;

  // 2. Per-channel means of those inputs over the samples, from one int8 run each.
  Runtime::Options options;
  options.threads = threads;
  options.observer = [&](const TensorView& t) {
    auto it = means.find(t.name);
    if (it == means.end() || t.dtype != DType::UInt8 || t.shape.size() < 2) return;
    const ir::Quant& q = g.value(t.name).quant;
    const int64_t C = t.shape[1], count = element_count(t.shape);
    ChannelMean& m = it->second;
    m.sum.resize(static_cast<size_t>(C), 0.0);
    const auto* u = static_cast<const uint8_t*>(t.data);
    for (int64_t j = 0; j < count; ++j) m.sum[static_cast<size_t>(j % C)] += double(int32_t(u[j]) - q.zero_point[0]) * q.scale[0];
    m.rows += count / C;
  };
  const std::vector<uint8_t> bytes = write_qbin(g, metadata);
  const Runtime int8(bytes.data(), bytes.size(), options);
  const int64_t total = samples.shape()[0];
  const int64_t batch = int8.inputs()[0].shape[0] > 0 ? int8.inputs()[0].shape[0] : 1;
  for (int64_t begin = 0; begin + batch <= total; begin += batch) (void)int8.run(sample_rows(samples, begin, batch));

  // 3. shift[o] = sum over the weights of channel o of (dequantized - float) * mean of their input channel.
  double shift_sum = 0.0;
  int64_t shift_count = 0;
  for (size_t i : layers) {
    const ir::Node& n = g.nodes[i];
    const ChannelMean& m = means.at(n.inputs[0]);
    if (m.rows == 0) continue;
    const Tensor wt = canonical_weight(float_graph, *node_named(float_graph, n.name));
    const std::vector<float> w(wt.data<float>(), wt.data<float>() + wt.element_count());
    const ir::Value& wq = g.value(n.inputs[1]);
    const auto* q = wq.constant->data<int8_t>();
    const std::vector<float>& s_w = wq.quant.scale;
    const float s_x = g.value(n.inputs[0]).quant.scale[0];
    Tensor& bias = *g.value(n.inputs[2]).constant;
    const auto& d = wq.dims;  // Conv: logical OIHW, int8 memory OHWI; Gemm: [N, K]
    const int64_t O = d[0];
    const bool conv = n.op == "Conv";
    const int64_t I = d[1], H = conv ? d[2] : 1, W = conv ? d[3] : 1;
    const int64_t group = conv ? n.get_int("group", 1) : 1;
    if (w.size() != static_cast<size_t>(O * I * H * W)) continue;
    for (int64_t o = 0; o < O; ++o) {
      const int64_t first_in = (o / (O / group)) * I;
      const float s = s_w[s_w.size() == 1 ? 0 : static_cast<size_t>(o)];
      double shift = 0.0;
      for (int64_t ic = 0; ic < I; ++ic) {
        const double mean = m.mean(static_cast<size_t>(first_in + ic));
        for (int64_t h = 0; h < H; ++h)
          for (int64_t x = 0; x < W; ++x) {
            const float wf = w[static_cast<size_t>(((o * I + ic) * H + h) * W + x)];
            const int8_t wi = conv ? q[((o * H + h) * W + x) * I + ic] : q[o * I + ic];
            shift += (double(wi) * s - wf) * mean;
          }
      }
      shift_sum += std::fabs(shift), ++shift_count;
      const double b = double(bias.data<int32_t>()[o]) - std::nearbyint(shift / (double(s_x) * s));
      bias.data<int32_t>()[o] = static_cast<int32_t>(std::clamp(b, -kMaxBias, kMaxBias));
    }
  }
  stats.mean_abs_shift = shift_count ? shift_sum / double(shift_count) : 0.0;
  return stats;
}

}  // namespace qinfer
