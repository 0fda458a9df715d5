#include "qdq_export.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <limits>
#include <set>

#include "qinfer/error.h"
#include "qinfer/version.h"

namespace qinfer {

namespace {

int onnx_type(DType d) { return ir::onnx_type_code(d); }

class QdqWriter {
 public:
  explicit QdqWriter(const ir::Graph& g) : g_(g) {
    model_.set_ir_version(8);
    model_.set_producer_name("qconv");
    model_.set_producer_version(version_string());
    model_.add_opset_import()->set_version(std::max<int64_t>(13, g.opset));
    graph_ = model_.mutable_graph();
    graph_->set_name("qinfer_qdq");
  }

  std::string write() {
    for (const std::string& in : g_.inputs) value_info(graph_->add_input(), g_.value(in));
    for (const std::string& out : g_.outputs) value_info(graph_->add_output(), g_.value(out));
    for (const ir::Node& n : g_.nodes) emit(n);
    std::string bytes;
    model_.SerializeToString(&bytes);
    return bytes;
  }

 private:
  [[noreturn]] void fail(const ir::Node& n, const std::string& why) const {
    throw Error(g_.source + ": QDQ export of " + n.describe() + ": " + why);
  }

  void value_info(onnx::ValueInfoProto* info, const ir::Value& v) {
    info->set_name(v.name);
    auto* tt = info->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx_type(v.dtype));
    if (!v.shape_known) return;
    auto* shape = tt->mutable_shape();
    for (size_t d = 0; d < v.dims.size(); ++d) {
      auto* dim = shape->add_dim();
      if (v.dims[d] >= 0) dim->set_dim_value(v.dims[d]);
      else if (d < v.dim_names.size() && !v.dim_names[d].empty()) dim->set_dim_param(v.dim_names[d]);
    }
  }

  // Adds an initializer once (by name) from raw bytes.
  void initializer(const std::string& name, DType dtype, const std::vector<int64_t>& dims, const void* data, size_t bytes) {
    if (!initializers_.insert(name).second) return;
    onnx::TensorProto* t = graph_->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx_type(dtype));
    for (int64_t d : dims) t->add_dims(d);
    t->set_raw_data(data, bytes);
  }
  void constant(const std::string& name) {
    const ir::Value& v = g_.value(name);
    initializer(name, v.dtype, v.constant->shape(), v.constant->raw_data(), v.constant->byte_size());
  }

