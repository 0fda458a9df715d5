#include <algorithm>

#include "passes/passes.h"
#include "qinfer/error.h"

namespace qinfer::passes {

namespace {
void rename_everywhere(ir::Graph& g, const std::string& from, const std::string& to) {
  for (ir::Node& n : g.nodes) {
    for (std::string& in : n.inputs)
      if (in == from) in = to;
    for (std::string& out : n.outputs)
      if (out == from) out = to;
  }
}
int64_t cast_code(const ir::Graph& g, const ir::Node& n, DType d) {
  const int code = ir::onnx_type_code(d);
  if (code == 0) throw Error(g.source + ": " + n.describe() + ": unsupported element type");
  return code;
}
}  // namespace

void remove_identities(ir::Graph& g) {
  for (size_t i = 0; i < g.nodes.size();) {
    ir::Node& n = g.nodes[i];
    if (n.op != "Identity" && n.op != "Dropout") {
      ++i;
      continue;
    }
    const bool mask_used = n.op == "Dropout" && n.outputs.size() > 1 && !n.outputs[1].empty() &&
                           (!g.consumers(n.outputs[1]).empty() || g.is_graph_output(n.outputs[1]));
    if (mask_used && g.value(n.outputs[1]).dtype != DType::Bool)  // Dropout-7..9 typed the mask like x
      throw Error(g.source + ": " + n.describe() + ": a non-bool Dropout mask is not supported");
    if (n.op == "Dropout" && n.inputs.size() > 2 && !n.inputs[2].empty()) {
      // Dropout-12+: training_mode true drops elements at random unless ratio is 0.
      const std::string& tm = n.inputs[2];
      if (!g.is_constant(tm))
        throw Error(g.source + ": " + n.describe() + ": training_mode must be a constant");
      const Tensor& t = *g.value(tm).constant;
      if (t.dtype() != DType::Bool || t.element_count() != 1)
        throw Error(g.source + ": " + n.describe() + ": training_mode must be one bool");
      if (*static_cast<const uint8_t*>(t.raw_data()) != 0) {
        float ratio = 0.5f;
        if (n.inputs.size() > 1 && !n.inputs[1].empty()) {
          if (!g.is_constant(n.inputs[1]))
            throw Error(g.source + ": " + n.describe() + ": ratio must be a constant in training mode");
          const Tensor& r = *g.value(n.inputs[1]).constant;
          if (r.dtype() != DType::Float32 || r.element_count() != 1)
            throw Error(g.source + ": " + n.describe() + ": ratio must be one float32");
          ratio = r.data<float>()[0];
        }
        if (ratio != 0.0f)
          throw Error(g.source + ": " + n.describe() +
                      ": training-mode Dropout with a non-zero ratio (random) is not supported");
      }
    }
    if (mask_used) {
      // Not dropping anything (inference, or ratio 0): the mask is all true, ConstantOfShape(Shape(x)).
      const std::string x = n.inputs.at(0), mask = n.outputs[1], base = n.name.empty() ? mask : n.name;
      const std::string shape = g.unique_name(base + "/mask_shape");
      ir::Value sv;
      sv.name = shape;
      sv.dtype = DType::Int64;
      if (g.value(x).shape_known) {
        sv.shape_known = true;
        sv.dims = {static_cast<int64_t>(g.value(x).dims.size())};
        sv.dim_names = {""};
      }
      g.values[shape] = sv;
      ir::Node shape_node, fill;
      shape_node.op = "Shape", shape_node.name = base + "/mask_Shape", shape_node.inputs = {x}, shape_node.outputs = {shape};
      Tensor one(DType::Bool, {1});
      *static_cast<uint8_t*>(one.raw_data()) = 1;
      fill.op = "ConstantOfShape", fill.name = base + "/mask_fill", fill.inputs = {shape}, fill.outputs = {mask};
      fill.attrs["value"] = std::move(one);
      n.outputs.resize(1);
      g.nodes.insert(g.nodes.begin() + static_cast<long>(i) + 1, {shape_node, fill});
      // g.nodes[i] is still this Dropout; the new nodes come after it and are not Identity/Dropout.
    }
    ir::Node& d = g.nodes[i];
    const std::string in = d.inputs.at(0), out = d.outputs.at(0);
    const bool copies_interface = g.is_graph_output(out) &&
                                  (g.is_constant(in) || g.is_graph_output(in) ||
                                   std::find(g.inputs.begin(), g.inputs.end(), in) != g.inputs.end());
    if (copies_interface) {
      // A graph input or constant copied to a graph output: both names are part of the interface,
      // so the copy stays, as a Cast to the same element type (an exact copy of any shape).
      d.op = "Cast";
      d.attrs.clear();
      d.attrs["to"] = int64_t{cast_code(g, d, g.value(in).dtype)};
      d.inputs.resize(1);
      d.outputs.resize(1);
      ++i;
      continue;
    }
    g.nodes.erase(g.nodes.begin() + static_cast<long>(i));
    if (!g.is_graph_output(out)) {
      rename_everywhere(g, out, in);
    } else {
      // The output name is part of the model's interface: the producer writes it directly.
      rename_everywhere(g, in, out);
    }
  }
  g.remove_unused_values();
}

}  // namespace qinfer::passes
