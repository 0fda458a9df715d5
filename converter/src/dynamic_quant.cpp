#include "dynamic_quant.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "quant_math.h"
#include "reference/dynamic_gemm.h"

namespace qinfer {

namespace {

constexpr int32_t kWeightMax = 127;  // symmetric int8 weights in [-127, 127], as the static quantizer

// Rows of w [rows, k] -> int8 (per row symmetric) and scales.
void quantize_rows(const float* w, int64_t rows, int64_t k, int8_t* q, float* scale) {
  for (int64_t r = 0; r < rows; ++r) {
    float amax = 0.0f;
    for (int64_t i = 0; i < k; ++i) amax = std::max(amax, std::fabs(w[r * k + i]));
    const float s = qmath::choose_symmetric_scale(amax, kWeightMax);
    scale[r] = s;
    for (int64_t i = 0; i < k; ++i)
      q[r * k + i] = static_cast<int8_t>(qmath::quantize(w[r * k + i], s, 0, -kWeightMax, kWeightMax));
  }
}

const Tensor* float_constant(const ir::Graph& g, const std::string& name) {
  if (name.empty() || !g.is_constant(name)) return nullptr;
  const ir::Value& v = g.value(name);
  return v.constant && v.constant->dtype() == DType::Float32 ? &*v.constant : nullptr;
}

bool is_float(const ir::Graph& g, const std::string& name) { return g.value(name).dtype == DType::Float32; }

// w [N, K] float (already transposed and scaled) -> inputs B int8 [N, K] and b_scale [N].
void add_weights(ir::Graph& g, const std::string& base, const std::vector<float>& w, int64_t n, int64_t k,
                 std::string* b_name, std::string* s_name) {
  Tensor q(DType::Int8, {n, k}), s(DType::Float32, {n});
  quantize_rows(w.data(), n, k, q.data<int8_t>(), s.data<float>());
  *b_name = g.add_constant(base + ":dyn_w", std::move(q));
  *s_name = g.add_constant(base + ":dyn_scale", std::move(s));
}

// The bias of a Gemm's C, or of an Add folded after a MatMul: n values (or one, broadcast).
bool bias_values(const Tensor& c, int64_t n, float beta, std::vector<float>* out) {
  const auto& s = c.shape();
  const int64_t count = c.element_count();
  const bool per_column = count == n && !s.empty() && s.back() == n;
  if (!per_column && count != 1) return false;
  out->resize(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) (*out)[j] = beta * c.data<float>()[per_column ? j : 0];
  return true;
}

// Quantized weights already made, by (source constant, transB, alpha): nodes sharing a weight
// share its int8 copy.
using WeightCache = std::map<std::tuple<std::string, bool, float>, std::pair<std::string, std::string>>;

// MatMul(A, B const [K, N]) or Gemm -> qinfer.DynamicMatMul; false when the node does not qualify.
bool rewrite_matmul(ir::Graph& g, ir::Node& node, WeightCache& cache, DynamicQuantStats* stats) {
  const bool gemm = node.op == "Gemm";
  if (node.inputs.size() < 2 || !is_float(g, node.inputs[0])) return false;
  const Tensor* b = float_constant(g, node.inputs[1]);
  if (!b || b->shape().size() != 2) return false;
  if (gemm && node.get_int("transA", 0) != 0) return false;
  const bool trans_b = gemm && node.get_int("transB", 0) != 0;
  const int64_t k = trans_b ? b->shape()[1] : b->shape()[0], n = trans_b ? b->shape()[0] : b->shape()[1];
  if (k < 1 || n < 1 || k > ref::kDynamicGemmMaxK) return false;
  const float alpha = gemm ? node.get_float("alpha", 1.0f) : 1.0f;
  std::vector<float> bias;
  if (gemm && node.inputs.size() > 2 && !node.inputs[2].empty()) {
    const Tensor* c = float_constant(g, node.inputs[2]);
    if (!c || !bias_values(*c, n, node.get_float("beta", 1.0f), &bias)) return false;
  }
  const auto key = std::make_tuple(node.inputs[1], trans_b, alpha);
  auto hit = cache.find(key);
  if (hit == cache.end()) {
    // w[j, i] = alpha * B[i, j] (or B[j, i] with transB), rows per output column.
    std::vector<float> w(static_cast<size_t>(n * k));
    const float* bp = b->data<float>();
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < k; ++i) w[j * k + i] = alpha * (trans_b ? bp[j * k + i] : bp[i * n + j]);
    std::pair<std::string, std::string> names;
    add_weights(g, node.name.empty() ? node.outputs[0] : node.name, w, n, k, &names.first, &names.second);
    hit = cache.emplace(key, names).first;
  }
  const std::string b_name = hit->second.first, s_name = hit->second.second;
  std::vector<std::string> inputs{node.inputs[0], b_name, s_name};
  if (!bias.empty()) inputs.push_back(g.add_constant(node.outputs[0] + ":dyn_bias", Tensor::from_floats({n}, bias.data(), bias.size())));
  node.inputs = inputs;
  for (const char* a : {"alpha", "beta", "transA"}) node.attrs.erase(a);
  node.attrs["transB"] = int64_t{1};
  node.op = "qinfer.DynamicMatMul";
  ++(gemm ? stats->gemm : stats->matmul);
  return true;
}

// A MatMul's output read only by Add(out, bias const [N]) (either order): the bias joins the node.
void fold_bias_add(ir::Graph& g, size_t index, DynamicQuantStats* stats) {
  ir::Node& mm = g.nodes[index];
  if (mm.inputs.size() != 3 || mm.has("qinfer.activation")) return;
  const std::string out = mm.outputs[0];
  if (g.is_graph_output(out)) return;
  const std::vector<size_t> users = g.consumers(out);
  if (users.size() != 1) return;
  ir::Node& add = g.nodes[users[0]];
  if (add.op != "Add" || add.inputs.size() != 2 || add.has("qinfer.activation")) return;
  const std::string other = add.inputs[0] == out ? add.inputs[1] : add.inputs[0];
  if (other == out) return;
  const Tensor* c = float_constant(g, other);
  const int64_t n = g.value(mm.inputs[1]).constant->shape()[0];
  if (!c || c->element_count() != n || c->shape().empty() || c->shape().back() != n) return;
  for (size_t d = 0; d + 1 < c->shape().size(); ++d)
    if (c->shape()[d] != 1) return;
  const ir::Value& y = g.value(out);  // the bias must not add dimensions to the product
  if (c->shape().size() > 1 && (!y.shape_known || c->shape().size() > y.dims.size())) return;
  // The Add's output keeps its name (graph outputs, other readers); the MatMul writes it directly.
  mm.inputs.push_back(g.add_constant(out + ":dyn_bias", Tensor::from_floats({n}, c->data<float>(), static_cast<size_t>(n))));
  mm.outputs[0] = add.outputs[0];
  g.nodes.erase(g.nodes.begin() + static_cast<std::ptrdiff_t>(users[0]));
  ++stats->bias_adds_folded;
}

bool rewrite_lstm(ir::Graph& g, ir::Node& node, DynamicQuantStats* stats) {
  if (node.inputs.size() < 3 || !is_float(g, node.inputs[0])) return false;
  if (node.inputs.size() > 7 && !node.inputs[7].empty()) return false;  // peepholes, clip, input_forget: fp32 only
  if (node.has("clip") || node.get_int("input_forget", 0) != 0) return false;
  const Tensor* w = float_constant(g, node.inputs[1]);
  const Tensor* r = float_constant(g, node.inputs[2]);
  if (!w || !r || w->shape().size() != 3 || r->shape().size() != 3) return false;
  const int64_t rows = w->shape()[0] * w->shape()[1], in = w->shape()[2], hidden = r->shape()[2];
  if (r->shape()[0] * r->shape()[1] != rows || in < 1 || in > ref::kDynamicGemmMaxK || hidden < 1 ||
      hidden > ref::kDynamicGemmMaxK / 4)
    return false;
  const std::vector<int64_t> scale_dims{w->shape()[0], w->shape()[1]};
  Tensor wq(DType::Int8, w->shape()), rq(DType::Int8, r->shape()), ws(DType::Float32, scale_dims), rs(DType::Float32, scale_dims);
  quantize_rows(w->data<float>(), rows, in, wq.data<int8_t>(), ws.data<float>());
  quantize_rows(r->data<float>(), rows, hidden, rq.data<int8_t>(), rs.data<float>());
  const std::string base = node.name.empty() ? node.outputs[0] : node.name;
  std::vector<std::string> inputs = node.inputs;
  inputs.resize(9);
  inputs[1] = g.add_constant(base + ":dyn_w", std::move(wq));
  inputs[2] = g.add_constant(base + ":dyn_r", std::move(rq));
  inputs[7] = g.add_constant(base + ":dyn_w_scale", std::move(ws));
  inputs[8] = g.add_constant(base + ":dyn_r_scale", std::move(rs));
  node.inputs = inputs;
  node.op = "qinfer.DynamicLSTM";
  ++stats->lstm;
  return true;
}

}  // namespace

DynamicQuantStats quantize_dynamic(ir::Graph& g) {
  DynamicQuantStats stats;
  WeightCache cache;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    ir::Node& n = g.nodes[i];
    if (n.op == "MatMul") {
      if (rewrite_matmul(g, n, cache, &stats)) fold_bias_add(g, i, &stats);
    } else if (n.op == "Gemm") {
      rewrite_matmul(g, n, cache, &stats);
    } else if (n.op == "LSTM") {
      rewrite_lstm(g, n, &stats);
    }
  }
  g.remove_unused_values();
  return stats;
}

}  // namespace qinfer
