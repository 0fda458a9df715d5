#include "quantizer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "qinfer/error.h"
#include "quant_math.h"
#include "import_qdq.h"
#include "quantize_int8_ops.h"
#include "quantize_pad_split.h"

namespace qinfer {

namespace {

constexpr int32_t kWeightMax = 127;  // symmetric int8 weights use [-127, 127]

std::string quantized_name(const std::string& name) { return name + ":q"; }

bool is_activation(const ir::Graph& g, const std::string& name) { return !name.empty() && !g.is_constant(name); }

// Ops whose int8 output shares the input's quantization (they only select or move values).
bool passes_quantization_through(const std::string& op) {
  return op == "MaxPool" || op == "Relu" || op == "Clip" || op == "Flatten" || int8_op_passes_quantization_through(op) ||
         op == "Pad" || op == "Split";
}

bool has_rank(const ir::Value& v, size_t rank) { return v.shape_known && v.dims.size() == rank; }

// Whether `n` has an int8 kernel for the shapes and constants it has.
bool can_quantize(const ir::Graph& g, const ir::Node& n, const std::map<std::string, ClipRange>& ranges) {
  for (const std::string& in : n.inputs)
    if (is_activation(g, in) && (g.value(in).dtype != DType::Float32 || !ranges.count(in))) return false;
  for (const std::string& out : n.outputs)
    if (!out.empty() && (g.value(out).dtype != DType::Float32 || !ranges.count(out))) return false;
  if (n.op == "Conv")
    return has_rank(g.value(n.inputs[0]), 4) && g.is_constant(n.inputs[1]) &&
           (n.inputs.size() < 3 || n.inputs[2].empty() || g.is_constant(n.inputs[2]));
  if (n.op == "Gemm") {
    if (!g.is_constant(n.inputs[1]) || n.get_int("transA", 0) != 0 || !has_rank(g.value(n.inputs[0]), 2)) return false;
    if (n.inputs.size() < 3 || n.inputs[2].empty()) return true;
    if (!g.is_constant(n.inputs[2])) return false;
    const int64_t cols = g.value(n.inputs[1]).constant->shape()[n.get_int("transB", 0) ? 0 : 1];
    const int64_t c = g.value(n.inputs[2]).constant->element_count();
    return c == cols || c == 1;
  }
  if (n.op == "Add") {
    if (!is_activation(g, n.inputs[0]) || !is_activation(g, n.inputs[1])) return false;
    const ir::Value &a = g.value(n.inputs[0]), &b = g.value(n.inputs[1]);
    return a.shape_known && b.shape_known && a.dims.size() == b.dims.size();
  }
  if (n.op == "MaxPool" || n.op == "GlobalAveragePool") return has_rank(g.value(n.inputs[0]), 4);
  if (n.op == "Flatten") return g.value(n.inputs[0]).shape_known;
  if (can_quantize_int8_op(g, n)) return true;  // tables (HardSwish, Sigmoid, ...), Mul, Resize, Concat
  if (can_quantize_pad_split(g, n)) return true;  // exact copies of uint8 data
  return n.op == "Relu" || n.op == "Clip";
}

ir::Quant activation_quant(const ClipRange& r, const QuantizeScheme& scheme) {
  const float a = std::max(-r.lo, r.hi);
  const qmath::AffineParams p =
      scheme.symmetric_activations ? qmath::choose_affine(-a, a, 0, 255) : qmath::choose_affine(r.lo, r.hi, 0, 255);
  return {{p.scale}, {p.zero_point}, -1};
}

// Symmetric int16 (zero point 0) for the W8A16 input layer.
ir::Quant int16_quant(const ClipRange& r) {
  return {{qmath::choose_symmetric_scale(std::max(-r.lo, r.hi), 32767)}, {0}, -1};
}

// The graph inputs --input-int16 quantizes to int16: float rank-4 inputs read only by int8 Convs
// (and not graph outputs). Error naming each input and what else reads it when none qualifies.
std::set<std::string> int16_inputs(const ir::Graph& g, const std::vector<bool>& int8) {
  std::set<std::string> out;
  std::string why;
  for (const std::string& in : g.inputs) {
    const ir::Value& v = g.value(in);
    const std::vector<size_t> users = g.consumers(in);
    std::string other;
    for (size_t c : users)
      if (!int8[c] || g.nodes[c].op != "Conv")
        other += (other.empty() ? "" : ", ") + g.nodes[c].op + " '" + g.nodes[c].name + "'" + (int8[c] ? "" : " (fp32)");
    if (g.is_graph_output(in)) other += std::string(other.empty() ? "" : ", ") + "the graph output";
    if (v.dtype == DType::Float32 && has_rank(v, 4) && !users.empty() && other.empty()) {
      out.insert(in);
      continue;
    }
    why += "; input '" + in + "'" +
           (v.dtype != DType::Float32 ? " is not float32"
            : !has_rank(v, 4)         ? " does not have rank 4"
            : users.empty()           ? " is not used"
                                      : " is also read by " + other);
  }
  if (out.empty())
    throw Error("--input-int16: no model input is read only by int8 Conv nodes (it quantizes such an input to int16)" + why);
  return out;
}

// Symmetric int8 weights, per output channel (see weight_scales). `w` is [O, ...]; returns int8 of
// the same shape: `rounded` (may be null) when its scales respect min_scale, else nearest.
Tensor quantize_weights(const Tensor& w, const std::vector<float>& min_scale, std::vector<float>* scales,
                        const QuantizeScheme& scheme, const RoundedWeight* rounded) {
  const int64_t oc = w.shape()[0], per = w.element_count() / oc;
  const int32_t wmax = weight_max(scheme);
  bool use_rounded = rounded != nullptr;
  for (int64_t o = 0; o < oc && use_rounded; ++o) use_rounded = min_scale.empty() || rounded->scales[o] >= min_scale[o];
  if (use_rounded) {
    *scales = rounded->scales;
    return rounded->q;
  }
  *scales = weight_scales(w, min_scale, scheme);
  Tensor q(DType::Int8, w.shape());
  for (int64_t o = 0; o < oc; ++o)
    for (int64_t j = 0; j < per; ++j)
      q.data<int8_t>()[o * per + j] =
          static_cast<int8_t>(qmath::quantize(w.data<float>()[o * per + j], (*scales)[o], 0, -wmax, wmax));
  return q;
}

// The int32 bias is b / (s_x * s_w[c]); with a large bias and tiny weights it would not fit, and
// bias + sum (x - zp) * w could overflow int32 in the kernels. Keeping |bias_q| <= 2^30 leaves room
// for any K up to 2^14 (255 * 127 * 2^14 < 2^30): a channel's weight scale is raised when needed.
std::vector<float> bias_scale_floor(const Tensor* bias, float multiplier, int64_t oc, float s_x) {
  std::vector<float> floor(static_cast<size_t>(oc), 0.0f);
  if (!bias) return floor;
  for (int64_t c = 0; c < oc; ++c) {
    const double b = std::fabs(double(bias->data<float>()[bias->element_count() == 1 ? 0 : c]) * multiplier);
    floor[c] = static_cast<float>(b / (double(s_x) * 1073741824.0));
  }
  return floor;
}

// OIHW -> OHWI (the NHWC layout of a weight).
Tensor oihw_to_ohwi(const Tensor& w) {
  const auto& s = w.shape();
  const int64_t O = s[0], I = s[1], H = s[2], W = s[3];
  Tensor out(w.dtype(), {O, I, H, W});  // logical shape stays OIHW; memory order becomes OHWI
  const auto* src = w.data<int8_t>();
  auto* dst = out.data<int8_t>();
  for (int64_t o = 0; o < O; ++o)
    for (int64_t i = 0; i < I; ++i)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t x = 0; x < W; ++x) dst[((o * H + h) * W + x) * I + i] = src[((o * I + i) * H + h) * W + x];
  return out;
}

// int32 bias in scale s_x * s_w[c]; `bias` may be null (zeros) or hold 1 value (broadcast).
Tensor quantize_bias(const Tensor* bias, float multiplier, int64_t oc, float s_x, const std::vector<float>& s_w) {
  Tensor q(DType::Int32, {oc});
  for (int64_t c = 0; c < oc; ++c) {
    const double b = bias ? double(bias->data<float>()[bias->element_count() == 1 ? 0 : c]) * multiplier : 0.0;
    q.data<int32_t>()[c] = qmath::quantize_bias_value(b, s_x, s_w[c]);
  }
  return q;
}

}  // namespace

