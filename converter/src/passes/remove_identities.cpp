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
    const std::string in = n.inputs.at(0), out = n.outputs.at(0);
    g.nodes.erase(g.nodes.begin() + static_cast<long>(i));
    if (!g.is_graph_output(out)) {
      rename_everywhere(g, out, in);
    } else if (!g.is_constant(in) && !g.is_graph_output(in) &&
               std::find(g.inputs.begin(), g.inputs.end(), in) == g.inputs.end()) {
      // The output name is part of the model's interface: the producer writes it directly.
      rename_everywhere(g, in, out);
    } else {
      throw Error(g.source + ": node '" + n.name + "' copies graph input/constant '" + in + "' to graph output '" + out +
                  "', which is not supported yet");
    }
  }
  g.remove_unused_values();
}

}  // namespace qinfer::passes