  onnx::NodeProto* node(const std::string& op, const std::string& name, const std::vector<std::string>& ins,
                        const std::vector<std::string>& outs) {
    onnx::NodeProto* n = graph_->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& i : ins) n->add_input(i);
    for (const auto& o : outs) n->add_output(o);
    return n;
  }

  // Scale and zero-point initializers of a per-tensor quantized value.
  std::pair<std::string, std::string> qparams(const ir::Value& v) {
    const std::string s = v.name + "_scale", z = v.name + "_zero_point";
    initializer(s, DType::Float32, {}, v.quant.scale.data(), sizeof(float));
    const uint8_t zp = static_cast<uint8_t>(v.quant.zero_point[0]);
    initializer(z, DType::UInt8, {}, &zp, 1);
    return {s, z};
  }

  // Name of the float (dequantized) twin of the uint8 activation `name`.
  static std::string dq(const std::string& name) { return name + "_dq"; }
  void emit_dequantize(const std::string& q, const std::string& out) {
    const auto [s, z] = qparams(g_.value(q));
    node("DequantizeLinear", out + "/DequantizeLinear", {q, s, z}, {out});
  }
  void emit_quantize_pair(const std::string& f, const std::string& q) {
    const auto [s, z] = qparams(g_.value(q));
    node("QuantizeLinear", q + "/QuantizeLinear", {f, s, z}, {q});
    emit_dequantize(q, dq(q));
  }

  // int8 weight (per-channel, axis 0) behind a DequantizeLinear, in ONNX's OIHW order.
  std::string weight(const ir::Value& w, bool ohwi) {
    Tensor data = *w.constant;
    if (ohwi) {  // memory is O,KH,KW,I: reorder to O,I,KH,KW
      const auto& s = data.shape();
      const int64_t O = s[0], I = s[1], H = s[2], W = s[3];
      Tensor t(DType::Int8, s);
      for (int64_t o = 0; o < O; ++o)
        for (int64_t i = 0; i < I; ++i)
          for (int64_t h = 0; h < H; ++h)
            for (int64_t x = 0; x < W; ++x)
              t.data<int8_t>()[((o * I + i) * H + h) * W + x] = data.data<int8_t>()[((o * H + h) * W + x) * I + i];
      data = std::move(t);
    }
    return dequantized_weight(w, data, 0);
  }

  // int8 ConvTranspose weight (stored [C_out, KH, KW, C_in]) in ONNX's [C_in, C_out, KH, KW] order,
  // per output channel (axis 1), behind a DequantizeLinear.
  std::string conv_transpose_weight(const ir::Value& w) {
    const Tensor& data = *w.constant;
    const auto& s = data.shape();
    const int64_t O = s[0], I = s[1], H = s[2], W = s[3];
    Tensor t(DType::Int8, {I, O, H, W});
    for (int64_t o = 0; o < O; ++o)
      for (int64_t i = 0; i < I; ++i)
        for (int64_t h = 0; h < H; ++h)
          for (int64_t x = 0; x < W; ++x)
            t.data<int8_t>()[((i * O + o) * H + h) * W + x] = data.data<int8_t>()[((o * H + h) * W + x) * I + i];
    return dequantized_weight(w, t, 1);
  }

  // `data` (w's int8 values in ONNX order) with w's symmetric per-channel scales along `axis`,
  // behind a DequantizeLinear; returns the float output's name.
  std::string dequantized_weight(const ir::Value& w, const Tensor& data, int64_t axis) {
    initializer(w.name, DType::Int8, data.shape(), data.raw_data(), data.byte_size());
    const std::vector<int8_t> zeros(w.quant.scale.size(), 0);
    const int64_t n = static_cast<int64_t>(w.quant.scale.size());
    initializer(w.name + "_scale", DType::Float32, {n}, w.quant.scale.data(), n * sizeof(float));
    initializer(w.name + "_zero_point", DType::Int8, {n}, zeros.data(), zeros.size());
    onnx::NodeProto* d = node("DequantizeLinear", w.name + "/DequantizeLinear", {w.name, w.name + "_scale", w.name + "_zero_point"}, {dq(w.name)});
    auto* a = d->add_attribute();
    a->set_name("axis");
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(axis);
    return dq(w.name);
  }

  // int32 bias with scale s_x * s_w[c] behind a DequantizeLinear.
  std::string bias(const ir::Value& b, float s_x, const std::vector<float>& s_w) {
    const int64_t n = b.constant->element_count();
    std::vector<float> scales(static_cast<size_t>(n));
    for (int64_t c = 0; c < n; ++c) scales[c] = s_x * s_w[s_w.size() == 1 ? 0 : c];
    const std::vector<int32_t> zeros(static_cast<size_t>(n), 0);
    initializer(b.name, DType::Int32, {n}, b.constant->raw_data(), b.constant->byte_size());
    initializer(b.name + "_scale", DType::Float32, {n}, scales.data(), n * sizeof(float));
    initializer(b.name + "_zero_point", DType::Int32, {n}, zeros.data(), n * sizeof(int32_t));
    onnx::NodeProto* d = node("DequantizeLinear", b.name + "/DequantizeLinear", {b.name, b.name + "_scale", b.name + "_zero_point"}, {dq(b.name)});
    auto* axis = d->add_attribute();
    axis->set_name("axis");
    axis->set_type(onnx::AttributeProto::INT);
    axis->set_i(0);
    return dq(b.name);
  }

  // Copies IR attributes (not the qinfer.* ones) and writes Clip's bounds as inputs (opset >= 11).
  void attributes(const ir::Node& n, onnx::NodeProto* out) {
    for (const auto& [key, value] : n.attrs) {
      if (key.rfind("qinfer.", 0) == 0 || (n.op == "Clip" && (key == "min" || key == "max"))) continue;
      auto* a = out->add_attribute();
      a->set_name(key);
      if (auto* i = std::get_if<int64_t>(&value)) a->set_type(onnx::AttributeProto::INT), a->set_i(*i);
      else if (auto* f = std::get_if<float>(&value)) a->set_type(onnx::AttributeProto::FLOAT), a->set_f(*f);
      else if (auto* s = std::get_if<std::string>(&value)) a->set_type(onnx::AttributeProto::STRING), a->set_s(*s);
      else if (auto* is = std::get_if<std::vector<int64_t>>(&value)) {
        a->set_type(onnx::AttributeProto::INTS);
        for (int64_t v : *is) a->add_ints(v);
      } else if (auto* fs = std::get_if<std::vector<float>>(&value)) {
        a->set_type(onnx::AttributeProto::FLOATS);
        for (float v : *fs) a->add_floats(v);
      } else if (auto* t = std::get_if<Tensor>(&value)) {  // e.g. ConstantOfShape's value
        a->set_type(onnx::AttributeProto::TENSOR);
        onnx::TensorProto* tp = a->mutable_t();
        tp->set_data_type(onnx_type(t->dtype()));
        for (int64_t d : t->shape()) tp->add_dims(d);
        tp->set_raw_data(t->raw_data(), t->byte_size());
      }
    }
  }

  void clip_bounds(onnx::NodeProto* clip, const std::string& base, float lo, float hi) {
    initializer(base + "_min", DType::Float32, {}, &lo, sizeof(float));
    initializer(base + "_max", DType::Float32, {}, &hi, sizeof(float));
    clip->add_input(base + "_min");
    clip->add_input(base + "_max");
  }

  // The IR keeps ops in the form passes::normalize_ops settled; the export opset (>= 13) wants
  // Squeeze/Unsqueeze axes (and ReduceMean's from opset 18) as inputs, Resize's roi input, and
  // has no legacy Softmax. Returns the node as the export opset spells it.
  ir::Node export_form(const ir::Node& in, std::vector<std::string>* ins) {
    ir::Node n = in;
    const int64_t opset = std::max<int64_t>(13, g_.opset);
    const bool axes_input = n.op == "Squeeze" || n.op == "Unsqueeze" || (n.op == "ReduceMean" && opset >= 18);
    if (axes_input && n.has("axes")) {
      const std::vector<int64_t> axes = n.get_ints("axes");
      const std::string name = n.name + "_axes";
      initializer(name, DType::Int64, {static_cast<int64_t>(axes.size())}, axes.data(), axes.size() * sizeof(int64_t));
      ins->resize(1);
      ins->push_back(name);
      n.attrs.erase("axes");
    }
    if (n.op == "Resize") {  // (x, scales, sizes) -> (x, roi, scales, sizes)
      ins->resize(3);
      ins->insert(ins->begin() + 1, "");
      while (ins->back().empty()) ins->pop_back();
    }
    return n;
  }

  // Softmax of opset < 13 normalizes over all dims from `axis` on: Flatten, Softmax, Reshape back.
  bool legacy_softmax(const ir::Node& n, const std::vector<std::string>& ins, const std::string& out) {
    if (n.op != "Softmax" || n.get_int("qinfer.legacy_2d", 0) == 0) return false;
    const ir::Value& x = g_.value(n.inputs[0]);
    const int64_t axis = n.get_int("axis", 1);
    if (x.shape_known && (axis == -1 || axis == static_cast<int64_t>(x.dims.size()) - 1)) return false;  // same op
    auto int_attr = [](onnx::NodeProto* p, const char* name, int64_t v) {
      auto* a = p->add_attribute();
      a->set_name(name);
      a->set_type(onnx::AttributeProto::INT);
      a->set_i(v);
    };
    int_attr(node("Flatten", n.name + "/Flatten", {ins[0]}, {n.name + "/flat"}), "axis", axis);
    int_attr(node("Softmax", n.name, {n.name + "/flat"}, {n.name + "/soft"}), "axis", -1);
    node("Shape", n.name + "/Shape", {ins[0]}, {n.name + "/shape"});
    node("Reshape", n.name + "/Reshape", {n.name + "/soft", n.name + "/shape"}, {out});
    return true;
  }

  // HardSwish (opset 14) with its folded affine, spelled for opset 13: x * HardSigmoid(x; 1/6, 0.5),
  // then Mul / Add by the scalars.
  bool hardswish(const ir::Node& n, const std::vector<std::string>& ins, const std::string& out) {
    if (n.op != "HardSwish") return false;
    const float post_mul = n.get_float("qinfer.post_mul", 1.0f), post_add = n.get_float("qinfer.post_add", 0.0f);
    const float pre_mul = n.get_float("qinfer.pre_mul", 1.0f), pre_add = n.get_float("qinfer.pre_add", 0.0f);
    std::string x = ins.at(0);
    if (pre_mul != 1.0f) {
      initializer(n.name + "/pre_mul", DType::Float32, {}, &pre_mul, sizeof(float));
      node("Mul", n.name + "/PreMul", {x, n.name + "/pre_mul"}, {n.name + "/pre_scaled"});
      x = n.name + "/pre_scaled";
    }
    if (pre_add != 0.0f) {
      initializer(n.name + "/pre_add", DType::Float32, {}, &pre_add, sizeof(float));
      node("Add", n.name + "/PreAdd", {x, n.name + "/pre_add"}, {n.name + "/pre_shifted"});
      x = n.name + "/pre_shifted";
    }
    onnx::NodeProto* hs = node("HardSigmoid", n.name + "/HardSigmoid", {x}, {n.name + "/hsig"});
    for (const auto& [name, v] : {std::pair<const char*, float>{"alpha", 1.0f / 6.0f}, {"beta", 0.5f}}) {
      auto* a = hs->add_attribute();
      a->set_name(name);
      a->set_type(onnx::AttributeProto::FLOAT);
      a->set_f(v);
    }
    std::string cur = n.name + "/hswish";
    const bool affine = post_mul != 1.0f || post_add != 0.0f;
    node("Mul", n.name + "/Mul", {x, n.name + "/hsig"}, {affine ? cur : out});
    if (post_mul != 1.0f) {
      initializer(n.name + "/post_mul", DType::Float32, {}, &post_mul, sizeof(float));
      const std::string next = post_add != 0.0f ? n.name + "/scaled" : out;
      node("Mul", n.name + "/PostMul", {cur, n.name + "/post_mul"}, {next});
      cur = next;
    }
    if (post_add != 0.0f) {
      initializer(n.name + "/post_add", DType::Float32, {}, &post_add, sizeof(float));
      node("Add", n.name + "/PostAdd", {cur, n.name + "/post_add"}, {out});
    }
    return true;
  }

  // The float op, then its fused activation (on the first output); returns the name of the
  // final float result of the first output.
  std::string float_op(const ir::Node& node_in, std::vector<std::string> ins, std::vector<std::string> outs) {
    const ir::Node n = export_form(node_in, &ins);
    const std::string act = n.get_string("qinfer.activation", "");
    const std::string out = outs.at(0);
    if (legacy_softmax(n, ins, out)) return out;
    if (hardswish(n, ins, out)) return out;
    if (!act.empty()) outs[0] = out + "_preact";
    onnx::NodeProto* op = node(n.op, n.name, ins, outs);
    attributes(n, op);
    if (n.op == "Clip") clip_bounds(op, n.name, n.get_float("min", -std::numeric_limits<float>::infinity()),
                                    n.get_float("max", std::numeric_limits<float>::infinity()));
    if (act == "Relu") node("Relu", n.name + "/Relu", {outs[0]}, {out});
    if (act == "Clip") {
      onnx::NodeProto* c = node("Clip", n.name + "/Clip", {outs[0]}, {out});
      clip_bounds(c, n.name + "/Clip", n.get_float("qinfer.clip_min", 0), n.get_float("qinfer.clip_max", 0));
    }
    return out;
  }

  void emit(const ir::Node& n) {
    if (n.op == "qinfer.Quantize") {
      if (g_.is_constant(n.inputs[0])) constant(n.inputs[0]);
      emit_quantize_pair(n.inputs[0], n.outputs[0]);
      return;
    }
    if (n.op == "qinfer.Dequantize") {
      emit_dequantize(n.inputs[0], n.outputs[0]);
      return;
    }
    const bool int8 = !n.outputs.empty() && !n.outputs[0].empty() && g_.value(n.outputs[0]).dtype == DType::UInt8;
    std::vector<std::string> ins;
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const std::string& in = n.inputs[i];
      if (in.empty()) {
        ins.push_back("");
        continue;
      }
      const ir::Value& v = g_.value(in);
      if (!v.constant) {
        ins.push_back(v.dtype == DType::UInt8 ? dq(in) : in);
      } else if (int8 && (n.op == "Conv" || n.op == "Gemm") && i == 1) {
        ins.push_back(weight(v, n.op == "Conv"));
      } else if (int8 && n.op == "ConvTranspose" && i == 1) {
        ins.push_back(conv_transpose_weight(v));
      } else if (int8 && (n.op == "Conv" || n.op == "Gemm" || n.op == "ConvTranspose") && i == 2) {
        ins.push_back(bias(v, g_.value(n.inputs[0]).quant.scale[0], g_.value(n.inputs[1]).quant.scale));
      } else {
        if (v.dtype == DType::UInt8 || v.dtype == DType::Int8) fail(n, "quantized constant input '" + in + "' is not supported");
        constant(in);
        ins.push_back(in);
      }
    }
    if (!int8) {
      float_op(n, ins, n.outputs);
      return;
    }
    if (n.outputs.size() != 1) fail(n, "int8 nodes with several outputs are not supported");
    const std::string y = n.outputs[0];
    emit_quantize_pair(float_op(n, ins, {y + "_float"}), y);
  }

  const ir::Graph& g_;
  onnx::ModelProto model_;
  onnx::GraphProto* graph_;
  std::set<std::string> initializers_;
};

}  // namespace

std::string export_qdq(const ir::Graph& quantized) { return QdqWriter(quantized).write(); }

}  // namespace qinfer
