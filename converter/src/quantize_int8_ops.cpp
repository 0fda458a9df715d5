#include "quantize_int8_ops.h"

#include <algorithm>
#include <cmath>

#include "quant_math.h"

namespace qinfer {

namespace {
bool activation(const ir::Graph& g, const std::string& name) { return !name.empty() && !g.is_constant(name); }
bool rank_known(const ir::Value& v) { return v.shape_known; }
}  // namespace

bool can_quantize_int8_op(const ir::Graph& g, const ir::Node& n) {
  if (n.op == "HardSwish" || n.op == "HardSigmoid" || n.op == "Sigmoid" || n.op == "Tanh")
    return n.inputs.size() == 1 && activation(g, n.inputs[0]) && rank_known(g.value(n.inputs[0]));
  if (n.op == "Mul") {  // two activations of equal rank (NHWC when rank 4), broadcasting
    if (n.inputs.size() != 2 || !activation(g, n.inputs[0]) || !activation(g, n.inputs[1])) return false;
    const ir::Value &a = g.value(n.inputs[0]), &b = g.value(n.inputs[1]);
    return a.shape_known && b.shape_known && a.dims.size() == b.dims.size();
  }
  if (n.op == "Resize") {  // nearest on rank 4 (NHWC): a copy of selected pixels
    if (n.get_string("mode", "nearest") != "nearest" || !activation(g, n.inputs.at(0))) return false;
    if (n.get_string("coordinate_transformation_mode", "") == "tf_crop_and_resize") return false;  // extrapolates: fp32
    const ir::Value& x = g.value(n.inputs[0]);
    if (!x.shape_known || x.dims.size() != 4) return false;
    for (size_t i = 1; i < n.inputs.size(); ++i)
      if (!n.inputs[i].empty() && !g.is_constant(n.inputs[i])) return false;
    return true;
  }
  if (n.op == "Concat") {  // activations of equal known rank
    if (n.inputs.empty()) return false;
    size_t rank = 0;
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      if (!activation(g, n.inputs[i])) return false;
      const ir::Value& v = g.value(n.inputs[i]);
      if (!v.shape_known || (i > 0 && v.dims.size() != rank)) return false;
      rank = v.dims.size();
    }
    return true;
  }
  if (n.op == "ConvTranspose") {  // group 1, constant weights / bias, rank-4 input
    if (n.inputs.size() < 2 || !activation(g, n.inputs[0]) || !g.is_constant(n.inputs[1]) || n.get_int("group", 1) != 1)
      return false;
    if (n.inputs.size() > 2 && !n.inputs[2].empty() && !g.is_constant(n.inputs[2])) return false;
    const ir::Value& x = g.value(n.inputs[0]);
    const ir::Value& w = g.value(n.inputs[1]);
    return x.shape_known && x.dims.size() == 4 && w.constant && w.constant->shape().size() == 4 &&
           w.constant->dtype() == DType::Float32;
  }
  return false;
}

void quantize_conv_transpose_weights(ir::Graph& g, ir::Node& n) {
  const float s_x = g.value(n.inputs[0]).quant.scale.at(0);
  const Tensor& w = *g.value(n.inputs[1]).constant;
  const int64_t I = w.shape()[0], O = w.shape()[1], H = w.shape()[2], W = w.shape()[3];
  const bool has_bias = n.inputs.size() > 2 && !n.inputs[2].empty();
  const Tensor* bias = has_bias ? &*g.value(n.inputs[2]).constant : nullptr;
  Tensor q(DType::Int8, {O, I, H, W});  // logical OIHW, memory OHWI
  Tensor bq(DType::Int32, {O});
  std::vector<float> scales(static_cast<size_t>(O));
  for (int64_t o = 0; o < O; ++o) {
    auto at = [&](int64_t i, int64_t h, int64_t x) { return w.data<float>()[((i * O + o) * H + h) * W + x]; };
    float amax = 0.0f;
    for (int64_t i = 0; i < I; ++i)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t x = 0; x < W; ++x) amax = std::max(amax, std::fabs(at(i, h, x)));
    const double b = bias ? double(bias->data<float>()[bias->element_count() == 1 ? 0 : o]) : 0.0;
    // As for Conv: |bias_q| <= 2^30 keeps the int32 accumulator safe (raise the scale if needed).
    const float s = std::max(qmath::choose_symmetric_scale(amax, 127), static_cast<float>(std::fabs(b) / (double(s_x) * 1073741824.0)));
    scales[o] = s;
    for (int64_t h = 0; h < H; ++h)
      for (int64_t x = 0; x < W; ++x)
        for (int64_t i = 0; i < I; ++i)
          q.data<int8_t>()[((o * H + h) * W + x) * I + i] = static_cast<int8_t>(qmath::quantize(at(i, h, x), s, 0, -127, 127));
    bq.data<int32_t>()[o] = qmath::quantize_bias_value(b, s_x, s);
  }
  const std::string wname = g.add_constant(n.inputs[1] + ":q@" + n.name, std::move(q), ir::Layout::NHWC,
                                           ir::Quant{scales, std::vector<int32_t>(scales.size(), 0), 0});
  const std::string bname = g.add_constant(n.name + ":bias_q", std::move(bq));
  n.inputs.resize(3);
  n.inputs[1] = wname;
  n.inputs[2] = bname;
}

bool int8_op_passes_quantization_through(const std::string& op) { return op == "Resize"; }

}  // namespace qinfer