int32_t weight_max(const QuantizeScheme& scheme) { return scheme.reduce_range ? 63 : kWeightMax; }

std::vector<float> weight_scales(const Tensor& w, const std::vector<float>& min_scale, const QuantizeScheme& scheme) {
  const int64_t oc = w.shape()[0], per = w.element_count() / oc;
  std::vector<float> scales(static_cast<size_t>(oc), 0.0f);
  for (int64_t o = 0; o < oc; ++o) {
    const float* src = w.data<float>() + o * per;
    float amax = 0.0f;
    for (int64_t j = 0; j < per; ++j) amax = std::max(amax, std::fabs(src[j]));
    scales[o] = std::max(qmath::choose_symmetric_scale(amax, weight_max(scheme)), min_scale.empty() ? 0.0f : min_scale[o]);
  }
  if (scheme.per_tensor_weights) std::fill(scales.begin(), scales.end(), *std::max_element(scales.begin(), scales.end()));
  return scales;
}

Tensor canonical_weight(const ir::Graph& g, const ir::Node& n) {
  const Tensor& w = *g.value(n.inputs[1]).constant;
  if (n.op != "Gemm") return w;
  const int64_t r = w.shape()[0], c = w.shape()[1];
  const bool transposed = n.get_int("transB", 0) == 0;  // B is [K, N]: canonical is its transpose
  Tensor out(DType::Float32, transposed ? std::vector<int64_t>{c, r} : std::vector<int64_t>{r, c});
  const float alpha = n.get_float("alpha", 1.0f);
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < c; ++j) out.data<float>()[transposed ? j * r + i : i * c + j] = w.data<float>()[i * c + j] * alpha;
  return out;
}

