#include "passes/normalize_pad_split.h"

#include "qinfer/error.h"

namespace qinfer::passes {

namespace {

[[noreturn]] void fail(const ir::Graph& g, const ir::Node& n, const std::string& rule) {
  throw Error(g.source + ": " + n.describe() + ": " + rule);
}

bool has_input(const ir::Node& n, size_t i) { return i < n.inputs.size() && !n.inputs[i].empty(); }

void drop_trailing_absent(ir::Node& n) {
  while (n.inputs.size() > 1 && n.inputs.back().empty()) n.inputs.pop_back();
}

void normalize_pad(ir::Graph& g, ir::Node& n) {
  const std::string mode = n.get_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    fail(g, n, "mode '" + mode + "' is not supported (constant, reflect, edge are)");
  if (g.opset < 11) {  // Pad-2: pads and a float value are attributes
    if (!n.has("pads")) fail(g, n, "the pads attribute is missing");
    const float value = n.get_float("value", 0.0f);
    n.inputs = {n.inputs.at(0), g.add_constant(n.name + "_pads", ir::int64_tensor(n.get_ints("pads"))),
                g.add_constant(n.name + "_value", Tensor::from_floats({}, &value, 1))};
    n.attrs.erase("pads"), n.attrs.erase("value");
    return;
  }
  if (has_input(n, 3)) fail(g, n, "the axes input (opset 18) is not supported");
  drop_trailing_absent(n);
}

void normalize_split(ir::Graph& g, ir::Node& n) {
  n.attrs["axis"] = n.get_int("axis", 0);
  // The number of outputs is the number of parts: a trailing unnamed one must stay, and every
  // part (named here or by normalize_ops) has the data's element type.
  const DType dtype = g.value(n.inputs.at(0)).dtype;
  for (size_t o = 0; o < n.outputs.size(); ++o) {
    if (n.outputs[o].empty()) {
      n.outputs[o] = g.unique_name(n.name + "_unused_output_" + std::to_string(o));
      g.values[n.outputs[o]].name = n.outputs[o];
    }
    g.value(n.outputs[o]).dtype = dtype;
  }
  if (g.opset < 13 && n.has("split")) {  // Split-2..11: sizes are an attribute
    n.inputs = {n.inputs.at(0), g.add_constant(n.name + "_split", ir::int64_tensor(n.get_ints("split")))};
    n.attrs.erase("split");
  }
  drop_trailing_absent(n);
}

}  // namespace

void normalize_pad_split(ir::Graph& g, ir::Node& n) {
  if (n.op == "Pad") normalize_pad(g, n);
  if (n.op == "Split") normalize_split(g, n);
}

}  // namespace qinfer::passes
