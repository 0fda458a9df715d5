#include "import_qdq.h"

#include <algorithm>
#include <set>

#include "passes/passes.h"
#include "qinfer/error.h"
#include "quant_math.h"

namespace qinfer {

namespace {

bool is_qdq(const ir::Node& n) { return n.op == "QuantizeLinear" || n.op == "DequantizeLinear"; }

[[noreturn]] void fail(const ir::Graph& g, const ir::Node& n, const std::string& why) {
  throw Error(g.source + ": " + n.describe() + ": " + why);
}

// Scale and zero point of a QuantizeLinear/DequantizeLinear node, as constants.
struct Params {
  std::vector<float> scale;
  std::vector<int32_t> zero_point;  // empty: 0
  DType qtype = DType::UInt8;       // the integer type (the zero point's, uint8 without one)
  int64_t axis = 1;                 // meaningful when scale has several values
  bool per_tensor() const { return scale.size() == 1; }
  int32_t zp(size_t c) const { return zero_point.empty() ? 0 : zero_point[zero_point.size() == 1 ? 0 : c]; }
  float s(size_t c) const { return scale[scale.size() == 1 ? 0 : c]; }
};

std::vector<int32_t> ints_of(const Tensor& t) {
  std::vector<int32_t> v(static_cast<size_t>(t.element_count()));
  for (size_t i = 0; i < v.size(); ++i) {
    switch (t.dtype()) {
      case DType::UInt8: v[i] = t.data<uint8_t>()[i]; break;
      case DType::Int8: v[i] = t.data<int8_t>()[i]; break;
      case DType::Int32: v[i] = t.data<int32_t>()[i]; break;
      default: break;
    }
  }
  return v;
}

Params params(const ir::Graph& g, const ir::Node& n) {
  if (n.inputs.empty() || n.inputs[0].empty() || n.outputs.empty() || n.outputs[0].empty())
    fail(g, n, "needs a data input and an output");
  if (n.inputs.size() < 2 || n.inputs[1].empty()) fail(g, n, "needs a scale input");
  if (!g.is_constant(n.inputs[1])) fail(g, n, "scale '" + n.inputs[1] + "' must be a constant (not supported otherwise)");
  Params p;
  const Tensor& s = *g.value(n.inputs[1]).constant;
  if (s.dtype() != DType::Float32) fail(g, n, "scale of a type other than float32 is not supported");
  if (s.shape().size() > 1) fail(g, n, "scale must be a scalar or 1-D (ONNX rule), got rank " + std::to_string(s.shape().size()));
  p.scale.assign(s.data<float>(), s.data<float>() + s.element_count());
  if (p.scale.empty()) fail(g, n, "scale is empty");
  for (float v : p.scale)
    if (!(v > 0.0f) || !std::isfinite(v)) fail(g, n, "scale " + std::to_string(v) + " must be positive and finite");
  if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
    if (!g.is_constant(n.inputs[2])) fail(g, n, "zero point '" + n.inputs[2] + "' must be a constant (not supported otherwise)");
    const Tensor& z = *g.value(n.inputs[2]).constant;
    if (z.dtype() != DType::UInt8 && z.dtype() != DType::Int8 && z.dtype() != DType::Int32)
      fail(g, n, "zero point type is not supported (uint8, int8, int32 are)");
    if (z.element_count() != s.element_count())
      fail(g, n, "zero point has " + std::to_string(z.element_count()) + " values, scale " + std::to_string(s.element_count()));
    p.qtype = z.dtype();
    p.zero_point = ints_of(z);
  }
  p.axis = n.get_int("axis", 1);
  return p;
}

// Index of the slice along `axis` (normalized) for flat element i of a tensor of `shape`.
struct AxisWalk {
  int64_t inner = 1, channels = 1;
  AxisWalk(const std::vector<int64_t>& shape, int64_t axis) {
    if (shape.empty()) return;  // a scalar: one channel
    channels = std::max<int64_t>(1, shape[static_cast<size_t>(axis)]);
    for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) inner *= shape[d];
  }
  size_t channel(int64_t i) const { return static_cast<size_t>((i / inner) % channels); }
};

