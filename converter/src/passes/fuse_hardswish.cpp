// fold_conv_affine: Conv / ConvTranspose followed by Mul / Add / Sub by constants (scalar or per
// output channel) becomes one node with new weights and bias.
// fuse_hardswish: x * Clip(x + 3, 0, 6) / 6 (as exported by paddle2onnx and PyTorch) and
// x * HardSigmoid(x) with alpha 1/6, beta 0.5 become one HardSwish node, which also absorbs a
// following Mul and/or Add by scalar constants (PP-OCRv4's learnable "whswish" affine) as
// attributes qinfer.post_mul / qinfer.post_add.
#include <algorithm>
#include <cmath>
#include <limits>

#include "passes/passes.h"
#include "qinfer/error.h"

namespace qinfer::passes {

namespace {

// The only node reading `name`, if there is exactly one and `name` is not a graph output.
long sole_consumer(const ir::Graph& g, const std::string& name) {
  if (g.is_graph_output(name)) return -1;
  const auto users = g.consumers(name);
  return users.size() == 1 ? static_cast<long>(users[0]) : -1;
}

// The float32 constant data of `name`, or null.
const Tensor* float_constant(const ir::Graph& g, const std::string& name) {
  if (name.empty() || !g.is_constant(name)) return nullptr;
  const Tensor& t = *g.value(name).constant;
  return t.dtype() == DType::Float32 ? &t : nullptr;
}

// For a binary node with exactly one constant float operand: that operand and the other input's
// position (0 or 1). Returns null otherwise.
const Tensor* constant_operand(const ir::Graph& g, const ir::Node& n, size_t* other) {
  if (n.inputs.size() != 2 || n.outputs.size() != 1) return nullptr;
  const Tensor* c0 = float_constant(g, n.inputs[0]);
  const Tensor* c1 = float_constant(g, n.inputs[1]);
  if ((c0 != nullptr) == (c1 != nullptr)) return nullptr;
  *other = c0 ? 1 : 0;
  return c0 ? c0 : c1;
}

// Index of the node producing `name`, or -1.
long producer_of(const ir::Graph& g, const std::string& name) {
  for (size_t p = 0; p < g.nodes.size(); ++p)
    for (const std::string& o : g.nodes[p].outputs)
      if (o == name) return static_cast<long>(p);
  return -1;
}

bool is_scalar(const Tensor* t) { return t && t->element_count() == 1; }
float scalar(const Tensor* t) { return t->data<float>()[0]; }

// Per-output-channel view of a constant that broadcasts against an N,C,H,W output with C = oc
// channels without changing its shape: one value, or oc values laid out as [.., oc, 1, 1].
bool per_channel(const Tensor& t, int64_t oc) {
  if (t.element_count() == 1) return t.shape().size() <= 4;
  const auto& s = t.shape();
  if (s.size() < 3 || s.size() > 4 || t.element_count() != oc) return false;
  return s[s.size() - 3] == oc && s[s.size() - 2] == 1 && s[s.size() - 1] == 1;
}
float channel_value(const Tensor& t, int64_t o) { return t.data<float>()[t.element_count() == 1 ? 0 : o]; }

}  // namespace

void fold_conv_affine(ir::Graph& g) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    ir::Node& conv = g.nodes[i];
    const bool transpose = conv.op == "ConvTranspose";
    if (conv.op != "Conv" && !transpose) continue;
    if (conv.has("qinfer.activation") || conv.outputs.size() != 1 || conv.inputs.size() < 2) continue;
    if (transpose && conv.get_int("group", 1) != 1) continue;
    const Tensor* w0 = float_constant(g, conv.inputs[1]);
    const bool has_bias = conv.inputs.size() > 2 && !conv.inputs[2].empty();
    if (!w0 || w0->shape().size() != 4 || (has_bias && !float_constant(g, conv.inputs[2]))) continue;
    const int64_t oc = w0->shape()[transpose ? 1 : 0];
    Tensor w, b;
    bool changed = false;
    for (;;) {
      const long c = sole_consumer(g, conv.outputs[0]);
      if (c < 0) break;
      const ir::Node& next = g.nodes[static_cast<size_t>(c)];
      size_t other = 0;
      const Tensor* k = (next.op == "Mul" || next.op == "Add" || next.op == "Sub") ? constant_operand(g, next, &other) : nullptr;
      if (!k || !per_channel(*k, oc) || next.inputs[other] != conv.outputs[0]) break;
      if (next.op == "Sub" && other != 0) break;  // c - conv(x) would negate the weights: left alone
      if (!changed) {  // copies: weights and biases may be shared with other nodes
        w = *w0;
        b = has_bias ? *float_constant(g, conv.inputs[2]) : Tensor(DType::Float32, {oc});
        if (b.element_count() != oc) break;
        changed = true;
      }
      if (next.op == "Mul") {
        const auto& s = w.shape();
        for (int64_t idx = 0; idx < w.element_count(); ++idx) {
          const int64_t o = transpose ? (idx / (s[2] * s[3])) % s[1] : idx / (s[1] * s[2] * s[3]);
          w.data<float>()[idx] *= channel_value(*k, o);
        }
        for (int64_t o = 0; o < oc; ++o) b.data<float>()[o] *= channel_value(*k, o);
      } else {
        const float sign = next.op == "Sub" ? -1.0f : 1.0f;
        for (int64_t o = 0; o < oc; ++o) b.data<float>()[o] += sign * channel_value(*k, o);
      }
      conv.outputs[0] = next.outputs[0];
      g.nodes.erase(g.nodes.begin() + c);
    }
    if (!changed) continue;
    conv.inputs.resize(3);
    conv.inputs[1] = g.add_constant(conv.inputs[1] + "_affine", std::move(w));
    conv.inputs[2] = g.add_constant(conv.name + "_bias_affine", std::move(b));
  }
  g.remove_unused_values();
}

