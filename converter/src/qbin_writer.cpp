#include "qbin_writer.h"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <limits>

#include "qinfer/error.h"
#include "qinfer/version.h"
#include "qinfer_schema/qbin_generated.h"

namespace qinfer {

namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

struct Lowered {
  fb::OpCode op;
  fb::OpOptions options_type = fb::OpOptions::NONE;
  Offset<void> options;
};

std::vector<int32_t> to_i32(const std::vector<int64_t>& v) { return std::vector<int32_t>(v.begin(), v.end()); }

fb::Activation fused_activation(const ir::Node& n, float* lo, float* hi) {
  const std::string act = n.get_string("qinfer.activation", "");
  *lo = n.get_float("qinfer.clip_min", 0.0f);
  *hi = n.get_float("qinfer.clip_max", 0.0f);
  if (act.empty()) return fb::Activation::None;
  return act == "Relu" ? fb::Activation::Relu : fb::Activation::Clip;
}

// Spatial rank of a windowed op: 2 or 3 (1-D was lifted to 2-D by passes::lift_1d).
size_t spatial_rank(const ir::Graph& g, const ir::Node& n, size_t rank, const char* what) {
  if (rank != 2 && rank != 3)
    throw Error(g.source + ": " + n.describe() + ": " + what + " has " + std::to_string(rank) +
                " spatial dims; only 1-D, 2-D and 3-D windows are supported");
  return rank;
}


std::vector<int64_t> per_axis_or_default(const ir::Graph& g, const ir::Node& n, const char* key, int64_t fallback, size_t r) {
  std::vector<int64_t> v = n.get_ints(key);
  if (v.empty()) return std::vector<int64_t>(r, fallback);
  if (v.size() != r)
    throw Error(g.source + ": " + n.describe() + ": " + key + " must have " + std::to_string(r) + " values (one per spatial axis)");
  return v;
}

// Ops without options.
const Lowered* lower_simple(const std::string& op) {
  static const std::map<std::string, Lowered> table = {
      {"Sub", {fb::OpCode::Sub}},     {"Mul", {fb::OpCode::Mul}},         {"Div", {fb::OpCode::Div}},
      {"Pow", {fb::OpCode::Pow}},     {"Sigmoid", {fb::OpCode::Sigmoid}}, {"Sqrt", {fb::OpCode::Sqrt}},
      {"Erf", {fb::OpCode::Erf}},     {"Tanh", {fb::OpCode::Tanh}},       {"Exp", {fb::OpCode::Exp}},
      {"Log", {fb::OpCode::Log}},     {"Neg", {fb::OpCode::Neg}},         {"Abs", {fb::OpCode::Abs}},
      {"Reciprocal", {fb::OpCode::Reciprocal}}, {"MatMul", {fb::OpCode::MatMul}}, {"Slice", {fb::OpCode::Slice}},
      {"Range", {fb::OpCode::Range}}, {"Where", {fb::OpCode::Where}}};
  const auto it = table.find(op);
  return it == table.end() ? nullptr : &it->second;
}

fb::DType cast_target(const ir::Graph& g, const ir::Node& n) {
  DType d;
  if (!ir::dtype_from_onnx_code(n.get_int("to", 0), &d))
    throw Error(g.source + ": " + n.describe() + ": cast to ONNX type " + std::to_string(n.get_int("to", 0)) +
                " is not supported (float, double, float16, bfloat16, uint8, int8, int32, int64, uint32, uint64, bool are)");
  return static_cast<fb::DType>(d);
}

Lowered lower_constant_of_shape(FlatBufferBuilder& b, const ir::Graph& g, const ir::Node& n) {
  float f = 0.0f;
  int64_t i = 0;
  if (auto it = n.attrs.find("value"); it != n.attrs.end()) {
    const Tensor* t = std::get_if<Tensor>(&it->second);
    if (!t || t->element_count() != 1) throw Error(g.source + ": " + n.describe() + ": value must be a one-element tensor");
    switch (t->dtype()) {
      case DType::Float32: f = t->data<float>()[0]; break;
      case DType::Int64: i = t->data<int64_t>()[0]; break;
      case DType::Int32: i = t->data<int32_t>()[0]; break;
      case DType::UInt8: i = t->data<uint8_t>()[0]; break;
      case DType::Int8: i = t->data<int8_t>()[0]; break;
      case DType::Bool: i = static_cast<const uint8_t*>(t->raw_data())[0] != 0; break;
      default:
        throw Error(g.source + ": " + n.describe() + ": a " + dtype_name(t->dtype()) +
                    " value is not supported (float32, int64, int32, uint8, int8, bool are)");
    }
  }
  return {fb::OpCode::ConstantOfShape, fb::OpOptions::ConstantOfShapeOptions, fb::CreateConstantOfShapeOptions(b, f, i).Union()};
}

Lowered lower_conv_transpose(FlatBufferBuilder& b, const ir::Graph& g, const ir::Node& n) {
  const ir::Value& w = g.value(n.inputs.at(1));
  const size_t r = spatial_rank(g, n, w.dims.size() < 2 ? 0 : w.dims.size() - 2, "ConvTranspose's weight");
  const std::string auto_pad = n.get_string("auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER")
    throw Error(g.source + ": " + n.describe() + ": unknown auto_pad '" + auto_pad + "'");
  std::vector<int64_t> pads = auto_pad == "NOTSET" ? n.get_ints("pads") : std::vector<int64_t>{};
  if (pads.empty()) pads.assign(2 * r, 0);
  if (pads.size() != 2 * r)
    throw Error(g.source + ": " + n.describe() + ": pads must have " + std::to_string(2 * r) + " values for a " +
                std::to_string(r) + "-D window");
  const auto strides = per_axis_or_default(g, n, "strides", 1, r), dilations = per_axis_or_default(g, n, "dilations", 1, r);
  auto output_padding = per_axis_or_default(g, n, "output_padding", 0, r);
  const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
  if (n.has("output_shape") || same) {
    // ONNX: total_padding = stride * (in - 1) + output_padding + (kernel - 1) * dilation + 1 - out, where out
    // is output_shape (its last r values) or in * stride for SAME; SAME_UPPER puts the smaller half first.
    // A negative total (output_shape larger than the full result) becomes extra output_padding at the end.
    const ir::Value& x = g.value(n.inputs.at(0));
    bool known = x.shape_known && x.dims.size() == r + 2;
    for (size_t a = 0; known && a < r; ++a) known = x.dims[2 + a] >= 0;
    if (!known)
      throw Error(g.source + ": " + n.describe() + ": " + (same ? "auto_pad " + auto_pad : std::string("output_shape")) +
                  " needs known spatial input dims");
    std::vector<int64_t> out_shape = n.get_ints("output_shape");
    if (!out_shape.empty() && out_shape.size() != r && out_shape.size() != r + 2)
      throw Error(g.source + ": " + n.describe() + ": output_shape must have " + std::to_string(r) + " values (one per spatial axis)");
    for (size_t a = 0; a < r; ++a) {
      const int64_t in = x.dims[2 + a];
      const int64_t out = out_shape.empty() ? in * strides[a] : out_shape[out_shape.size() - r + a];
      if (out < 1 || out > (int64_t{1} << 30) || strides[a] < 1 || strides[a] > (1 << 16) || dilations[a] < 1 ||
          dilations[a] > (1 << 16))
        throw Error(g.source + ": " + n.describe() + ": invalid output_shape, strides or dilations");
      const int64_t total = strides[a] * (in - 1) + output_padding[a] + (w.dims[2 + a] - 1) * dilations[a] + 1 - out;
      if (total < 0) {
        pads[a] = pads[a + r] = 0;
        output_padding[a] += -total;
        continue;
      }
      const bool upper = auto_pad != "SAME_LOWER" && (auto_pad == "SAME_UPPER" || !n.has("output_shape"));
      pads[a] = upper ? total / 2 : total - total / 2;
      pads[a + r] = total - pads[a];
    }
  }
  float lo = 0, hi = 0;
  const fb::Activation act = fused_activation(n, &lo, &hi);
  const std::vector<int64_t> kernel(w.dims.begin() + 2, w.dims.end());
  auto o = fb::CreateConvOptions(b, b.CreateVector(to_i32(kernel)), b.CreateVector(to_i32(strides)),
                                 b.CreateVector(to_i32(pads)), b.CreateVector(to_i32(dilations)),
                                 static_cast<int32_t>(n.get_int("group", 1)), act, lo, hi,
                                 b.CreateVector(to_i32(output_padding)));
  return {fb::OpCode::ConvTranspose, fb::OpOptions::ConvOptions, o.Union()};
}

// Resize after normalize_ops: inputs (x, scales, sizes), attributes in their opset-11 names.
Lowered lower_resize(FlatBufferBuilder& b, const ir::Graph& g, const ir::Node& n) {
  const std::string mode = n.get_string("mode", "nearest"), coord = n.get_string("coordinate_transformation_mode", "half_pixel");
  const std::string nearest = n.get_string("nearest_mode", "round_prefer_floor");
  const auto bad = [&](const std::string& what) -> Error { return Error(g.source + ": " + n.describe() + ": " + what + " is not supported"); };
  const fb::ResizeMode m = mode == "nearest"  ? fb::ResizeMode::Nearest
                           : mode == "linear" ? fb::ResizeMode::Linear
                           : mode == "cubic"  ? fb::ResizeMode::Cubic
                                              : throw bad("mode " + mode);
  const fb::ResizeCoordinates c = coord == "half_pixel"           ? fb::ResizeCoordinates::HalfPixel
                                  : coord == "asymmetric"         ? fb::ResizeCoordinates::Asymmetric
                                  : coord == "align_corners"      ? fb::ResizeCoordinates::AlignCorners
                                  : coord == "pytorch_half_pixel" ? fb::ResizeCoordinates::PytorchHalfPixel
                                  : coord == "tf_crop_and_resize" ? fb::ResizeCoordinates::TfCropAndResize
                                                                  : throw bad("coordinate_transformation_mode " + coord);
  const fb::NearestRounding r = nearest == "round_prefer_floor"  ? fb::NearestRounding::RoundPreferFloor
                                : nearest == "round_prefer_ceil" ? fb::NearestRounding::RoundPreferCeil
                                : nearest == "floor"             ? fb::NearestRounding::Floor
                                : nearest == "ceil"              ? fb::NearestRounding::Ceil
                                                                 : throw bad("nearest_mode " + nearest);
  flatbuffers::Offset<flatbuffers::Vector<float>> roi;
  if (c == fb::ResizeCoordinates::TfCropAndResize) {
    const auto it = n.attrs.find("qinfer.roi");
    const auto* box = it == n.attrs.end() ? nullptr : std::get_if<std::vector<float>>(&it->second);
    if (!box || box->size() != 4) throw bad("tf_crop_and_resize without a crop box");
    roi = b.CreateVector(*box);
  }
  return {fb::OpCode::Resize, fb::OpOptions::ResizeOptions,
          fb::CreateResizeOptions(b, m, c, r, n.get_float("cubic_coeff_a", -0.75f), n.get_int("exclude_outside", 0) != 0, roi,
                                  n.get_float("extrapolation_value", 0.0f)).Union()};
}

Lowered lower(FlatBufferBuilder& b, const ir::Graph& g, const ir::Node& n) {
  float lo = 0, hi = 0;
  if (n.op == "Conv") {
    const ir::Value& w = g.value(n.inputs.at(1));
    const size_t r = spatial_rank(g, n, w.dims.size() < 2 ? 0 : w.dims.size() - 2, "Conv's weight");
    std::vector<int64_t> kernel = n.get_ints("kernel_shape");
    if (kernel.empty()) kernel.assign(w.dims.begin() + 2, w.dims.end());
    const auto strides = per_axis_or_default(g, n, "strides", 1, r), dilations = per_axis_or_default(g, n, "dilations", 1, r);
    const auto pads = window_pads(g, n, kernel, strides, dilations);
    const fb::Activation act = fused_activation(n, &lo, &hi);
    auto o = fb::CreateConvOptions(b, b.CreateVector(to_i32(kernel)), b.CreateVector(to_i32(strides)),
                                   b.CreateVector(to_i32(pads)), b.CreateVector(to_i32(dilations)),
                                   static_cast<int32_t>(n.get_int("group", 1)), act, lo, hi);
    return {fb::OpCode::Conv, fb::OpOptions::ConvOptions, o.Union()};
  }
  if (n.op == "MaxPool") {
    const int64_t storage_order = n.get_int("storage_order", 0);
    if (storage_order != 0 && storage_order != 1)
      throw Error(g.source + ": " + n.describe() + ": storage_order must be 0 or 1");
    if (n.outputs.size() > 1 && !n.outputs[1].empty() && g.value(n.inputs.at(0)).dtype != DType::Float32)
      throw Error(g.source + ": " + n.describe() + ": the Indices output of MaxPool on non-float32 data is not supported");
    const std::vector<int64_t> kernel = n.get_ints("kernel_shape");
    const size_t r = spatial_rank(g, n, kernel.size(), "kernel_shape");
    if (r == 3 && g.value(n.inputs.at(0)).dtype != DType::Float32)
      throw Error(g.source + ": " + n.describe() + ": 3-D MaxPool of " + dtype_name(g.value(n.inputs.at(0)).dtype) +
                  " data is not supported (float32 is)");
    if (r == 3 && n.outputs.size() > 1 && !n.outputs[1].empty())
      throw Error(g.source + ": " + n.describe() + ": the Indices output of a 3-D MaxPool is not supported");
    const auto strides = per_axis_or_default(g, n, "strides", 1, r), dilations = per_axis_or_default(g, n, "dilations", 1, r);
    const auto pads = window_pads(g, n, kernel, strides, dilations);
    auto o = fb::CreatePoolOptions(b, b.CreateVector(to_i32(kernel)), b.CreateVector(to_i32(strides)),
                                   b.CreateVector(to_i32(pads)), b.CreateVector(to_i32(dilations)),
                                   n.get_int("ceil_mode", 0) != 0, false, storage_order == 1);
    return {fb::OpCode::MaxPool, fb::OpOptions::PoolOptions, o.Union()};
  }
  if (n.op == "Gemm" || n.op == "qinfer.DynamicMatMul") {  // the dynamic form: transB = 1 (dynamic_quant.cpp)
    const fb::Activation act = fused_activation(n, &lo, &hi);
    auto o = fb::CreateGemmOptions(b, n.get_float("alpha", 1.0f), n.get_float("beta", 1.0f), n.get_int("transA", 0) != 0,
                                   n.get_int("transB", 0) != 0, act, lo, hi);
    return {n.op == "Gemm" ? fb::OpCode::Gemm : fb::OpCode::DynamicQuantMatMul, fb::OpOptions::GemmOptions, o.Union()};
  }
  if (n.op == "Add") {
    const fb::Activation act = fused_activation(n, &lo, &hi);
    return {fb::OpCode::Add, fb::OpOptions::AddOptions, fb::CreateAddOptions(b, act, lo, hi).Union()};
  }
  if (n.op == "Clip")
    return {fb::OpCode::Clip, fb::OpOptions::ClipOptions,
            fb::CreateClipOptions(b, n.get_float("min", 0), n.get_float("max", 0)).Union()};
  if (n.op == "Relu") return {fb::OpCode::Relu};
  if (n.op == "GlobalAveragePool") return {fb::OpCode::GlobalAveragePool};
  if (n.op == "Flatten")
    return {fb::OpCode::Flatten, fb::OpOptions::FlattenOptions,
            fb::CreateFlattenOptions(b, static_cast<int32_t>(n.get_int("axis", 1))).Union()};
  if (const Lowered* l = lower_simple(n.op)) return *l;
  if (n.op == "HardSigmoid")
    return {fb::OpCode::HardSigmoid, fb::OpOptions::HardSigmoidOptions,
            fb::CreateHardSigmoidOptions(b, n.get_float("alpha", 0.2f), n.get_float("beta", 0.5f)).Union()};
  if (n.op == "HardSwish")  // ONNX HardSwish (opset 14) or passes::fuse_hardswish, with its folded affine
    return {fb::OpCode::HardSwish, fb::OpOptions::HardSwishOptions,
            fb::CreateHardSwishOptions(b, n.get_float("qinfer.post_mul", 1.0f), n.get_float("qinfer.post_add", 0.0f),
                                       n.get_float("qinfer.pre_mul", 1.0f), n.get_float("qinfer.pre_add", 0.0f)).Union()};
  if (n.op == "Cast") return {fb::OpCode::Cast, fb::OpOptions::CastOptions, fb::CreateCastOptions(b, cast_target(g, n)).Union()};
  if (n.op == "Softmax")
    return {fb::OpCode::Softmax, fb::OpOptions::SoftmaxOptions,
            fb::CreateSoftmaxOptions(b, static_cast<int32_t>(n.get_int("axis", -1)), n.get_int("qinfer.legacy_2d", 0) != 0).Union()};
  if (n.op == "ReduceMean") {
    auto o = fb::CreateReduceOptions(b, b.CreateVector(to_i32(n.get_ints("axes"))), n.get_int("keepdims", 1) != 0,
                                     n.get_int("noop_with_empty_axes", 0) != 0);
    return {fb::OpCode::ReduceMean, fb::OpOptions::ReduceOptions, o.Union()};
  }
  if (n.op == "Transpose")
    return {fb::OpCode::Transpose, fb::OpOptions::TransposeOptions,
            fb::CreateTransposeOptions(b, b.CreateVector(to_i32(n.get_ints("perm")))).Union()};
  if (n.op == "Reshape")
    return {fb::OpCode::Reshape, fb::OpOptions::ReshapeOptions, fb::CreateReshapeOptions(b, n.get_int("allowzero", 0) != 0).Union()};
  if (n.op == "Squeeze" || n.op == "Unsqueeze") {
    if (n.inputs.size() > 1 && !n.inputs[1].empty())
      throw Error(g.source + ": " + n.describe() + ": axes input '" + n.inputs[1] + "' must be a constant");
    return {n.op == "Squeeze" ? fb::OpCode::Squeeze : fb::OpCode::Unsqueeze, fb::OpOptions::AxesOptions,
            fb::CreateAxesOptions(b, b.CreateVector(to_i32(n.get_ints("axes")))).Union()};
  }
  if (n.op == "Concat" || n.op == "Gather")
    return {n.op == "Concat" ? fb::OpCode::Concat : fb::OpCode::Gather, fb::OpOptions::AxisOptions,
            fb::CreateAxisOptions(b, static_cast<int32_t>(n.get_int("axis", 0))).Union()};
  if (n.op == "Shape")
    return {fb::OpCode::Shape, fb::OpOptions::ShapeOptions,
            fb::CreateShapeOptions(b, static_cast<int32_t>(n.get_int("start", 0)),
                                   static_cast<int32_t>(std::min<int64_t>(n.get_int("end", INT32_MAX), INT32_MAX))).Union()};
  if (n.op == "ConstantOfShape") return lower_constant_of_shape(b, g, n);
  if (n.op == "ConvTranspose") return lower_conv_transpose(b, g, n);
  if (n.op == "AveragePool") {
    const std::vector<int64_t> kernel = n.get_ints("kernel_shape");
    const size_t r = spatial_rank(g, n, kernel.size(), "kernel_shape");
    const auto strides = per_axis_or_default(g, n, "strides", 1, r), dilations = per_axis_or_default(g, n, "dilations", 1, r);
    const auto pads = window_pads(g, n, kernel, strides, dilations);
    auto o = fb::CreatePoolOptions(b, b.CreateVector(to_i32(kernel)), b.CreateVector(to_i32(strides)),
                                   b.CreateVector(to_i32(pads)), b.CreateVector(to_i32(dilations)),
                                   n.get_int("ceil_mode", 0) != 0, n.get_int("count_include_pad", 0) != 0);
    return {fb::OpCode::AveragePool, fb::OpOptions::PoolOptions, o.Union()};
  }
  if (n.op == "Resize") return lower_resize(b, g, n);
  if (n.op == "LSTM" || n.op == "qinfer.DynamicLSTM") {
    const std::string dir = n.get_string("direction", "forward");
    const fb::LSTMDirection d = dir == "forward" ? fb::LSTMDirection::Forward
                                : dir == "reverse" ? fb::LSTMDirection::Reverse
                                : dir == "bidirectional" ? fb::LSTMDirection::Bidirectional
                                : throw Error(g.source + ": " + n.describe() + ": unknown direction '" + dir + "'");
    return {n.op == "LSTM" ? fb::OpCode::LSTM : fb::OpCode::DynamicQuantLSTM, fb::OpOptions::LSTMOptions,
            fb::CreateLSTMOptions(b, static_cast<int32_t>(n.get_int("hidden_size", 0)), d, n.get_float("clip", 0.0f),
                                  n.get_int("input_forget", 0) != 0).Union()};
  }
  if (n.op == "Pad") {  // after passes::normalize_pad_split: inputs (data, pads, value)
    const std::string mode = n.get_string("mode", "constant");
    const fb::PadMode m = mode == "constant" ? fb::PadMode::Constant
                          : mode == "reflect" ? fb::PadMode::Reflect
                          : mode == "edge"    ? fb::PadMode::Edge
                                              : throw Error(g.source + ": " + n.describe() + ": mode '" + mode + "' is not supported");
    return {fb::OpCode::Pad, fb::OpOptions::PadOptions, fb::CreatePadOptions(b, m).Union()};
  }
  if (n.op == "Split")  // num_outputs (opset 18) without sizes: ceil-sized parts, the last one smaller
    return {fb::OpCode::Split, fb::OpOptions::SplitOptions,
            fb::CreateSplitOptions(b, static_cast<int32_t>(n.get_int("axis", 0)), n.has("num_outputs")).Union()};
  if (n.op == "qinfer.Quantize") return {fb::OpCode::Quantize};
  if (n.op == "qinfer.Dequantize") return {fb::OpCode::Dequantize};
  throw Error(g.source + ": " + n.describe() + ": op '" + n.op + "' cannot be written to qbin by this version");
}

}  // namespace