int64_t checked_axis(const ir::Graph& g, const ir::Node& n, const Params& p, const std::vector<int64_t>& shape) {
  if (p.per_tensor()) return 0;
  const int64_t rank = static_cast<int64_t>(shape.size());
  const int64_t axis = p.axis < 0 ? p.axis + rank : p.axis;
  if (axis < 0 || axis >= rank) fail(g, n, "axis " + std::to_string(p.axis) + " is outside rank " + std::to_string(rank));
  if (shape[static_cast<size_t>(axis)] != static_cast<int64_t>(p.scale.size()))
    fail(g, n, "per-axis scale has " + std::to_string(p.scale.size()) + " values, axis " + std::to_string(axis) +
                   " has size " + std::to_string(shape[static_cast<size_t>(axis)]));
  return axis;
}

void set_constant(ir::Graph& g, const std::string& name, Tensor t) {
  ir::Value& v = g.value(name);
  v.dtype = t.dtype();
  v.dims = t.shape();
  v.dim_names.assign(v.dims.size(), "");
  v.shape_known = true;
  v.constant = std::move(t);
}

// QuantizeLinear / DequantizeLinear whose data input is a constant become constants (a float
// weight behind Q -> DQ, or int8 weights behind DQ); the integer sources are recorded.
bool fold_constant_qdq(ir::Graph& g, size_t i, FixedQuant* fixed) {
  const ir::Node n = g.nodes[i];
  if (!is_qdq(n) || !g.is_constant(n.inputs.at(0))) return false;
  const Params p = params(g, n);
  const Tensor& x = *g.value(n.inputs[0]).constant;
  const int64_t axis = checked_axis(g, n, p, x.shape());
  const AxisWalk walk(x.shape(), axis);
  if (n.op == "QuantizeLinear") {
    if (x.dtype() != DType::Float32) fail(g, n, "input must be float32");
    if (p.qtype == DType::Int32) fail(g, n, "int32 output is not supported (uint8, int8 are)");
    const int32_t lo = p.qtype == DType::Int8 ? -128 : 0, hi = p.qtype == DType::Int8 ? 127 : 255;
    Tensor q(p.qtype, x.shape());
    for (int64_t j = 0; j < x.element_count(); ++j) {
      const size_t c = p.per_tensor() ? 0 : walk.channel(j);
      const int32_t v = qmath::quantize(x.data<float>()[j], p.s(c), p.zp(c), lo, hi);
      if (p.qtype == DType::Int8) q.data<int8_t>()[j] = static_cast<int8_t>(v);
      else q.data<uint8_t>()[j] = static_cast<uint8_t>(v);
    }
    set_constant(g, n.outputs.at(0), std::move(q));
  } else {
    if (x.dtype() != DType::UInt8 && x.dtype() != DType::Int8 && x.dtype() != DType::Int32)
      fail(g, n, "input type is not supported (uint8, int8, int32 are)");
    const std::vector<int32_t> xi = ints_of(x);
    Tensor f(DType::Float32, x.shape());
    bool zero_zp = true;
    for (size_t c = 0; c < std::max<size_t>(1, p.zero_point.size()); ++c) zero_zp = zero_zp && p.zp(c) == 0;
    for (int64_t j = 0; j < x.element_count(); ++j) {
      const size_t c = p.per_tensor() ? 0 : walk.channel(j);
      f.data<float>()[j] = qmath::dequantize(xi[static_cast<size_t>(j)], p.s(c), p.zp(c));
    }
    const std::string& out = n.outputs.at(0);
    if (x.dtype() == DType::Int8 && zero_zp) fixed->weights[out] = FixedWeight{x, p.scale, static_cast<int>(axis)};
    if (x.dtype() == DType::Int32 && zero_zp && x.shape().size() <= 1) fixed->biases[out] = FixedBias{x, p.scale};
    set_constant(g, out, std::move(f));
  }
  g.nodes.erase(g.nodes.begin() + static_cast<long>(i));
  return true;
}