void fuse_hardswish(ir::Graph& g) {
  std::vector<bool> dead(g.nodes.size(), false);
  auto next_of = [&](const std::string& v, const char* op) -> long {
    const long c = sole_consumer(g, v);
    return c >= 0 && !dead[static_cast<size_t>(c)] && g.nodes[static_cast<size_t>(c)].op == op ? c : -1;
  };
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (dead[i]) continue;
    const ir::Node& first = g.nodes[i];
    std::string x;
    std::vector<size_t> chain{i};
    std::string y;
    size_t other = 0;
    if (first.op == "Add") {  // Add(x, 3) -> Clip(0, 6) -> Mul(x, .) -> Div(6) | Mul(1/6)
      const Tensor* three = constant_operand(g, first, &other);
      if (!is_scalar(three) || scalar(three) != 3.0f || first.has("qinfer.activation")) continue;
      x = first.inputs[other];
      const long clip = next_of(first.outputs[0], "Clip");
      if (clip < 0) continue;
      const ir::Node& c = g.nodes[static_cast<size_t>(clip)];
      if (c.get_float("min", -1.0f) != 0.0f || c.get_float("max", -1.0f) != 6.0f) continue;
      const long mul = next_of(c.outputs[0], "Mul");
      if (mul < 0) continue;
      const ir::Node& m = g.nodes[static_cast<size_t>(mul)];
      if (m.inputs.size() != 2 || !((m.inputs[0] == x && m.inputs[1] == c.outputs[0]) || (m.inputs[1] == x && m.inputs[0] == c.outputs[0])))
        continue;
      long div = next_of(m.outputs[0], "Div");
      if (div >= 0) {
        const ir::Node& d = g.nodes[static_cast<size_t>(div)];
        const Tensor* six = float_constant(g, d.inputs.size() == 2 ? d.inputs[1] : std::string());
        if (d.inputs[0] != m.outputs[0] || !is_scalar(six) || scalar(six) != 6.0f) div = -1;
      } else if ((div = next_of(m.outputs[0], "Mul")) >= 0) {
        const ir::Node& d = g.nodes[static_cast<size_t>(div)];
        const Tensor* sixth = constant_operand(g, d, &other);
        if (!is_scalar(sixth) || std::fabs(scalar(sixth) - 1.0f / 6.0f) > 1e-6f) div = -1;
      }
      if (div < 0) continue;
      chain.insert(chain.end(), {static_cast<size_t>(clip), static_cast<size_t>(mul), static_cast<size_t>(div)});
      y = g.nodes[static_cast<size_t>(div)].outputs[0];
    } else if (first.op == "HardSigmoid") {  // Mul(x, HardSigmoid(x; 1/6, 0.5))
      if (std::fabs(first.get_float("alpha", 0.2f) - 1.0f / 6.0f) > 1e-6f || first.get_float("beta", 0.5f) != 0.5f) continue;
      x = first.inputs.at(0);
      const long mul = next_of(first.outputs.at(0), "Mul");
      if (mul < 0) continue;
      const ir::Node& m = g.nodes[static_cast<size_t>(mul)];
      if (m.inputs.size() != 2 || !((m.inputs[0] == x) != (m.inputs[1] == x))) continue;
      chain.push_back(static_cast<size_t>(mul));
      y = m.outputs[0];
    } else {
      continue;
    }
    // A preceding scalar affine (x = t * k + c, e.g. PP-OCRv4's MobileOne scale after a Conv) that
    // feeds nothing else: absorbed as pre_mul / pre_add, so that int8 keeps t's grid and needs no
    // intermediate rounding of x.
    float pre_mul = 1.0f, pre_add = 0.0f;
    auto only_read_by = [&](const std::string& v, const std::vector<size_t>& readers) {
      if (g.is_graph_output(v)) return false;
      for (size_t c : g.consumers(v))
        if (std::find(readers.begin(), readers.end(), c) == readers.end()) return false;
      return true;
    };
    for (const char* op : {"Add", "Mul"}) {
      const long p = producer_of(g, x);
      if (p < 0 || dead[static_cast<size_t>(p)] || g.nodes[static_cast<size_t>(p)].op != op) continue;
      const ir::Node& n = g.nodes[static_cast<size_t>(p)];
      const Tensor* k = constant_operand(g, n, &other);
      if (!is_scalar(k) || !std::isfinite(scalar(k)) || k->shape().size() > 1 || !only_read_by(x, chain)) continue;
      (op[0] == 'M' ? pre_mul : pre_add) = scalar(k);
      chain.push_back(static_cast<size_t>(p));
      x = n.inputs[other];
    }
    // A following scalar affine: Mul by a constant, then Add by a constant (either or both).
    float post_mul = 1.0f, post_add = 0.0f;
    for (const char* op : {"Mul", "Add"}) {
      const long a = next_of(y, op);
      if (a < 0) continue;
      const ir::Node& n = g.nodes[static_cast<size_t>(a)];
      const Tensor* k = constant_operand(g, n, &other);
      if (!is_scalar(k) || n.inputs[other] != y || !std::isfinite(scalar(k)) || k->shape().size() > 1) continue;
      (op[0] == 'M' ? post_mul : post_add) = scalar(k);
      chain.push_back(static_cast<size_t>(a));
      y = n.outputs[0];
    }
    ir::Node hs;
    hs.name = first.name + "_hardswish";
    hs.op = "HardSwish";
    hs.inputs = {x};
    hs.outputs = {y};
    if (post_mul != 1.0f) hs.attrs["qinfer.post_mul"] = post_mul;
    if (post_add != 0.0f) hs.attrs["qinfer.post_add"] = post_add;
    if (pre_mul != 1.0f) hs.attrs["qinfer.pre_mul"] = pre_mul;
    if (pre_add != 0.0f) hs.attrs["qinfer.pre_add"] = pre_add;
    for (size_t k : chain) dead[k] = true;
    dead[i] = false;  // the HardSwish takes the place of the pattern's first node (x is defined before it)
    g.nodes[i] = std::move(hs);
  }
  std::vector<ir::Node> kept;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!dead[i]) kept.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(kept);
  g.remove_unused_values();
}

}  // namespace qinfer::passes
