#include <limits>

#include "passes/passes.h"

namespace qinfer::passes {

void fuse_activations(ir::Graph& g) {
  constexpr float inf = std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    ir::Node& producer = g.nodes[i];
    if (producer.op != "Conv" && producer.op != "Gemm" && producer.op != "Add" && producer.op != "ConvTranspose") continue;
    if (producer.has("qinfer.activation")) continue;
    const std::string& y = producer.outputs.at(0);
    if (g.value(y).dtype != DType::Float32) continue;  // integer Add: the Clip stays a node
    const auto users = g.consumers(y);
    if (users.size() != 1 || g.is_graph_output(y)) continue;
    ir::Node& act = g.nodes[users[0]];
    if (act.op != "Relu" && act.op != "Clip") continue;
    const bool relu = act.op == "Relu";
    producer.attrs["qinfer.activation"] = std::string(relu ? "Relu" : "Clip");
    producer.attrs["qinfer.clip_min"] = relu ? 0.0f : act.get_float("min", -inf);
    producer.attrs["qinfer.clip_max"] = relu ? inf : act.get_float("max", inf);
    producer.outputs[0] = act.outputs.at(0);
    g.nodes.erase(g.nodes.begin() + static_cast<long>(users[0]));
    if (users[0] < i) --i;
  }
  g.remove_unused_values();
}

void run_default_passes(ir::Graph& g) {
  fold_constant_nodes(g);
  remove_identities(g);
  normalize_lstm(g);
  normalize_ops(g);
  lift_1d_windows(g);
  normalize_clip(g);
  fold_batchnorm(g);
  fold_computable_values(g);
  fuse_hardswish(g);  // first: it keeps a scalar affine between a Conv and a HardSwish (see passes.h)
  fold_conv_affine(g);
  fuse_activations(g);
}

}  // namespace qinfer::passes