void rename_input(ir::Graph& g, const std::string& from, const std::string& to) {
  for (ir::Node& n : g.nodes)
    for (std::string& in : n.inputs)
      if (in == from) in = to;
}

bool same_params(const Params& a, const Params& b) {
  if (a.scale != b.scale || a.qtype != b.qtype) return false;
  for (size_t c = 0; c < a.scale.size(); ++c)
    if (a.zp(c) != b.zp(c)) return false;
  return true;
}

// uint8 parameters of a per-tensor uint8 or int8 pair (int8: zero point + 128, same real values).
ir::Quant uint8_quant(const Params& p) {
  return {{p.scale[0]}, {p.zp(0) + (p.qtype == DType::Int8 ? 128 : 0)}, -1};
}

// Q(a) -> b -> DQ(b) -> c pairs: consumers of c read a, and a gets b's parameters.
void fold_activation_pairs(ir::Graph& g, FixedQuant* fixed) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (g.nodes[i].op != "QuantizeLinear") continue;
    const ir::Node q = g.nodes[i];
    const std::string a = q.inputs.at(0), b = q.outputs.at(0);
    const Params pq = params(g, q);
    if (!pq.per_tensor() || pq.qtype == DType::Int32) continue;  // left standing alone: converted or refused below
    if (g.is_graph_output(b)) continue;
    bool all_dq = true;
    std::vector<size_t> dqs;
    for (size_t c : g.consumers(b)) {
      const ir::Node& d = g.nodes[c];
      if (d.op == "DequantizeLinear" && d.inputs.at(0) == b && same_params(params(g, d), pq)) dqs.push_back(c);
      else all_dq = false;
    }
    if (dqs.empty()) continue;
    const ir::Quant quant = uint8_quant(pq);
    // A tensor already given other parameters by an earlier pair is re-quantized here: the pair
    // stays (Quantize/Dequantize in the qbin), so that the second grid is kept.
    const auto known = fixed->activations.find(a);
    if (known != fixed->activations.end() &&
        (known->second.scale != quant.scale || known->second.zero_point != quant.zero_point))
      continue;
    std::string from = a;  // the float tensor that carries the parameters
    std::set<size_t> erase;
    for (size_t c : dqs) {
      const std::string out = g.nodes[c].outputs.at(0);
      if (g.is_graph_output(out)) {
        // The graph output keeps its name: the producer of `a` writes it instead (when it can).
        const bool a_is_io = std::find(g.inputs.begin(), g.inputs.end(), a) != g.inputs.end() || g.is_graph_output(a);
        if (a_is_io || from != a) {
          all_dq = false;
          continue;
        }
        for (ir::Node& n : g.nodes)
          for (std::string& o : n.outputs)
            if (o == a) o = out;
        rename_input(g, a, out);
        from = out;
      } else {
        rename_input(g, out, from);
      }
      erase.insert(c);
    }
    if (!fixed->activations.count(from)) fixed->activations[from] = quant;
    if (erase.empty()) continue;
    if (all_dq) erase.insert(i);
    for (auto e = erase.rbegin(); e != erase.rend(); ++e) g.nodes.erase(g.nodes.begin() + static_cast<long>(*e));
    i = static_cast<size_t>(-1);  // indices moved; the scan restarts (every restart removes a DequantizeLinear)
  }
}

