// Opset differences are settled here, so that qbin_writer and the runtime see one form per op.
#include <algorithm>
#include <set>

#include "passes/normalize_pad_split.h"
#include "passes/passes.h"
#include "qinfer/error.h"

namespace qinfer::passes {

namespace {

[[noreturn]] void fail(const ir::Graph& g, const ir::Node& n, const std::string& rule) {
  throw Error(g.source + ": " + n.describe() + ": " + rule);
}

// The integers of constant input `index` (int64 or int32).
std::vector<int64_t> constant_ints(const ir::Graph& g, const ir::Node& n, size_t index, const char* what) {
  const ir::Value& v = g.value(n.inputs.at(index));
  if (!v.constant) fail(g, n, std::string(what) + " '" + v.name + "' must be a constant");
  const Tensor& t = *v.constant;
  std::vector<int64_t> out;
  for (int64_t i = 0; i < t.element_count(); ++i) {
    if (t.dtype() == DType::Int64) out.push_back(t.data<int64_t>()[i]);
    else if (t.dtype() == DType::Int32) out.push_back(t.data<int32_t>()[i]);
    else fail(g, n, std::string(what) + " '" + v.name + "' must be int64 or int32");
  }
  return out;
}

bool has_input(const ir::Node& n, size_t i) { return i < n.inputs.size() && !n.inputs[i].empty(); }

// axes given as an input (newer opsets) become the "axes" attribute.
void axes_input_to_attribute(ir::Graph& g, ir::Node& n, size_t index) {
  if (has_input(n, index)) n.attrs["axes"] = constant_ints(g, n, index, "axes");
  n.inputs.resize(std::min(n.inputs.size(), index));
}

// Resize tf_crop_and_resize: the roi input (constant, [starts..., ends...] over the 4 NCHW dims)
// as the H, W crop box [h_start, w_start, h_end, w_end]; N and C must not be cropped.
std::vector<float> crop_box(const ir::Graph& g, const ir::Node& n) {
  if (!has_input(n, 1)) fail(g, n, "tf_crop_and_resize needs the roi input");
  const ir::Value& roi = g.value(n.inputs[1]);
  if (!roi.constant) fail(g, n, "roi '" + n.inputs[1] + "' must be a constant");
  if (roi.constant->dtype() != DType::Float32 || roi.constant->element_count() != 8)
    fail(g, n, "roi must hold 8 float values (starts and ends of N, C, H, W); a rank-4 input is supported");
  const float* r = roi.constant->data<float>();
  const ir::Value& x = g.value(n.inputs[0]);
  for (int a = 0; a < 2; ++a)
    if (!(r[a] == 0.0f && r[4 + a] == 1.0f) && !(x.shape_known && x.dims.size() == 4 && x.dims[a] == 1))
      fail(g, n, "roi crops axis " + std::to_string(a) + " (only H and W may be cropped) is not supported");
  return {r[2], r[3], r[6], r[7]};
}

void normalize_resize(ir::Graph& g, ir::Node& n) {
  std::string mode = n.get_string("mode", "nearest");
  if (mode == "bilinear") mode = "linear";  // Upsample-7 spelling
  if (mode != "nearest" && mode != "linear" && mode != "cubic")
    fail(g, n, "mode '" + mode + "' is not supported (nearest, linear, cubic are)");
  n.attrs["mode"] = mode;
  std::string scales, sizes;
  if (n.op == "Upsample" || g.opset < 11) {
    // Upsample and Resize-10: scales (input, or attribute in Upsample-7), asymmetric coordinates.
    if (n.has("scales")) {
      const auto it = n.attrs.find("scales");
      const auto* v = std::get_if<std::vector<float>>(&it->second);
      if (!v) fail(g, n, "attribute 'scales' must be a list of floats");
      scales = g.add_constant(n.name + "_scales", Tensor::from_floats({static_cast<int64_t>(v->size())}, v->data(), v->size()));
    } else if (has_input(n, 1)) {
      scales = n.inputs[1];
    }
    n.attrs["coordinate_transformation_mode"] = std::string("asymmetric");
    n.attrs["nearest_mode"] = std::string("floor");
  } else {
    if (has_input(n, 2)) scales = n.inputs[2];
    if (has_input(n, 3)) sizes = n.inputs[3];
    const std::string coord = n.get_string("coordinate_transformation_mode", "half_pixel");
    if (coord != "half_pixel" && coord != "asymmetric" && coord != "align_corners" && coord != "pytorch_half_pixel" &&
        coord != "tf_crop_and_resize")
      fail(g, n, "coordinate_transformation_mode '" + coord + "' is not supported");
    if (n.get_int("antialias", 0) != 0 || n.has("axes") || n.get_string("keep_aspect_ratio_policy", "stretch") != "stretch")
      fail(g, n, "antialias, axes and keep_aspect_ratio_policy are not supported");
    if (coord == "tf_crop_and_resize") n.attrs["qinfer.roi"] = crop_box(g, n);
  }
  n.op = "Resize";
  n.inputs = {n.inputs.at(0), scales, sizes};
  while (!n.inputs.empty() && n.inputs.back().empty()) n.inputs.pop_back();
}

// float16, bfloat16, float64, uint32 and uint64 are storage types (qinfer/tensor.h): Cast converts
// them, Shape reads only the shape, and Pow takes a uint32/uint64 exponent; no other kernel does.
bool storage_type(DType d) {
  return d == DType::Float16 || d == DType::BFloat16 || d == DType::Float64 || d == DType::UInt32 || d == DType::UInt64;
}

void check_storage_types(const ir::Graph& g, const ir::Node& n) {
  if (n.op == "Cast" || n.op == "Shape") return;
  const auto check = [&](const std::string& name, bool pow_exponent) {
    if (name.empty()) return;
    const DType d = g.value(name).dtype;
    if (!storage_type(d) || (pow_exponent && (d == DType::UInt32 || d == DType::UInt64))) return;
    fail(g, n, "tensor '" + name + "' of element type " + dtype_name(d) +
                   " is not supported here (float16, bfloat16, float64, uint32 and uint64 only go through Cast; "
                   "uint32/uint64 also as Pow's exponent)");
  };
  for (size_t i = 0; i < n.inputs.size(); ++i) check(n.inputs[i], n.op == "Pow" && i == 1);
  for (const std::string& out : n.outputs) check(out, false);
  for (const auto& [key, attr] : n.attrs)
    if (const Tensor* t = std::get_if<Tensor>(&attr); t && storage_type(t->dtype()))
      fail(g, n, "attribute '" + key + "' of element type " + std::string(dtype_name(t->dtype())) + " is not supported");
}

// Element types each op's kernels take: checked here so that an unsupported type is a
// conversion error naming the node, not a model that fails to load.
void check_element_types(const ir::Graph& g, const ir::Node& n) {
  check_storage_types(g, n);
  static const std::set<std::string> float_only = {
      "Conv", "ConvTranspose", "Gemm", "MatMul", "MaxPool", "AveragePool", "GlobalAveragePool", "Relu", "Clip",
      "Sigmoid", "HardSigmoid", "Sqrt", "Erf", "Tanh", "Exp", "Log", "Neg", "Abs", "Reciprocal", "Softmax",
      "ReduceMean", "Resize", "Upsample", "LSTM", "Pow", "BatchNormalization"};
  static const std::set<std::string> float_or_int64 = {"Add", "Sub", "Mul", "Div", "Range"};
  const bool f = float_only.count(n.op) != 0, fi = float_or_int64.count(n.op) != 0;
  if (!f && !fi) return;
  // Integer forms ONNX defines (runtime/src/kernels/int_elementwise.cpp, plain uint8 MaxPool).
  const auto dtype_of = [&](size_t i) { return g.value(n.inputs[i]).dtype; };
  const auto is_int = [](DType d) { return d == DType::UInt8 || d == DType::Int8 || d == DType::Int32 || d == DType::Int64; };
  if (n.op == "Pow" && n.inputs.size() == 2 && !n.inputs[0].empty() && !n.inputs[1].empty()) {
    const auto ok = [](DType d) { return d == DType::Float32 || d == DType::Int32 || d == DType::Int64; };
    for (size_t i = 0; i < 2; ++i)
      if (!ok(dtype_of(i)) && !(i == 1 && (dtype_of(1) == DType::UInt32 || dtype_of(1) == DType::UInt64)))
        fail(g, n, std::string("input '") + n.inputs[i] + "' of element type " + dtype_name(dtype_of(i)) +
                       " is not supported (float32, int32 or int64; uint32 or uint64 exponents)");
    return;
  }
  if ((n.op == "Add" || n.op == "Sub" || n.op == "Mul" || n.op == "Div" || n.op == "Clip") && !n.inputs.empty() &&
      !n.inputs[0].empty() && is_int(dtype_of(0))) {
    for (size_t i = 1; i < n.inputs.size(); ++i)
      if (!n.inputs[i].empty() && dtype_of(i) != dtype_of(0))
        fail(g, n, std::string("input '") + n.inputs[i] + "' of element type " + dtype_name(dtype_of(i)) +
                       " is not supported (all inputs of the same type)");
    return;
  }
  if (n.op == "MaxPool" && !n.inputs.empty() && dtype_of(0) == DType::UInt8) return;
  if (n.op == "Range" && n.inputs.size() == 3 && dtype_of(0) == DType::Int32 && dtype_of(1) == DType::Int32 &&
      dtype_of(2) == DType::Int32)
    return;
  const size_t checked = (n.op == "Resize" || n.op == "Upsample") ? 1 : n.inputs.size();
  DType first = DType::Float32;
  for (size_t i = 0; i < checked; ++i) {
    if (n.inputs[i].empty() || (n.op == "LSTM" && i == 4)) continue;
    const DType d = g.value(n.inputs[i]).dtype;
    if (i == 0) first = d;
    const bool ok = d == DType::Float32 || (fi && d == DType::Int64);
    if (!ok || d != first)
      fail(g, n, std::string("input '") + n.inputs[i] + "' of element type " + dtype_name(d) + " is not supported (" +
                     (fi ? "float32 or int64, all inputs alike" : "float32") + ")");
  }
}

}  // namespace

void normalize_ops(ir::Graph& g) {
  for (ir::Node& n : g.nodes) {
    check_element_types(g, n);
    // Absent outputs before a present one get names: a qbin output is always a real tensor.
    for (size_t o = 0; o + 1 < n.outputs.size(); ++o)
      if (n.outputs[o].empty()) {
        n.outputs[o] = g.unique_name(n.name + "_unused_output_" + std::to_string(o));
        g.values[n.outputs[o]].name = n.outputs[o];
      }
    if (n.op == "Slice" && g.opset < 10) {
      const std::vector<int64_t> starts = n.get_ints("starts"), ends = n.get_ints("ends"), axes = n.get_ints("axes");
      n.inputs = {n.inputs.at(0), g.add_constant(n.name + "_starts", ir::int64_tensor(starts)),
                  g.add_constant(n.name + "_ends", ir::int64_tensor(ends))};
      if (!axes.empty()) n.inputs.push_back(g.add_constant(n.name + "_axes", ir::int64_tensor(axes)));
      n.attrs.erase("starts"), n.attrs.erase("ends"), n.attrs.erase("axes");
    } else if ((n.op == "Squeeze" || n.op == "Unsqueeze") && g.opset >= 13) {
      axes_input_to_attribute(g, n, 1);
    } else if (n.op == "ReduceMean" && g.opset >= 18) {
      axes_input_to_attribute(g, n, 1);
    } else if (n.op == "Softmax") {
      n.attrs["axis"] = n.get_int("axis", g.opset < 13 ? 1 : -1);
      n.attrs["qinfer.legacy_2d"] = int64_t{g.opset < 13 ? 1 : 0};
    } else if (n.op == "Resize" || n.op == "Upsample") {
      normalize_resize(g, n);
    } else if (n.op == "LSTM") {
      // layout 1 and sequence_lens were settled by normalize_lstm; peepholes, clip and input_forget are options.
      if (n.has("activations")) fail(g, n, "custom activations are not supported (the defaults Sigmoid, Tanh, Tanh are)");
      if (n.has("clip") && !(n.get_float("clip", 0.0f) > 0.0f)) fail(g, n, "clip must be positive");
    } else if (n.op == "Gather" || n.op == "Concat") {
      n.attrs["axis"] = n.get_int("axis", 0);
    } else if (n.op == "Pad" || n.op == "Split") {
      normalize_pad_split(g, n);
    }
  }
  g.remove_unused_values();
}

}  // namespace qinfer::passes
