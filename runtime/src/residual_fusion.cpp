#include "residual_fusion.h"

#include <cstdlib>
#include <cstring>

namespace qinfer {

namespace {

bool quantized_nhwc_u8(const TensorDesc& t) {
  return t.dtype == DType::UInt8 && t.layout == fb::Layout::NHWC && t.quant.scale.size() == 1 &&
         t.quant.zero_point.size() == 1 && !t.is_constant();
}

// Same shape whatever the inputs: equal dims, and a symbolic dim only where both name the same symbol.
bool same_static_shape(const TensorDesc& a, const TensorDesc& b) {
  if (a.dims != b.dims || a.dims.size() != 4) return false;
  for (size_t d = 0; d < a.dims.size(); ++d)
    if (a.dims[d] < 0 && (d >= a.dim_names.size() || d >= b.dim_names.size() || a.dim_names[d].empty() ||
                          a.dim_names[d] != b.dim_names[d]))
      return false;
  return true;
}

bool fusable_conv(const Model& model, const NodeDesc& c) {
  if (c.op != fb::OpCode::Conv || c.version != 1 || c.fused_add || c.outputs.size() != 1 || c.inputs.size() < 2 ||
      c.inputs.size() > 3 || c.inputs[0] < 0 || c.inputs[1] < 0)
    return false;
  const fb::ConvOptions* o = c.fb->options_as<fb::ConvOptions>();
  if (!o || o->group() != 1) return false;
  const auto& t = model.tensors();
  return quantized_nhwc_u8(t[c.inputs[0]]) && t[c.inputs[1]].dtype == DType::Int8 && quantized_nhwc_u8(t[c.outputs[0]]);
}

}  // namespace

bool residual_fusion_enabled() {
  const char* v = std::getenv("QINFER_FUSE");
  return !(v && std::strcmp(v, "0") == 0);
}

std::vector<NodeDesc> fuse_residual_adds(const Model& model) {
  const auto& nodes = model.nodes();
  const auto& tensors = model.tensors();
  std::vector<int> producer(tensors.size(), -1), consumers(tensors.size(), 0);
  for (size_t n = 0; n < nodes.size(); ++n) {
    for (int t : nodes[n].outputs) producer[t] = static_cast<int>(n);
    for (int t : nodes[n].inputs)
      if (t >= 0) ++consumers[t];
  }
  for (int t : model.outputs()) ++consumers[t];  // a graph output must stay materialized

  std::vector<bool> removed(nodes.size(), false);
  std::vector<NodeDesc> fused(nodes.begin(), nodes.end());
  for (size_t a = 0; a < nodes.size(); ++a) {
    const NodeDesc& add = nodes[a];
    if (add.op != fb::OpCode::Add || add.version != 1 || add.inputs.size() != 2 || add.outputs.size() != 1 ||
        add.inputs[0] < 0 || add.inputs[1] < 0 || !add.fb->options_as<fb::AddOptions>())
      continue;
    if (!quantized_nhwc_u8(tensors[add.inputs[0]]) || !quantized_nhwc_u8(tensors[add.inputs[1]]) ||
        !quantized_nhwc_u8(tensors[add.outputs[0]]))
      continue;
    int best = -1;  // operand index of the conv to fuse
    for (int i = 0; i < 2; ++i) {
      const int t = add.inputs[i], c = producer[t];
      if (c < 0 || removed[c] || consumers[t] != 1 || add.inputs[0] == add.inputs[1] || !fusable_conv(model, nodes[c]))
        continue;
      if (!same_static_shape(tensors[t], tensors[add.inputs[1 - i]])) continue;
      if (best < 0 || c > producer[add.inputs[best]]) best = i;
    }
    if (best < 0) continue;
    const int t = add.inputs[best], c = producer[t];
    NodeDesc f = nodes[c];
    f.name = nodes[c].name + "+" + add.name;
    f.inputs.resize(3, -1);
    f.inputs.push_back(add.inputs[1 - best]);
    f.outputs = add.outputs;
    f.fused_add = add.fb;
    f.fused_conv_output = t;
    fused[a] = std::move(f);
    removed[c] = true;
  }
  std::vector<NodeDesc> out;
  for (size_t n = 0; n < nodes.size(); ++n)
    if (!removed[n]) out.push_back(std::move(fused[n]));
  return out;
}

}  // namespace qinfer
