#include <cmath>

#include "passes/batchnorm_training.h"
#include "passes/passes.h"
#include "qinfer/error.h"

namespace qinfer::passes {

// y = gamma * (conv(x) - mean) / sqrt(var + eps) + beta
//   = conv'(x) with w'[o] = w[o] * k[o], b'[o] = (b[o] - mean[o]) * k[o] + beta[o], k = gamma / sqrt(var + eps).
namespace {

// A BatchNormalization with nothing to fold into becomes y = x * k + (beta - mean * k), with
// k = gamma / sqrt(var + eps) as constants of shape [C, 1, ...] that broadcast over N, C, ....
void decompose_batchnorm(ir::Graph& g, size_t index) {
  ir::Node bn = g.nodes[index];
  const ir::Value& x = g.value(bn.inputs[0]);
  if (!x.shape_known || x.dims.size() < 2)
    throw Error(g.source + ": " + bn.describe() + ": the input's rank must be known (at least 2) to apply it per channel");
  const Tensor& gamma = *g.value(bn.inputs[1]).constant;
  const Tensor& beta = *g.value(bn.inputs[2]).constant;
  const Tensor& mean = *g.value(bn.inputs[3]).constant;
  const Tensor& var = *g.value(bn.inputs[4]).constant;
  const int64_t c = gamma.element_count();
  for (const Tensor* t : {&gamma, &beta, &mean, &var})
    if (t->element_count() != c || t->dtype() != DType::Float32)
      throw Error(g.source + ": " + bn.describe() + ": parameters must be float vectors of equal length");
  std::vector<int64_t> shape(x.dims.size() - 1, 1);
  shape[0] = c;
  Tensor scale(DType::Float32, shape), shift(DType::Float32, shape);
  const float eps = bn.get_float("epsilon", 1e-5f);
  for (int64_t o = 0; o < c; ++o) {
    const double k = double(gamma.data<float>()[o]) / std::sqrt(double(var.data<float>()[o]) + eps);
    scale.data<float>()[o] = float(k);
    shift.data<float>()[o] = float(double(beta.data<float>()[o]) - double(mean.data<float>()[o]) * k);
  }
  const std::string scaled = g.unique_name(bn.name + "_scaled");
  ir::Value sv = x;
  sv.name = scaled;
  sv.constant.reset();
  g.values[scaled] = sv;
  ir::Node mul, add;
  mul.name = bn.name + "_mul", mul.op = "Mul", mul.inputs = {bn.inputs[0], g.add_constant(bn.name + "_scale", std::move(scale))};
  mul.outputs = {scaled};
  add.name = bn.name + "_add", add.op = "Add", add.inputs = {scaled, g.add_constant(bn.name + "_shift", std::move(shift))};
  add.outputs = {bn.outputs[0]};
  g.nodes[index] = mul;
  g.nodes.insert(g.nodes.begin() + static_cast<long>(index) + 1, add);
}

}  // namespace

void fold_batchnorm(ir::Graph& g) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    ir::Node& bn = g.nodes[i];
    if (bn.op != "BatchNormalization") continue;
    const std::string& x = bn.inputs.at(0);
    const auto producers = [&] {
      for (size_t p = 0; p < g.nodes.size(); ++p)
        for (const std::string& o : g.nodes[p].outputs)
          if (o == x) return static_cast<long>(p);
      return -1L;
    }();
    const bool foldable = producers >= 0 && g.nodes[producers].op == "Conv" && g.consumers(x).size() == 1 &&
                          !g.is_graph_output(x) && g.is_constant(g.nodes[producers].inputs.at(1)) &&
                          bn.outputs.size() == 1;
    for (size_t k = 1; k <= 4; ++k)
      if (!g.is_constant(bn.inputs.at(k)))
        throw Error(g.source + ": " + bn.describe() + ": parameter '" + bn.inputs[k] + "' must be a constant");
    if (bn.get_int("training_mode", 0) != 0) {  // ONNX 14+: statistics of the batch itself
      const size_t added = g.nodes.size();
      decompose_training_batchnorm(g, i);
      i += g.nodes.size() - added;
      continue;
    }
    if (bn.outputs.size() > 1)
      for (size_t k = 1; k < bn.outputs.size(); ++k)
        if (!bn.outputs[k].empty() && (!g.consumers(bn.outputs[k]).empty() || g.is_graph_output(bn.outputs[k])))
          throw Error(g.source + ": " + bn.describe() + ": training-mode outputs (running mean/var) are not supported");
    if (!foldable) {
      decompose_batchnorm(g, i);
      continue;
    }
    ir::Node& conv = g.nodes[producers];
    const Tensor& gamma = *g.value(bn.inputs[1]).constant;
    const Tensor& beta = *g.value(bn.inputs[2]).constant;
    const Tensor& mean = *g.value(bn.inputs[3]).constant;
    const Tensor& var = *g.value(bn.inputs[4]).constant;
    const float eps = bn.get_float("epsilon", 1e-5f);
    Tensor w = *g.value(conv.inputs[1]).constant;
    const int64_t oc = w.shape().at(0);
    for (const Tensor* t : {&gamma, &beta, &mean, &var})
      if (t->element_count() != oc || t->dtype() != DType::Float32)
        throw Error(g.source + ": " + bn.describe() + ": parameters must be float vectors of " + std::to_string(oc) + " values");
    Tensor b(DType::Float32, {oc});
    if (conv.inputs.size() > 2 && !conv.inputs[2].empty()) b = *g.value(conv.inputs[2]).constant;
    const int64_t per_channel = w.element_count() / oc;
    for (int64_t o = 0; o < oc; ++o) {
      const double k = double(gamma.data<float>()[o]) / std::sqrt(double(var.data<float>()[o]) + eps);
      for (int64_t j = 0; j < per_channel; ++j) w.data<float>()[o * per_channel + j] = float(w.data<float>()[o * per_channel + j] * k);
      b.data<float>()[o] = float((double(b.data<float>()[o]) - mean.data<float>()[o]) * k + beta.data<float>()[o]);
    }
    // New constant values, so weights shared with another node stay untouched.
    const std::string w_name = g.unique_name(conv.inputs[1] + "_bnfold"), b_name = g.unique_name(conv.name + "_bias_bnfold");
    ir::Value wv = g.value(conv.inputs[1]);
    wv.name = w_name;
    wv.constant = std::move(w);
    g.values[w_name] = std::move(wv);
    ir::Value bv;
    bv.name = b_name;
    bv.dims = {oc};
    bv.dim_names = {""};
    bv.shape_known = true;
    bv.constant = std::move(b);
    g.values[b_name] = std::move(bv);
    conv.inputs.resize(3);
    conv.inputs[1] = w_name;
    conv.inputs[2] = b_name;
    conv.outputs[0] = bn.outputs[0];
    g.nodes.erase(g.nodes.begin() + static_cast<long>(i));
    --i;
  }
  g.remove_unused_values();
}

}  // namespace qinfer::passes