QuantizeReport quantize_graph(ir::Graph& g, const std::map<std::string, ClipRange>& ranges,
                              const std::function<bool(const ir::Node&)>& keep_fp32, const FixedQuant* fixed,
                              const QuantizeScheme& scheme, const std::map<std::string, RoundedWeight>* rounded) {
  QuantizeReport report;
  std::vector<bool> int8(g.nodes.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    int8[i] = can_quantize(g, g.nodes[i], ranges) && !(keep_fp32 && keep_fp32(g.nodes[i]));
    (int8[i] ? report.int8_nodes : report.fp32_nodes)++;
    if (int8[i]) report.int8_names.push_back(g.nodes[i].name);
  }

  // 1. uint8 twins of every activation an int8 node touches, with their quantization (int16 for
  //    the inputs of the W8A16 input layer).
  std::set<std::string> wide;
  if (scheme.input_int16) {
    if (fixed && !fixed->empty())
      throw Error("--input-int16 re-quantizes the model input: it cannot be used on a pre-quantized (QDQ) model");
    wide = int16_inputs(g, int8);
    report.int16_inputs.assign(wide.begin(), wide.end());
    for (size_t i = 0; i < g.nodes.size(); ++i)
      for (const std::string& in : g.nodes[i].inputs)
        if (int8[i] && wide.count(in)) report.int16_convs.push_back(g.nodes[i].name);
  }
  std::set<std::string> produced_int8;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!int8[i]) continue;
    ir::Node& n = g.nodes[i];
    auto twin = [&](const std::string& name, const ir::Quant* inherit) {
      const std::string q = quantized_name(name);
      if (!g.values.count(q)) {
        ir::Value v = g.value(name);
        v.name = q;
        v.dtype = wide.count(name) ? DType::Int16 : DType::UInt8;
        v.constant.reset();
        v.layout = v.dims.size() == 4 ? ir::Layout::NHWC : ir::Layout::Plain;
        v.quant = wide.count(name)                                ? int16_quant(ranges.at(name))
                  : inherit                                       ? *inherit
                  : fixed && fixed->activations.count(name) ? fixed->activations.at(name)
                                                            : activation_quant(ranges.at(name), scheme);
        g.values[q] = std::move(v);
      }
      return q;
    };
    for (std::string& in : n.inputs)
      if (is_activation(g, in)) in = twin(in, nullptr);
    const ir::Quant in_quant = g.value(n.inputs[0]).quant;
    for (std::string& out : n.outputs) {
      if (out.empty()) continue;
      out = twin(out, passes_quantization_through(n.op) ? &in_quant : nullptr);
      produced_int8.insert(out);
    }
    // Flatten leaves the NHWC world: its output is plain.
    if (n.op == "Flatten") g.value(n.outputs[0]).layout = ir::Layout::Plain;
  }

  // 2. Weights and biases of int8 Conv and Gemm.
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!int8[i]) continue;
    ir::Node& n = g.nodes[i];
    if (n.op == "ConvTranspose") {  // its own weight layout (quantize_int8_ops.cpp)
      quantize_conv_transpose_weights(g, n);
      continue;
    }
    if (n.op != "Conv" && n.op != "Gemm") continue;
    const float s_x = g.value(n.inputs[0]).quant.scale[0];
    const Tensor w = canonical_weight(g, n);
    Tensor wq_fixed;  // a pre-quantized source's own int8 weights (import_qdq.h), canonical [O, ...]
    std::vector<float> s_w_fixed;
    const bool use_fixed = fixed && fixed_weights(*fixed, g, n, &wq_fixed, &s_w_fixed);
    float bias_mult = 1.0f;
    if (n.op == "Gemm") {  // canonical [N, K] weights with alpha folded in, beta into the bias
      bias_mult = n.get_float("beta", 1.0f);
      n.attrs["transB"] = int64_t{1};
      n.attrs["alpha"] = 1.0f;
      n.attrs["beta"] = 1.0f;
    }
    const bool has_bias = n.inputs.size() > 2 && !n.inputs[2].empty();
    const Tensor* bias = has_bias ? &*g.value(n.inputs[2]).constant : nullptr;
    const int64_t oc = w.shape()[0];
    std::vector<float> s_w = s_w_fixed;
    const auto own = rounded ? rounded->find(n.name) : std::map<std::string, RoundedWeight>::const_iterator();
    const RoundedWeight* own_rounding =
        rounded && own != rounded->end() && own->second.q.shape() == w.shape() && own->second.scales.size() == size_t(oc)
            ? &own->second
            : nullptr;
    Tensor wq = use_fixed ? std::move(wq_fixed)
                          : quantize_weights(w, bias_scale_floor(bias, bias_mult, oc, s_x), &s_w, scheme, own_rounding);
    const bool conv = n.op == "Conv";
    const std::string wname = g.add_constant(quantized_name(n.inputs[1]) + "@" + n.name, conv ? oihw_to_ohwi(wq) : std::move(wq),
                                             conv ? ir::Layout::NHWC : ir::Layout::Plain,
                                             ir::Quant{s_w, std::vector<int32_t>(s_w.size(), 0), 0});
    Tensor bq;
    if (!(use_fixed && bias_mult == 1.0f && fixed_bias(*fixed, g, n, s_x, s_w, &bq)))
      bq = quantize_bias(bias, bias_mult, oc, s_x, s_w);
    const std::string bname = g.add_constant(n.name + ":bias_q", std::move(bq));
    n.inputs.resize(3);
    n.inputs[1] = wname;
    n.inputs[2] = bname;
  }

  // 3. Quantize/Dequantize where fp32 and int8 meet, keeping topological order.
  auto quantize_node = [&](const std::string& name) {
    ir::Node q;
    q.name = g.unique_name(name + ":quantize");
    q.op = "qinfer.Quantize";
    q.inputs = {name};
    q.outputs = {quantized_name(name)};
    return q;
  };
  auto dequantize_node = [&](const std::string& name) {
    ir::Node d;
    d.name = g.unique_name(name + ":dequantize");
    d.op = "qinfer.Dequantize";
    d.inputs = {quantized_name(name)};
    d.outputs = {name};
    return d;
  };
  auto needs_quantize = [&](const std::string& name) {
    return g.values.count(quantized_name(name)) && !produced_int8.count(quantized_name(name));
  };
  std::vector<ir::Node> ordered;
  for (const std::string& in : g.inputs)
    if (needs_quantize(in)) ordered.push_back(quantize_node(in));
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    ordered.push_back(g.nodes[i]);
    for (const std::string& out : g.nodes[i].outputs) {
      if (out.empty()) continue;
      if (!int8[i]) {
        if (needs_quantize(out)) ordered.push_back(quantize_node(out));
        continue;
      }
      // `out` is "<name>:q"; the float <name> is needed by fp32 consumers and graph outputs.
      const std::string name = out.substr(0, out.size() - 2);
      bool float_use = g.is_graph_output(name);
      for (size_t c : g.consumers(name)) float_use = float_use || !int8[c];
      if (float_use) ordered.push_back(dequantize_node(name));
    }
  }
  g.nodes = std::move(ordered);
  g.remove_unused_values();
  return report;
}

}  // namespace qinfer
