// LSTM forms the fp32 LSTM kernel does not take directly become ones it does:
// - layout = 1 (batch-major X [N, T, I], states [N, D, H], Y [N, T, D, H]) becomes Transposes
//   around a layout-0 LSTM, so the kernel keeps one memory order;
// - a constant sequence_lens giving every sequence the full length is dropped (shorter sequences
//   are refused: the kernel runs every step).
// Peepholes, clip and input_forget are kernel options (LSTMOptions) and stay as they are.
#include "passes/passes.h"
#include "qinfer/error.h"

namespace qinfer::passes {

namespace {

[[noreturn]] void fail(const ir::Graph& g, const ir::Node& n, const std::string& rule) {
  throw Error(g.source + ": " + n.describe() + ": " + rule);
}

bool present(const ir::Node& n, size_t i) { return i < n.inputs.size() && !n.inputs[i].empty(); }

// A Transpose node reading `in` and writing a new value (shape permuted when known); returns its name.
std::string transposed(ir::Graph& g, std::vector<ir::Node>& nodes, const std::string& in, const std::vector<int64_t>& perm,
                       const std::string& base) {
  const std::string out = g.unique_name(base);
  ir::Value v = g.value(in);
  v.name = out;
  v.constant.reset();
  if (v.shape_known && v.dims.size() == perm.size()) {
    const ir::Value& src = g.value(in);
    for (size_t a = 0; a < perm.size(); ++a) v.dims[a] = src.dims[perm[a]], v.dim_names[a] = src.dim_names[perm[a]];
  } else {
    v.shape_known = false, v.dims.clear(), v.dim_names.clear();
  }
  g.values[out] = v;
  ir::Node t;
  t.op = "Transpose";
  t.name = base;
  t.inputs = {in};
  t.outputs = {out};
  t.attrs["perm"] = perm;
  nodes.push_back(t);
  return out;
}

void drop_full_sequence_lens(const ir::Graph& g, ir::Node& n, bool batch_major) {
  if (!present(n, 4)) return;
  const ir::Value& lens = g.value(n.inputs[4]);
  if (!lens.constant) fail(g, n, "sequence_lens '" + n.inputs[4] + "' must be a constant (every sequence at full length)");
  const ir::Value& x = g.value(n.inputs[0]);
  const int64_t steps = x.shape_known && x.dims.size() == 3 ? x.dims[batch_major ? 1 : 0] : -1;
  const Tensor& t = *lens.constant;
  for (int64_t i = 0; i < t.element_count(); ++i) {
    const int64_t v = t.dtype() == DType::Int32 ? t.data<int32_t>()[i] : t.dtype() == DType::Int64 ? t.data<int64_t>()[i] : -1;
    if (steps < 0 || v != steps)
      fail(g, n, "sequence_lens shorter than the sequence (or with an unknown sequence length) is not supported");
  }
  n.inputs[4].clear();
}

}  // namespace

void normalize_lstm(ir::Graph& g) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (g.nodes[i].op != "LSTM") continue;
    const int64_t layout = g.nodes[i].get_int("layout", 0);
    if (layout != 0 && layout != 1) fail(g, g.nodes[i], "layout must be 0 or 1");
    drop_full_sequence_lens(g, g.nodes[i], layout == 1);
    if (layout == 0) continue;
    ir::Node n = g.nodes[i];
    n.attrs.erase("layout");
    const std::string base = n.name.empty() ? n.outputs.at(0) : n.name;
    std::vector<ir::Node> before, after;
    n.inputs[0] = transposed(g, before, n.inputs[0], {1, 0, 2}, base + "/X_time_major");
    for (size_t k : {size_t{5}, size_t{6}})
      if (present(n, k)) n.inputs[k] = transposed(g, before, n.inputs[k], {1, 0, 2}, base + "/initial_state_" + std::to_string(k));
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      if (n.outputs[k].empty()) continue;
      const std::string y = n.outputs[k];
      const std::string inner = g.unique_name(y + "/layout0");
      ir::Value v = g.value(y);
      v.name = inner;
      v.shape_known = false, v.dims.clear(), v.dim_names.clear();
      g.values[inner] = v;
      n.outputs[k] = inner;
      std::vector<ir::Node> one;
      const std::vector<int64_t> perm = k == 0 ? std::vector<int64_t>{2, 0, 1, 3} : std::vector<int64_t>{1, 0, 2};
      transposed(g, one, inner, perm, base + "/output_" + std::to_string(k) + "_batch_major");
      one[0].outputs[0] = y;  // the Transpose writes the original output (its own new value goes unused)
      after.push_back(one[0]);
    }
    g.nodes[i] = n;
    g.nodes.insert(g.nodes.begin() + static_cast<long>(i) + 1, after.begin(), after.end());
    g.nodes.insert(g.nodes.begin() + static_cast<long>(i), before.begin(), before.end());
    i += before.size() + after.size();
  }
  g.remove_unused_values();
}

}  // namespace qinfer::passes