// Explicit pads [begin..., end...] (2-D: top, left, bottom, right) from ONNX pads/auto_pad.
std::vector<int64_t> window_pads(const ir::Graph& g, const ir::Node& n, const std::vector<int64_t>& kernel,
                                 const std::vector<int64_t>& strides, const std::vector<int64_t>& dilations) {
  const size_t r = kernel.size();
  const std::string auto_pad = n.get_string("auto_pad", "NOTSET");
  if (auto_pad == "NOTSET") {
    std::vector<int64_t> pads = n.get_ints("pads");
    if (pads.empty()) pads.assign(2 * r, 0);
    if (pads.size() != 2 * r)
      throw Error(g.source + ": " + n.describe() + ": pads must have " + std::to_string(2 * r) + " values for a " +
                  std::to_string(r) + "-D window");
    return pads;
  }
  if (auto_pad == "VALID") return std::vector<int64_t>(2 * r, 0);
  if (auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER")
    throw Error(g.source + ": " + n.describe() + ": unknown auto_pad '" + auto_pad + "'");
  const ir::Value& x = g.value(n.inputs[0]);
  const auto known = [&] {
    if (!x.shape_known || x.dims.size() != r + 2) return false;
    for (size_t a = 0; a < r; ++a)
      if (x.dims[2 + a] < 0) return false;
    return true;
  };
  if (!known()) throw Error(g.source + ": " + n.describe() + ": auto_pad " + auto_pad + " needs known spatial input dims");
  std::vector<int64_t> pads(2 * r);
  for (size_t a = 0; a < r; ++a) {
    const int64_t in = x.dims[2 + a], out = (in + strides[a] - 1) / strides[a];
    const int64_t total = std::max<int64_t>(0, (out - 1) * strides[a] + (kernel[a] - 1) * dilations[a] + 1 - in);
    const int64_t small = total / 2, large = total - small;
    pads[a] = auto_pad == "SAME_UPPER" ? small : large;
    pads[a + r] = auto_pad == "SAME_UPPER" ? large : small;
  }
  return pads;
}

std::vector<uint8_t> write_qbin(const ir::Graph& g, const std::map<std::string, std::string>& metadata) {
  FlatBufferBuilder b(1 << 20);
  // Tensors: every value the graph refers to, in first-use order.
  std::map<std::string, int32_t> index;
  std::vector<const ir::Value*> order;
  auto add = [&](const std::string& name) {
    if (name.empty() || index.count(name)) return;
    index[name] = static_cast<int32_t>(order.size());
    order.push_back(&g.value(name));
  };
  for (const auto& in : g.inputs) add(in);
  for (const auto& n : g.nodes) {
    for (const auto& in : n.inputs) add(in);
    for (const auto& out : n.outputs) add(out);
  }
  for (const auto& out : g.outputs) add(out);

  std::vector<Offset<fb::Buffer>> buffers{fb::CreateBuffer(b)};  // buffer 0: empty
  std::vector<Offset<fb::Tensor>> tensors;
  int unknown_dims = 0;
  for (const ir::Value* v : order) {
    uint32_t buffer = 0;
    if (v->constant) {
      b.ForceVectorAlignment(v->constant->byte_size(), 1, 64);
      auto data = b.CreateVector(static_cast<const uint8_t*>(v->constant->raw_data()), v->constant->byte_size());
      buffer = static_cast<uint32_t>(buffers.size());
      buffers.push_back(fb::CreateBuffer(b, data));
    }
    std::vector<Offset<fb::Dim>> dims;
    const std::vector<int64_t>& shape = v->constant ? v->constant->shape() : v->dims;
    if (v->constant || v->shape_known)
      for (size_t d = 0; d < shape.size(); ++d) {
        if (shape[d] >= 0) {
          dims.push_back(fb::CreateDim(b, shape[d]));
        } else {
          const std::string sym = d < v->dim_names.size() && !v->dim_names[d].empty()
                                      ? v->dim_names[d]
                                      : "?" + std::to_string(unknown_dims++);
          dims.push_back(fb::CreateDim(b, -1, b.CreateString(sym)));
        }
      }
    Offset<fb::Quantization> quant;
    if (!v->quant.empty())
    {
      const bool symmetric = std::all_of(v->quant.zero_point.begin(), v->quant.zero_point.end(), [](int32_t z) { return z == 0; });
      const auto zero_points = symmetric ? b.CreateVector(std::vector<int32_t>{}) : b.CreateVector(v->quant.zero_point);
      quant = fb::CreateQuantization(b, b.CreateVector(v->quant.scale), zero_points, v->quant.axis);
    }
    auto name = b.CreateString(v->name);
    auto dim_vec = b.CreateVector(dims);
    tensors.push_back(fb::CreateTensor(b, name, static_cast<fb::DType>(v->dtype), dim_vec,
                                       v->layout == ir::Layout::NHWC ? fb::Layout::NHWC : fb::Layout::Plain, quant,
                                       buffer));
  }

  auto indices = [&](const std::vector<std::string>& names) {
    std::vector<int32_t> out;
    for (const auto& nm : names) out.push_back(nm.empty() ? -1 : index.at(nm));
    while (!out.empty() && out.back() == -1) out.pop_back();  // trailing absent optionals
    return out;
  };
  std::vector<Offset<fb::Node>> nodes;
  for (const ir::Node& n : g.nodes) {
    const Lowered l = lower(b, g, n);
    std::vector<std::string> outs = n.outputs;
    while (outs.size() > 1 && outs.back().empty()) outs.pop_back();
    auto name = b.CreateString(n.name);
    auto ins = b.CreateVector(indices(n.inputs));
    auto outv = b.CreateVector(indices(outs));
    nodes.push_back(fb::CreateNode(b, name, l.op, 1, ins, outv, l.options_type, l.options));
  }
  std::vector<Offset<fb::KeyValue>> meta;
  for (const auto& [k, v] : metadata) meta.push_back(fb::CreateKeyValue(b, b.CreateString(k), b.CreateString(v)));
  auto model = fb::CreateModel(b, 1, b.CreateString(std::string("qconv ") + version_string()), b.CreateVector(tensors),
                               b.CreateVector(buffers), b.CreateVector(nodes), b.CreateVector(indices(g.inputs)),
                               b.CreateVector(indices(g.outputs)), b.CreateVector(meta));
  fb::FinishSizePrefixedModelBuffer(b, model);
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

}  // namespace qinfer
