#include "quantize_pad_split.h"

namespace qinfer {

namespace {

bool known_rank_like(const ir::Graph& g, const std::string& name, size_t rank) {
  if (name.empty()) return false;
  const ir::Value& v = g.value(name);
  return v.shape_known && v.dims.size() == rank;
}

}  // namespace

bool can_quantize_pad_split(const ir::Graph& g, const ir::Node& n) {
  if ((n.op != "Pad" && n.op != "Split") || n.inputs.empty() || n.inputs[0].empty() || g.is_constant(n.inputs[0]))
    return false;
  const ir::Value& x = g.value(n.inputs[0]);
  if (!x.shape_known) return false;
  for (const std::string& out : n.outputs)
    if (!known_rank_like(g, out, x.dims.size())) return false;
  auto constant_or_absent = [&](size_t i) { return i >= n.inputs.size() || n.inputs[i].empty() || g.is_constant(n.inputs[i]); };
  if (n.op == "Split") return constant_or_absent(1);
  if (n.inputs.size() < 2 || !g.is_constant(n.inputs[1]) || !constant_or_absent(2)) return false;
  if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
    const Tensor& v = *g.value(n.inputs[2]).constant;
    if (v.dtype() != DType::Float32 || v.element_count() != 1 || v.data<float>()[0] != 0.0f) return false;
  }
  return true;
}

}  // namespace qinfer
