#include <cstring>

#include "passes/passes.h"
#include "qinfer/error.h"

namespace qinfer::passes {

namespace {
// The tensor a Constant node defines, from whichever value attribute it uses.
Tensor constant_value(const ir::Node& n) {
  if (auto it = n.attrs.find("value"); it != n.attrs.end())
    if (auto* t = std::get_if<Tensor>(&it->second)) return *t;
  if (n.has("value_float")) {
    const float v = n.get_float("value_float", 0);
    return Tensor::from_floats({}, &v, 1);
  }
  if (auto it = n.attrs.find("value_floats"); it != n.attrs.end())
    if (auto* v = std::get_if<std::vector<float>>(&it->second))
      return Tensor::from_floats({static_cast<int64_t>(v->size())}, v->data(), v->size());
  if (n.has("value_int")) {
    Tensor t(DType::Int64, {});
    t.data<int64_t>()[0] = n.get_int("value_int", 0);
    return t;
  }
  if (n.has("value_ints")) {
    const std::vector<int64_t> v = n.get_ints("value_ints");
    Tensor t(DType::Int64, {static_cast<int64_t>(v.size())});
    std::memcpy(t.raw_data(), v.data(), v.size() * sizeof(int64_t));
    return t;
  }
  throw Error(n.describe() + ": Constant without a supported value attribute (value, value_float(s), value_int(s))");
}
}  // namespace

void fold_constant_nodes(ir::Graph& g) {
  std::vector<ir::Node> kept;
  for (ir::Node& n : g.nodes) {
    if (n.op != "Constant") {
      kept.push_back(std::move(n));
      continue;
    }
    ir::Value& v = g.value(n.outputs.at(0));
    v.constant = constant_value(n);
    v.dtype = v.constant->dtype();
    v.dims = v.constant->shape();
    v.dim_names.assign(v.dims.size(), "");
    v.shape_known = true;
  }
  g.nodes = std::move(kept);
}

}  // namespace qinfer::passes