// A new value named after `base`, shaped like `like` (when given).
std::string new_value(ir::Graph& g, const std::string& base, DType dtype, const ir::Value* like) {
  ir::Value v;
  v.name = g.unique_name(base);
  v.dtype = dtype;
  if (like) {
    v.shape_known = like->shape_known;
    v.dims = like->dims;
    v.dim_names = like->dim_names;
  }
  const std::string name = v.name;
  g.values[name] = std::move(v);
  return name;
}
std::string new_constant(ir::Graph& g, const std::string& base, Tensor t) {
  const std::string name = new_value(g, base, t.dtype(), nullptr);
  set_constant(g, name, std::move(t));
  return name;
}
ir::Node new_node(ir::Graph& g, const std::string& op, const std::string& base, std::vector<std::string> ins,
                  std::vector<std::string> outs) {
  ir::Node n;
  n.name = g.unique_name(base);
  n.op = op;
  n.inputs = std::move(ins);
  n.outputs = std::move(outs);
  return n;
}

// DequantizeLinear of a non-uint8 or per-axis tensor: Cast to float, Sub the zero point, Mul by
// the scale, both shaped to broadcast along the axis: float(x - zp) * scale, as qmath::dequantize.
std::vector<ir::Node> decompose_dequantize(ir::Graph& g, const ir::Node& n, const Params& p) {
  const ir::Value& x = g.value(n.inputs[0]);
  if (x.dtype != DType::UInt8 && x.dtype != DType::Int8 && x.dtype != DType::Int32)
    fail(g, n, "input type is not supported (uint8, int8, int32 are)");
  std::vector<int64_t> cshape;
  if (!p.per_tensor()) {
    if (!x.shape_known) fail(g, n, "a per-axis DequantizeLinear needs a known input rank (not supported otherwise)");
    const int64_t axis = checked_axis(g, n, p, x.dims.empty() ? std::vector<int64_t>{} : x.dims);
    cshape.assign(x.dims.size() - static_cast<size_t>(axis), 1);
    cshape[0] = static_cast<int64_t>(p.scale.size());
  }
  for (size_t c = 0; c < p.scale.size(); ++c)
    if (x.dtype == DType::Int32 && p.zp(c) != 0) fail(g, n, "an int32 input with a non-zero zero point is not supported");
  Tensor zp(DType::Float32, cshape), scale(DType::Float32, cshape);
  for (size_t c = 0; c < p.scale.size(); ++c) {
    zp.data<float>()[c] = static_cast<float>(p.zp(c));
    scale.data<float>()[c] = p.scale[c];
  }
  const std::string base = n.name.empty() ? n.outputs[0] : n.name;
  const std::string f = new_value(g, base + "/float", DType::Float32, &x);
  const std::string d = new_value(g, base + "/centered", DType::Float32, &x);
  ir::Node cast = new_node(g, "Cast", base + "/Cast", {n.inputs[0]}, {f});
  cast.attrs["to"] = int64_t{1};  // ONNX FLOAT
  const std::string zname = new_constant(g, base + "/zero_point_f", std::move(zp));
  const std::string sname = new_constant(g, base + "/scale_f", std::move(scale));
  return {cast, new_node(g, "Sub", base + "/Sub", {f, zname}, {d}),
          new_node(g, "Mul", base + "/Mul", {d, sname}, {n.outputs[0]})};
}

