#include "equalize.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace qinfer {

namespace {

struct Pair {
  size_t a, b;
  std::string name;
  double min_scale = 0.0;     // lower bound of a channel's cumulative s (Clip pairs), 0: none
  std::vector<double> total;  // cumulative s per channel
};

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

bool plain_conv(const ir::Graph& g, const ir::Node& n) {
  if (n.op != "Conv" || n.inputs.size() < 2 || !g.is_constant(n.inputs[1])) return false;
  const Tensor& w = *g.value(n.inputs[1]).constant;
  if (w.dtype() != DType::Float32 || w.shape().size() != 4) return false;
  return n.inputs.size() < 3 || n.inputs[2].empty() || g.is_constant(n.inputs[2]);
}

// Why the pair A -> B cannot be equalized ("" when it can); sets pair.min_scale for Clip.
std::string refusal(const ir::Graph& g, const ir::Node& a, const ir::Node& b,
                    const std::map<std::string, float>& observed_max, Pair* pair) {
  const std::string act = a.get_string("qinfer.activation", "");
  for (const std::string& name : {a.inputs[1], b.inputs[1]})
    if (g.consumers(name).size() != 1) return "weight '" + name + "' is shared with another node";
  const int64_t channels = g.value(a.inputs[1]).constant->shape()[0];
  if (a.inputs.size() > 2 && !a.inputs[2].empty()) {
    if (g.consumers(a.inputs[2]).size() != 1) return "bias '" + a.inputs[2] + "' is shared with another node";
    if (g.value(a.inputs[2]).constant->element_count() != channels) return "bias '" + a.inputs[2] + "' is not per channel";
  }
  const auto& wb = g.value(b.inputs[1]).constant->shape();
  if (wb[1] * b.get_int("group", 1) != channels) return "B does not read A's channels one to one";
  if (a.has("qinfer.activation") && act != "Relu" && act != "Clip") return "activation " + act + " is not handled";
  if (act != "Clip") return "";
  const float lo = a.get_float("qinfer.clip_min", 0.0f), hi = a.get_float("qinfer.clip_max", 0.0f);
  if (!(lo == 0.0f || lo == -std::numeric_limits<float>::infinity()) || !(hi > 0.0f))
    return "Clip(" + number(lo) + ", " + number(hi) + ") is not positive-homogeneous";
  if (std::isinf(hi)) return "";
  const auto m = observed_max.find(a.outputs[0]);
  if (m == observed_max.end()) return "Clip is not positive-homogeneous and no calibration maximum is known";
  if (!(m->second < hi))
    return "Clip (ReLU6) is not positive-homogeneous and the calibration data reached its bound " + number(hi);
  pair->min_scale = std::max(0.0, double(m->second) / hi);
  return "";
}

// Largest |w| of each output channel of A / of each input channel B reads.
std::vector<double> out_ranges(const Tensor& w) {
  const int64_t oc = w.shape()[0], per = w.element_count() / oc;
  std::vector<double> r(static_cast<size_t>(oc), 0.0);
  for (int64_t o = 0; o < oc; ++o)
    for (int64_t j = 0; j < per; ++j) r[o] = std::max(r[o], double(std::fabs(w.data<float>()[o * per + j])));
  return r;
}

// Visits B's weights reading input channel i: f(i, element index).
template <typename F>
void for_each_input_weight(const Tensor& w, int64_t groups, F&& f) {
  const auto& s = w.shape();
  const int64_t ob = s[0], cg = s[1], hw = s[2] * s[3], per_group = ob / groups;
  for (int64_t o = 0; o < ob; ++o)
    for (int64_t c = 0; c < cg; ++c)
      for (int64_t k = 0; k < hw; ++k) f((o / per_group) * cg + c, (o * cg + c) * hw + k);
}

}  // namespace

EqualizeStats equalize_layers(ir::Graph& g, const std::map<std::string, float>& observed_max, int sweeps) {
  EqualizeStats stats;
  std::vector<Pair> pairs;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const ir::Node& a = g.nodes[i];
    if (!plain_conv(g, a) || g.is_graph_output(a.outputs[0])) continue;
    const std::vector<size_t> readers = g.consumers(a.outputs[0]);
    if (readers.size() != 1) continue;  // feeds a residual Add, a Concat, several layers...
    const ir::Node& b = g.nodes[readers[0]];
    if (!plain_conv(g, b) || b.inputs[0] != a.outputs[0]) continue;
    Pair p{i, readers[0], a.name + " -> " + b.name, 0.0, {}};
    const std::string why = refusal(g, a, b, observed_max, &p);
    if (!why.empty()) {
      stats.skipped.push_back(p.name + ": " + why);
      continue;
    }
    p.total.assign(static_cast<size_t>(g.value(a.inputs[1]).constant->shape()[0]), 1.0);
    pairs.push_back(std::move(p));
  }
  for (int sweep = 0; sweep < sweeps; ++sweep)
    for (Pair& p : pairs) {
      const ir::Node &a = g.nodes[p.a], &b = g.nodes[p.b];
      Tensor& wa = *g.value(a.inputs[1]).constant;
      Tensor& wb = *g.value(b.inputs[1]).constant;
      Tensor* bias = a.inputs.size() > 2 && !a.inputs[2].empty() ? &*g.value(a.inputs[2]).constant : nullptr;
      const int64_t groups = b.get_int("group", 1);
      const std::vector<double> r1 = out_ranges(wa);
      std::vector<double> r2(r1.size(), 0.0);
      for_each_input_weight(wb, groups, [&](int64_t c, int64_t e) { r2[c] = std::max(r2[c], double(std::fabs(wb.data<float>()[e]))); });
      std::vector<float> s(r1.size(), 1.0f);
      for (size_t c = 0; c < r1.size(); ++c) {
        if (!(r1[c] > 0.0) || !(r2[c] > 0.0)) continue;
        const double want = std::max(p.total[c] * std::sqrt(r1[c] / r2[c]), p.min_scale);
        s[c] = static_cast<float>(want / p.total[c]);
        p.total[c] *= double(s[c]);
      }
      const int64_t per = wa.element_count() / wa.shape()[0];
      for (int64_t e = 0; e < wa.element_count(); ++e) wa.data<float>()[e] /= s[e / per];
      if (bias)
        for (size_t c = 0; c < s.size(); ++c) bias->data<float>()[c] /= s[c];
      for_each_input_weight(wb, groups, [&](int64_t c, int64_t e) { wb.data<float>()[e] *= s[c]; });
    }
  for (const Pair& p : pairs) stats.equalized.push_back(p.name);
  return stats;
}

}  // namespace qinfer
