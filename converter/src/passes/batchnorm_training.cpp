#include "passes/batchnorm_training.h"

#include <string>
#include <vector>

#include "qinfer/error.h"

namespace qinfer::passes {

namespace {

struct Builder {
  ir::Graph& g;
  std::string base;
  std::vector<ir::Node> nodes;

  // A node writing `out` (a new value shaped like `like`, or an existing name when out is given).
  std::string add(const std::string& op, std::vector<std::string> ins, const std::string& like, std::string out = "") {
    if (out.empty()) {
      out = g.unique_name(base + "/" + op);
      ir::Value v = g.value(like);
      v.name = out;
      v.constant.reset();
      g.values[out] = v;
    }
    ir::Node n;
    n.op = op;
    n.name = out + "_node";
    n.inputs = std::move(ins);
    n.outputs = {out};
    nodes.push_back(n);
    return out;
  }
  std::string reduce_mean(const std::string& in, const std::vector<int64_t>& axes, const std::string& like) {
    const std::string out = add("ReduceMean", {in}, like);
    nodes.back().attrs["axes"] = axes;
    nodes.back().attrs["keepdims"] = int64_t{1};
    return out;
  }
};

}  // namespace

void decompose_training_batchnorm(ir::Graph& g, size_t index) {
  const ir::Node bn = g.nodes[index];
  const ir::Value& x = g.value(bn.inputs[0]);
  if (!x.shape_known || x.dims.size() < 2)
    throw Error(g.source + ": " + bn.describe() + ": training mode needs the input's rank (at least 2)");
  const Tensor* p[4];
  for (size_t k = 1; k <= 4; ++k) {
    p[k - 1] = &*g.value(bn.inputs[k]).constant;
    if (p[k - 1]->dtype() != DType::Float32 || p[k - 1]->element_count() != p[0]->element_count())
      throw Error(g.source + ": " + bn.describe() + ": parameters must be float vectors of equal length");
  }
  const int64_t c = p[0]->element_count();
  const float eps = bn.get_float("epsilon", 1e-5f), momentum = bn.get_float("momentum", 0.9f);
  std::vector<int64_t> axes, channel_shape(x.dims.size() - 1, 1);  // [C, 1, ...] broadcasts over N, C, ...
  for (size_t a = 0; a < x.dims.size(); ++a)
    if (a != 1) axes.push_back(static_cast<int64_t>(a));
  channel_shape[0] = c;
  const auto reshaped = [&](const Tensor& t, const char* what) {
    Tensor r(DType::Float32, channel_shape);
    std::copy(t.data<float>(), t.data<float>() + c, r.data<float>());
    return g.add_constant(bn.name + what, std::move(r));
  };
  const auto scalar = [&](float v, const char* what) { return g.add_constant(bn.name + what, Tensor::from_floats({}, &v, 1)); };

  Builder b{g, bn.name.empty() ? bn.outputs[0] : bn.name, {}};
  const std::string& in = bn.inputs[0];
  const std::string mean = b.reduce_mean(in, axes, in);
  g.value(mean).dims.assign(x.dims.size(), 1), g.value(mean).dims[1] = x.dims[1];
  g.value(mean).dim_names.assign(x.dims.size(), "");
  const std::string centred = b.add("Sub", {in, mean}, in);
  const std::string var = b.reduce_mean(b.add("Mul", {centred, centred}, in), axes, mean);
  const std::string stddev = b.add("Sqrt", {b.add("Add", {var, scalar(eps, "_epsilon")}, mean)}, mean);
  const std::string scaled = b.add("Mul", {centred, reshaped(*p[0], "_scale")}, in);
  b.add("Add", {b.add("Div", {scaled, stddev}, in), reshaped(*p[1], "_bias")}, in, bn.outputs[0]);
  // Running statistics: input * momentum + batch statistic * (1 - momentum), as [C].
  const std::vector<std::string> stats = {mean, var};
  for (size_t k = 1; k <= 2 && k < bn.outputs.size(); ++k) {
    if (bn.outputs[k].empty()) continue;
    Tensor kept(DType::Float32, {c});
    for (int64_t i = 0; i < c; ++i) kept.data<float>()[i] = p[k + 1]->data<float>()[i] * momentum;
    const std::string flat = b.add("Squeeze", {stats[k - 1]}, bn.outputs[k]);
    b.nodes.back().attrs["axes"] = axes;
    const std::string part = b.add("Mul", {flat, scalar(static_cast<float>(1.0 - double(momentum)), "_one_minus_momentum")},
                                   bn.outputs[k]);
    b.add("Add", {part, g.add_constant(bn.name + "_kept", std::move(kept))}, bn.outputs[k], bn.outputs[k]);
  }
  g.nodes.erase(g.nodes.begin() + static_cast<long>(index));
  g.nodes.insert(g.nodes.begin() + static_cast<long>(index), b.nodes.begin(), b.nodes.end());
}

}  // namespace qinfer::passes