// What is left alone: model inputs/outputs or tensors read by ops that are not pairs. Per-tensor
// uint8 becomes qinfer.Quantize / qinfer.Dequantize (and its float side keeps the parameters, so
// that an int8 neighbour reuses them); other DequantizeLinear forms are decomposed; other
// QuantizeLinear forms (int8, per axis) become qinfer.Quantize on plain data with those parameters.
void convert_standalone(ir::Graph& g, FixedQuant* fixed) {
  std::vector<ir::Node> out;
  for (ir::Node& n : g.nodes) {
    if (!is_qdq(n)) {
      out.push_back(std::move(n));
      continue;
    }
    const Params p = params(g, n);
    const bool quantize = n.op == "QuantizeLinear";
    const std::string& qname = quantize ? n.outputs.at(0) : n.inputs.at(0);
    const ir::Quant& had = g.value(qname).quant;  // a tensor carries one set of parameters in qinfer
    const bool other_params = !had.empty() && p.per_tensor() && (had.scale[0] != p.scale[0] || had.zero_point[0] != p.zp(0));
    const bool plain_u8 = p.per_tensor() && p.qtype == DType::UInt8 && g.value(qname).dtype == DType::UInt8 && !other_params;
    if (!plain_u8 && !quantize) {
      for (ir::Node& d : decompose_dequantize(g, n, p)) out.push_back(std::move(d));
      continue;
    }
    if (quantize && g.value(n.inputs[0]).dtype != DType::Float32) fail(g, n, "input must be float32");
    if (!plain_u8) {  // int8 or per-axis: the reference form of the Quantize kernel, plain layout
      if (!had.empty()) fail(g, n, "output '" + qname + "' already carries other quantization parameters");
      if (p.qtype != DType::UInt8 && p.qtype != DType::Int8) fail(g, n, "the output must be uint8 or int8");
      const ir::Value& x = g.value(n.inputs[0]);
      if (!p.per_tensor() && !x.shape_known) fail(g, n, "a per-axis QuantizeLinear needs the input's rank");
      ir::Value& v = g.value(qname);
      v.dtype = p.qtype;
      v.quant = {p.scale, p.zero_point, p.per_tensor() ? -1 : static_cast<int>(checked_axis(g, n, p, x.dims))};
      v.layout = ir::Layout::Plain;
      n.op = "qinfer.Quantize";
      n.inputs.resize(1);
      n.attrs.clear();
      out.push_back(std::move(n));
      continue;
    }
    ir::Value& v = g.value(qname);
    v.quant = {{p.scale[0]}, {p.zp(0)}, -1};
    v.layout = ir::Layout::Plain;
    const std::string& float_side = quantize ? n.inputs[0] : n.outputs.at(0);
    if (!fixed->activations.count(float_side)) fixed->activations[float_side] = v.quant;
    n.op = quantize ? "qinfer.Quantize" : "qinfer.Dequantize";
    n.inputs.resize(1);
    n.attrs.clear();
    out.push_back(std::move(n));
  }
  g.nodes = std::move(out);
}

