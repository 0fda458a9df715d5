#include <limits>

#include "passes/passes.h"
#include "qinfer/error.h"

namespace qinfer::passes {

namespace {
// A scalar bound from a constant input, or the default when the input is absent.
float scalar_bound(const ir::Graph& g, const ir::Node& n, size_t index, float fallback) {
  if (index >= n.inputs.size() || n.inputs[index].empty()) return fallback;
  const ir::Value& v = g.value(n.inputs[index]);
  if (!v.constant)
    throw Error(g.source + ": " + n.describe() + ": Clip bound '" + v.name + "' is computed at run time; only constant bounds are supported");
  if (v.constant->element_count() != 1 || v.constant->dtype() != DType::Float32)
    throw Error(g.source + ": " + n.describe() + ": Clip bound '" + v.name + "' must be a float scalar");
  return v.constant->data<float>()[0];
}
}  // namespace

void normalize_clip(ir::Graph& g) {
  constexpr float inf = std::numeric_limits<float>::infinity();
  for (ir::Node& n : g.nodes) {
    if (n.op != "Clip") continue;
    const float lo = g.opset < 11 ? n.get_float("min", -inf) : scalar_bound(g, n, 1, -inf);
    const float hi = g.opset < 11 ? n.get_float("max", inf) : scalar_bound(g, n, 2, inf);
    if (lo > hi) throw Error(g.source + ": " + n.describe() + ": Clip min " + std::to_string(lo) + " > max " + std::to_string(hi));
    n.attrs["min"] = lo;
    n.attrs["max"] = hi;
    n.inputs.resize(1);
  }
  g.remove_unused_values();
}

}  // namespace qinfer::passes
