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
int64_t onnx_type_code(const ir::Graph& g, const ir::Node& n, DType d) {
  switch (d) {
    case DType::Float32: return 1;
    case DType::UInt8: return 2;
    case DType::Int8: return 3;
    case DType::Int32: return 6;
    case DType::Int64: return 7;
    case DType::Bool: return 9;
  }
  throw Error(g.source + ": " + n.describe() + ": unsupported element type");
}
}  // namespace

void remove_identities(ir::Graph& g) {
  for (size_t i = 0; i < g.nodes.size();) {
    ir::Node& n = g.nodes[i];
    if (n.op != "Identity" && n.op != "Dropout") {
      ++i;
      continue;
    }
    if (n.op == "Dropout" && n.outputs.size() > 1 && !n.outputs[1].empty() &&
        (!g.consumers(n.outputs[1]).empty() || g.is_graph_output(n.outputs[1])))
      throw Error(g.source + ": " + n.describe() + ": its mask output is used; Dropout masks are not supported (inference-mode Dropout without a mask is)");
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
    const std::string in = n.inputs.at(0), out = n.outputs.at(0);
    const bool copies_interface = g.is_graph_output(out) &&
                                  (g.is_constant(in) || g.is_graph_output(in) ||
                                   std::find(g.inputs.begin(), g.inputs.end(), in) != g.inputs.end());
    if (copies_interface) {
      // A graph input or constant copied to a graph output: both names are part of the interface,
      // so the copy stays, as a Cast to the same element type (an exact copy of any shape).
      n.op = "Cast";
      n.attrs.clear();
      n.attrs["to"] = int64_t{onnx_type_code(g, n, g.value(in).dtype)};
      n.inputs.resize(1);
      n.outputs.resize(1);
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