// QLinearConv / QLinearMatMul (QOperator format) become DequantizeLinear -> Conv/MatMul ->
// QuantizeLinear, and ConvInteger / MatMulInteger DequantizeLinear (scale 1) -> Conv/MatMul -> Cast
// to int32: the rest of the import then folds constant weights and pairs like any QDQ graph.
void lower_qoperators(ir::Graph& g) {
  std::vector<ir::Node> out;
  auto input = [](const ir::Node& n, size_t i) { return i < n.inputs.size() ? n.inputs[i] : std::string(); };
  for (ir::Node& n : g.nodes) {
    const bool qconv = n.op == "QLinearConv", qmm = n.op == "QLinearMatMul";
    const bool iconv = n.op == "ConvInteger", imm = n.op == "MatMulInteger";
    if (!qconv && !qmm && !iconv && !imm) {
      out.push_back(std::move(n));
      continue;
    }
    const std::string base = n.name.empty() ? n.outputs.at(0) : n.name;
    const std::string& y = n.outputs.at(0);
    const ir::Value& yv = g.value(y);
    std::string xin, xs, xz, win, ws, wz, ys, yz, bias;
    std::string one;
    if (qconv || qmm) {
      if (n.inputs.size() < 8) fail(g, n, "needs 8 inputs");
      xin = n.inputs[0], xs = n.inputs[1], xz = n.inputs[2], win = n.inputs[3], ws = n.inputs[4], wz = n.inputs[5];
      ys = n.inputs[6], yz = n.inputs[7], bias = input(n, 8);
    } else {
      Tensor t(DType::Float32, {});
      t.data<float>()[0] = 1.0f;
      one = new_constant(g, base + "/one", std::move(t));
      xin = n.inputs.at(0), win = n.inputs.at(1), xs = one, ws = one, xz = input(n, 2), wz = input(n, 3);
    }
    const std::string xf = new_value(g, base + "/x_float", DType::Float32, &g.value(xin));
    const std::string wf = new_value(g, base + "/w_float", DType::Float32, &g.value(win));
    const std::string yf = new_value(g, base + "/y_float", DType::Float32, &yv);
    out.push_back(new_node(g, "DequantizeLinear", base + "/DequantizeLinear_x", {xin, xs, xz}, {xf}));
    ir::Node wdq = new_node(g, "DequantizeLinear", base + "/DequantizeLinear_w", {win, ws, wz}, {wf});
    // Per output channel: Conv weights along axis 0, MatMul's b along its last axis.
    const ir::Value& wv = g.value(win);
    int64_t waxis = 0;
    if (qmm || imm) waxis = wv.shape_known && !wv.dims.empty() ? static_cast<int64_t>(wv.dims.size()) - 1 : 1;
    wdq.attrs["axis"] = waxis;
    out.push_back(std::move(wdq));
    // A 2-D QLinearMatMul by constant weights is a Gemm, which has an int8 kernel.
    const ir::Value& xv = g.value(xin);
    const bool gemm = qmm && g.is_constant(win) && wv.dims.size() == 2 && xv.shape_known && xv.dims.size() == 2;
    ir::Node op = new_node(g, (qconv || iconv) ? "Conv" : gemm ? "Gemm" : "MatMul", base, {xf, wf}, {yf});
    if (qconv || iconv) op.attrs = n.attrs;
    if (!bias.empty()) {  // int32 bias on the grid s_x * s_w[c]
      if (!g.is_constant(xs) || !g.is_constant(ws)) fail(g, n, "scales must be constants (not supported otherwise)");
      const Tensor& sx = *g.value(xs).constant;
      const Tensor& sw = *g.value(ws).constant;
      if (sx.dtype() != DType::Float32 || sw.dtype() != DType::Float32 || sx.element_count() != 1)
        fail(g, n, "x_scale must be one float32 value and w_scale float32");
      Tensor sb(DType::Float32, {sw.element_count()});
      for (int64_t c = 0; c < sw.element_count(); ++c) sb.data<float>()[c] = sx.data<float>()[0] * sw.data<float>()[c];
      const std::string sbn = new_constant(g, base + "/bias_scale", std::move(sb));
      const std::string bf = new_value(g, base + "/bias_float", DType::Float32, &g.value(bias));
      ir::Node bdq = new_node(g, "DequantizeLinear", base + "/DequantizeLinear_bias", {bias, sbn}, {bf});
      bdq.attrs["axis"] = int64_t{0};
      out.push_back(std::move(bdq));
      op.inputs.push_back(bf);
    }
    out.push_back(std::move(op));
    if (qconv || qmm) {
      out.push_back(new_node(g, "QuantizeLinear", base + "/QuantizeLinear", {yf, ys, yz}, {y}));
    } else {
      if (yv.dtype != DType::Int32) fail(g, n, "output must be int32");
      ir::Node cast = new_node(g, "Cast", base + "/Cast", {yf}, {y});
      cast.attrs["to"] = int64_t{6};  // ONNX INT32: the float sums are whole numbers (exact below 2^24)
      out.push_back(std::move(cast));
    }
  }
  g.nodes = std::move(out);
}

}  // namespace

FixedQuant import_qdq(ir::Graph& g) {
  FixedQuant fixed;
  bool any = false;
  for (const ir::Node& n : g.nodes)
    any = any || is_qdq(n) || n.op == "QLinearConv" || n.op == "QLinearMatMul" || n.op == "ConvInteger" ||
          n.op == "MatMulInteger";
  if (!any) return fixed;
  passes::fold_constant_nodes(g);  // scales and zero points given as Constant nodes
  lower_qoperators(g);
  for (size_t i = 0; i < g.nodes.size();)
    if (!fold_constant_qdq(g, i, &fixed)) ++i;
  fold_activation_pairs(g, &fixed);
  convert_standalone(g, &fixed);
  g.remove_unused_values();
  return fixed;
}

