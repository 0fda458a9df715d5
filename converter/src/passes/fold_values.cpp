// Constant folding of computable values: nodes whose inputs are all constants, and Shape nodes
// whose input shape is fully known, become constants. Nodes are evaluated by the runtime's own
// kernels (planner.h: evaluate_node) on a qbin of the graph, so there is one executor.
#include <cstring>
#include <set>

#include "kernels/kernel.h"
#include "model.h"
#include "passes/passes.h"
#include "planner.h"
#include "qbin_writer.h"
#include "qinfer/error.h"

namespace qinfer::passes {

namespace {

bool static_shape(const ir::Value& v) {
  if (!v.shape_known && !v.constant) return false;
  for (int64_t d : v.constant ? v.constant->shape() : v.dims)
    if (d < 0) return false;
  return true;
}

}  // namespace

void fold_computable_values(ir::Graph& g) {
  // 1. Which nodes fold, in graph order (a folded output makes its consumers foldable too).
  std::set<std::string> known;
  std::vector<bool> fold(g.nodes.size(), false);
  bool any = false;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const ir::Node& n = g.nodes[i];
    bool all = !n.inputs.empty();
    for (const std::string& in : n.inputs) all = all && (in.empty() || g.is_constant(in) || known.count(in));
    if (n.op == "Shape" && !n.inputs.empty() && static_shape(g.value(n.inputs[0]))) all = true;
    if (n.op == "qinfer.Quantize" || n.op == "qinfer.Dequantize") all = false;
    if (!all) continue;
    fold[i] = any = true;
    for (const std::string& out : n.outputs) known.insert(out);
  }
  if (!any) return;

  // 2. Evaluate them on the runtime's kernels.
  const std::vector<uint8_t> bytes = write_qbin(g, {});
  const Model model(bytes.data(), bytes.size(), g.source + " (constant folding)");
  std::map<std::string, int> index;
  for (size_t t = 0; t < model.tensors().size(); ++t) index[model.tensors()[t].name] = static_cast<int>(t);
  std::map<int, Tensor> computed;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!fold[i]) continue;
    const NodeDesc& node = model.nodes()[i];
    std::vector<Shape> in_shapes;
    std::vector<const void*> values;
    in_shapes.reserve(node.inputs.size());
    for (int t : node.inputs) {
      if (t < 0) {
        in_shapes.emplace_back();
        values.push_back(nullptr);
      } else if (auto c = computed.find(t); c != computed.end()) {
        in_shapes.push_back(c->second.shape());
        values.push_back(c->second.raw_data());
      } else {
        const TensorDesc& d = model.tensors()[t];
        in_shapes.push_back(d.is_constant() ? d.dims : g.value(d.name).dims);  // Shape's input: IR dims
        values.push_back(d.constant);
      }
    }
    std::vector<const Shape*> shape_ptrs;
    for (size_t k = 0; k < node.inputs.size(); ++k) shape_ptrs.push_back(node.inputs[k] >= 0 ? &in_shapes[k] : nullptr);
    const std::unique_ptr<Kernel> kernel = create_kernel(model, node);
    const std::vector<Shape> out_shapes = kernel->output_shapes(shape_ptrs, values);
    std::vector<Tensor> outs = evaluate_node(model, node, *kernel, shape_ptrs, values, out_shapes);
    for (size_t o = 0; o < node.outputs.size(); ++o) computed.emplace(node.outputs[o], std::move(outs[o]));
  }

  // 3. Folded outputs become constants; the nodes go.
  std::vector<ir::Node> kept;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!fold[i]) {
      kept.push_back(std::move(g.nodes[i]));
      continue;
    }
    for (const std::string& out : g.nodes[i].outputs) {
      if (out.empty()) continue;
      ir::Value& v = g.value(out);
      v.constant = computed.at(index.at(out));
      v.dtype = v.constant->dtype();
      v.dims = v.constant->shape();
      v.dim_names.assign(v.dims.size(), "");
      v.shape_known = true;
    }
  }
  g.nodes = std::move(kept);
  g.remove_unused_values();
}

}  // namespace qinfer::passes
