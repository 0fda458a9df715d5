// 1-D windows as 2-D ones with H = 1: Conv, ConvTranspose, MaxPool and AveragePool on [N, C, W]
// become Unsqueeze(axis 2) -> the 2-D op -> Squeeze(axis 2), with every window attribute given a
// leading H entry (kernel 1, stride 1, dilation 1, pads 0, output_padding 0, output_shape 1).
#include "passes/passes.h"
#include "qinfer/error.h"

namespace qinfer::passes {

namespace {

bool windowed(const std::string& op) {
  return op == "Conv" || op == "ConvTranspose" || op == "MaxPool" || op == "AveragePool";
}

// Rank of `name` when known, else -1.
int rank_of(const ir::Graph& g, const std::string& name) {
  const ir::Value& v = g.value(name);
  return v.shape_known ? static_cast<int>(v.dims.size()) : -1;
}

// A new value `base` like `like` with a 1 inserted at axis 2 (or removed from it when squeeze).
std::string lifted_value(ir::Graph& g, const std::string& base, const std::string& like) {
  const std::string name = g.unique_name(base);
  ir::Value v = g.value(like);
  v.name = name;
  v.constant.reset();
  if (v.shape_known && v.dims.size() == 3) {
    v.dims.insert(v.dims.begin() + 2, 1);
    v.dim_names.insert(v.dim_names.begin() + 2, "");
  }
  g.values[name] = v;
  return name;
}

void prepend(ir::Node& n, const char* key, int64_t value, size_t expect, const ir::Graph& g) {
  if (!n.has(key)) return;
  std::vector<int64_t> v = n.get_ints(key);
  if (v.size() != expect)
    throw Error(g.source + ": " + n.describe() + ": " + key + " must have " + std::to_string(expect) +
                " value(s) for a 1-D window");
  if (expect == 2) {  // pads: [begin, end] -> [0, begin, 0, end]
    n.attrs[key] = std::vector<int64_t>{value, v[0], value, v[1]};
  } else {
    v.insert(v.begin(), value);
    n.attrs[key] = v;
  }
}

ir::Node axes_node(const std::string& op, const std::string& name, const std::string& in, const std::string& out) {
  ir::Node n;
  n.op = op;
  n.name = name;
  n.inputs = {in};
  n.outputs = {out};
  n.attrs["axes"] = std::vector<int64_t>{2};
  return n;
}

}  // namespace

void lift_1d_windows(ir::Graph& g) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!windowed(g.nodes[i].op) || g.nodes[i].inputs.empty() || g.nodes[i].outputs.empty()) continue;
    if (g.nodes[i].outputs.size() > 1 && !g.nodes[i].outputs[1].empty()) continue;  // MaxPool Indices: 2-D only
    const bool has_weight = g.nodes[i].op == "Conv" || g.nodes[i].op == "ConvTranspose";
    const std::string x = g.nodes[i].inputs[0];
    const int x_rank = rank_of(g, x);
    const int w_rank = has_weight && g.nodes[i].inputs.size() > 1 ? rank_of(g, g.nodes[i].inputs[1]) : -1;
    if (has_weight ? w_rank != 3 : x_rank != 3) continue;
    ir::Node& n = g.nodes[i];
    prepend(n, "kernel_shape", 1, 1, g);
    prepend(n, "strides", 1, 1, g);
    prepend(n, "dilations", 1, 1, g);
    prepend(n, "output_padding", 0, 1, g);
    prepend(n, "output_shape", 1, 1, g);
    prepend(n, "pads", 0, 2, g);
    const std::string base = n.name.empty() ? n.outputs[0] : n.name;
    std::vector<ir::Node> before;
    const std::string x4 = lifted_value(g, base + "/x_2d", x);
    before.push_back(axes_node("Unsqueeze", base + "/Unsqueeze_x", x, x4));
    n.inputs[0] = x4;
    if (has_weight) {
      const std::string w = n.inputs[1];
      const std::string w4 = lifted_value(g, base + "/w_2d", w);
      before.push_back(axes_node("Unsqueeze", base + "/Unsqueeze_w", w, w4));
      n.inputs[1] = w4;
    }
    const std::string y = n.outputs[0];
    const std::string y4 = lifted_value(g, base + "/y_2d", y);
    n.outputs[0] = y4;
    ir::Node after = axes_node("Squeeze", base + "/Squeeze_y", y4, y);
    g.nodes.insert(g.nodes.begin() + static_cast<long>(i) + 1, after);
    g.nodes.insert(g.nodes.begin() + static_cast<long>(i), before.begin(), before.end());
    i += before.size() + 1;
  }
}

}  // namespace qinfer::passes
