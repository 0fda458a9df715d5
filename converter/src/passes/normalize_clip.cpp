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
  if (v.constant->element_count() != 1)
    throw Error(g.source + ": " + n.describe() + ": Clip bound '" + v.name + "' must be a scalar");
  switch (v.constant->dtype()) {  // integer bounds come with integer data (int_elementwise.cpp)
    case DType::Float32: return v.constant->data<float>()[0];
    case DType::UInt8: return v.constant->data<uint8_t>()[0];
    case DType::Int8: return v.constant->data<int8_t>()[0];
    case DType::Int32: return static_cast<float>(v.constant->data<int32_t>()[0]);
    case DType::Int64: return static_cast<float>(v.constant->data<int64_t>()[0]);
    default: throw Error(g.source + ": " + n.describe() + ": Clip bound '" + v.name + "' must be a number");
  }
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