std::map<std::string, ClipRange> fixed_ranges(const FixedQuant& fixed) {
  std::map<std::string, ClipRange> ranges;
  for (const auto& [name, q] : fixed.activations) {
    const float s = q.scale[0];
    const float z = static_cast<float>(q.zero_point[0]);
    ranges[name] = {std::min(0.0f, (0.0f - z) * s), std::max(0.0f, (255.0f - z) * s)};
  }
  return ranges;
}

bool fixed_weights(const FixedQuant& fixed, const ir::Graph& g, const ir::Node& n, Tensor* q, std::vector<float>* scales) {
  if (n.inputs.size() < 2) return false;
  const auto it = fixed.weights.find(n.inputs[1]);
  if (it == fixed.weights.end() || !g.is_constant(n.inputs[1])) return false;
  const FixedWeight& src = it->second;
  const Tensor& w = *g.value(n.inputs[1]).constant;
  if (w.dtype() != DType::Float32 || w.shape() != src.q.shape() || w.shape().empty()) return false;
  // A pass (BatchNorm or affine folding) may have changed the float weight: then it is not the source any more.
  const bool per_tensor = src.scale.size() == 1;
  const AxisWalk walk(src.q.shape(), per_tensor ? 0 : src.axis);
  for (int64_t j = 0; j < w.element_count(); ++j) {
    const float s = src.scale[per_tensor ? 0 : walk.channel(j)];
    if (qmath::dequantize(src.q.data<int8_t>()[j], s, 0) != w.data<float>()[j]) return false;
  }
  const bool gemm = n.op == "Gemm";
  if (gemm && w.shape().size() != 2) return false;
  const bool trans = gemm && n.get_int("transB", 0) == 0;  // [K, N] -> [N, K]
  const int out_axis = trans ? 1 : 0;
  if (!per_tensor && src.axis != out_axis) return false;
  const int64_t oc = w.shape()[static_cast<size_t>(out_axis)];
  const float alpha = gemm ? n.get_float("alpha", 1.0f) : 1.0f;
  if (!(alpha > 0.0f)) return false;
  scales->assign(static_cast<size_t>(oc), 0.0f);
  for (int64_t c = 0; c < oc; ++c) (*scales)[static_cast<size_t>(c)] = src.scale[per_tensor ? 0 : c] * alpha;
  if (!trans) {
    *q = src.q;
    return true;
  }
  const int64_t k = w.shape()[0];
  Tensor t(DType::Int8, {oc, k});
  for (int64_t i = 0; i < k; ++i)
    for (int64_t c = 0; c < oc; ++c) t.data<int8_t>()[c * k + i] = src.q.data<int8_t>()[i * oc + c];
  *q = std::move(t);
  return true;
}

bool fixed_bias(const FixedQuant& fixed, const ir::Graph& g, const ir::Node& n, float s_x, const std::vector<float>& s_w,
                Tensor* q) {
  if (n.inputs.size() < 3 || n.inputs[2].empty()) return false;
  const auto it = fixed.biases.find(n.inputs[2]);
  if (it == fixed.biases.end() || !g.is_constant(n.inputs[2])) return false;
  const FixedBias& src = it->second;
  const Tensor& b = *g.value(n.inputs[2]).constant;
  const int64_t oc = static_cast<int64_t>(s_w.size());
  if (src.q.element_count() != oc || b.element_count() != oc) return false;
  for (int64_t c = 0; c < oc; ++c) {
    const float s = src.scale[src.scale.size() == 1 ? 0 : static_cast<size_t>(c)];
    if (s != s_x * s_w[static_cast<size_t>(c)]) return false;  // another grid: the quantizer re-rounds the float bias
    if (qmath::dequantize(src.q.data<int32_t>()[c], s, 0) != b.data<float>()[c]) return false;  // changed by a pass
  }
  *q = Tensor(DType::Int32, {oc});
  std::copy(src.q.data<int32_t>(), src.q.data<int32_t>() + oc, q->data<int32_t>());
  return true;
}

}  // namespace qinfer
