#include "weight_rounding.h"

#include <algorithm>
#include <cmath>

#include "hessian.h"
#include "linalg.h"
#include "qbin_writer.h"
#include "qinfer/error.h"
#include "quant_math.h"

namespace qinfer {

namespace {

constexpr int64_t kBlock = 128;  // columns rounded before the rest is updated with one product (GPTQ's lazy batch)

int8_t round_to_grid(float w, float s, int32_t wmax) { return static_cast<int8_t>(qmath::quantize(w, s, 0, -wmax, wmax)); }

void round_nearest(const float* w, int64_t o, int64_t k, const float* scales, int32_t wmax, std::vector<int8_t>* q) {
  q->resize(static_cast<size_t>(o * k));
  for (int64_t r = 0; r < o; ++r)
    for (int64_t j = 0; j < k; ++j) (*q)[r * k + j] = round_to_grid(w[r * k + j], scales[r], wmax);
}

}  // namespace

WeightRounding parse_weight_rounding(const std::string& name) {
  if (name == "nearest") return WeightRounding::Nearest;
  if (name == "gptq") return WeightRounding::Gptq;
  throw Error("--weight-rounding '" + name + "': expected nearest or gptq");
}

double hessian_weighted_error(const float* w, int64_t o, int64_t k, const double* h, const float* scales, const int8_t* q) {
  std::vector<float> d(static_cast<size_t>(o * k)), hf(h, h + k * k), dh(d.size());
  for (int64_t r = 0; r < o; ++r)
    for (int64_t j = 0; j < k; ++j) d[r * k + j] = w[r * k + j] - scales[r] * float(q[r * k + j]);
  linalg::matmul(o, k, k, {d.data(), k, 1}, {hf.data(), k, 1}, dh.data(), k);  // D H, then sum of D .* (D H)
  double total = 0.0;
  for (size_t i = 0; i < d.size(); ++i) total += double(d[i]) * dh[i];
  return total;
}

bool gptq_quantize(const float* w, int64_t o, int64_t k, const double* h, const float* scales, int32_t wmax,
                   double damp, std::vector<int8_t>* q) {
  round_nearest(w, o, k, scales, wmax, q);
  double mean_diag = 0.0;
  for (int64_t j = 0; j < k; ++j) mean_diag += h[j * k + j];
  mean_diag /= double(k);
  if (!(mean_diag > 0.0) || !std::isfinite(mean_diag)) return false;
  std::vector<float> u;
  bool factored = false;
  for (int attempt = 0; attempt < 3 && !factored; ++attempt) {
    if (attempt) damp *= 10.0;
    std::vector<float> hd(static_cast<size_t>(k * k));
    // Normalised by the mean diagonal: float keeps its precision whatever the activation scale.
    for (int64_t i = 0; i < k * k; ++i) hd[i] = static_cast<float>(h[i] / mean_diag);
    for (int64_t j = 0; j < k; ++j) hd[j * k + j] += static_cast<float>(damp);
    factored = linalg::inverse_upper_cholesky(hd, k, &u);
  }
  if (!factored) return false;

  // The weights still to round, updated as errors move on.
  std::vector<float> wk(w, w + o * k);
  std::vector<float> err(static_cast<size_t>(o * kBlock)), update;
  for (int64_t b0 = 0; b0 < k; b0 += kBlock) {
    const int64_t b1 = std::min(k, b0 + kBlock), nb = b1 - b0;
    for (int64_t j = b0; j < b1; ++j) {
      const float* uj = u.data() + j * k;
      for (int64_t r = 0; r < o; ++r) {
        float* row = wk.data() + r * k;
        const int8_t qi = round_to_grid(row[j], scales[r], wmax);
        (*q)[r * k + j] = qi;
        const float e = (row[j] - scales[r] * float(qi)) / uj[j];
        err[r * kBlock + (j - b0)] = e;
        for (int64_t t = j + 1; t < b1; ++t) row[t] -= e * uj[t];
      }
    }
    if (b1 == k) break;
    // The columns after the block take the block's errors at once: W[:, b1:] -= E U[b0:b1, b1:].
    update.resize(static_cast<size_t>(o * (k - b1)));
    linalg::matmul(o, k - b1, nb, {err.data(), kBlock, 1}, {u.data() + b0 * k + b1, k, 1}, update.data(), k - b1);
    for (int64_t r = 0; r < o; ++r)
      for (int64_t t = b1; t < k; ++t) wk[r * k + t] -= update[r * (k - b1) + (t - b1)];
  }
  return true;
}

namespace {

const ir::Node& node_named(const ir::Graph& g, const std::string& name) {
  for (const ir::Node& n : g.nodes)
    if (n.name == name) return n;
  throw Error("internal error: no node '" + name + "'");
}

}  // namespace

std::map<std::string, RoundedWeight> round_weights_gptq(const ir::Graph& g, const Tensor& samples, int64_t batch,
                                                 const QuantizeScheme& scheme, const std::set<std::string>& skip,
                                                 GptqStats* stats, int64_t memory_bytes) {
  std::map<std::string, RoundedWeight> rounded;
  // Passes of layers whose Hessians fit the memory bound together (a bigger layer gets a pass alone).
  std::vector<std::vector<std::string>> passes;
  int64_t used = memory_bytes;
  for (const ir::Node& n : g.nodes) {
    if (skip.count(n.name) || !has_layer_hessian(g, n)) continue;
    const int64_t bytes = layer_hessian_bytes(g, n);
    if (used + bytes > memory_bytes) passes.emplace_back(), used = 0;
    passes.back().push_back(n.name);
    used += bytes;
  }
  if (passes.empty()) return rounded;
  const std::vector<uint8_t> fp32_qbin = write_qbin(g, {});
  const int32_t wmax = weight_max(scheme);
  double gptq_error = 0.0, nearest_error = 0.0;
  for (const auto& names : passes) {
    for (const LayerHessian& lh : collect_hessians(g, fp32_qbin, samples, batch, names)) {
      const Tensor w = canonical_weight(g, node_named(g, lh.node));
      std::vector<float> scales = weight_scales(w, {}, scheme);  // the nearest-rounding scales
      const int64_t oc = w.shape()[0], per_group = oc / lh.groups;
      Tensor q(DType::Int8, w.shape());
      bool ok = lh.positions > 0;
      for (int64_t gi = 0; gi < lh.groups && ok; ++gi) {
        const float* wg = w.data<float>() + gi * per_group * lh.k;
        const float* sg = scales.data() + gi * per_group;
        std::vector<int8_t> qg, qn;
        ok = gptq_quantize(wg, per_group, lh.k, lh.group(gi), sg, wmax, 0.01, &qg);
        round_nearest(wg, per_group, lh.k, sg, wmax, &qn);
        gptq_error += hessian_weighted_error(wg, per_group, lh.k, lh.group(gi), sg, qg.data());
        nearest_error += hessian_weighted_error(wg, per_group, lh.k, lh.group(gi), sg, qn.data());
        std::copy(qg.begin(), qg.end(), q.data<int8_t>() + gi * per_group * lh.k);
      }
      if (!ok) {
        stats->fell_back.push_back(lh.node);
        continue;
      }
      ++stats->layers;
      rounded.emplace(lh.node, RoundedWeight{std::move(q), std::move(scales)});
    }
  }
  stats->error_ratio = nearest_error > 0.0 ? gptq_error / nearest_error : 1.0;
  return rounded;
}

}  // namespace qinfer
