// Validation helpers used when kernels are created: each failure names the model, the node and
// the rule.
#pragma once

#include <limits>
#include <string>

#include "kernels/kernel.h"
#include "qinfer/error.h"
#include "quant_math.h"

namespace qinfer {

class NodeCheck {
 public:
  NodeCheck(const Model& model, const NodeDesc& node) : model_(model), node_(node) {}

  [[noreturn]] void fail(const std::string& rule) const {
    throw Error(model_.source() + ": " + model_.describe(node_) + ": " + rule);
  }
  const NodeDesc& node() const { return node_; }

  void expect_version(int max_version) const {
    if (node_.version < 1 || node_.version > max_version)
      fail("op version " + std::to_string(node_.version) + " is not supported (this build knows 1.." +
           std::to_string(max_version) + ")");
  }
  void expect_arity(size_t min_inputs, size_t max_inputs, size_t outputs) const {
    if (node_.inputs.size() < min_inputs || node_.inputs.size() > max_inputs)
      fail("has " + std::to_string(node_.inputs.size()) + " inputs, expected " + std::to_string(min_inputs) +
           (min_inputs == max_inputs ? "" : ".." + std::to_string(max_inputs)));
    for (size_t i = 0; i < min_inputs; ++i)
      if (node_.inputs[i] < 0) fail("required input " + std::to_string(i) + " is absent");
    if (node_.outputs.size() != outputs)
      fail("has " + std::to_string(node_.outputs.size()) + " outputs, expected " + std::to_string(outputs));
  }
  bool has_input(size_t i) const { return i < node_.inputs.size() && node_.inputs[i] >= 0; }
  const TensorDesc& input(size_t i) const { return model_.tensors()[node_.inputs.at(i)]; }
  const TensorDesc& output(size_t i) const { return model_.tensors()[node_.outputs.at(i)]; }

  void expect_dtype(const TensorDesc& t, DType dtype, const char* role) const {
    if (t.dtype != dtype)
      fail(std::string(role) + " '" + t.name + "' is " + dtype_name(t.dtype) + ", expected " + dtype_name(dtype));
  }
  void expect_layout(const TensorDesc& t, fb::Layout layout, const char* role) const {
    if (t.layout != layout)
      fail(std::string(role) + " '" + t.name + "' has layout " + fb::EnumNameLayout(t.layout) + ", expected " +
           fb::EnumNameLayout(layout));
  }
  void expect_constant(const TensorDesc& t, const char* role) const {
    if (!t.is_constant()) fail(std::string(role) + " '" + t.name + "' must be a constant");
  }
  // Per-tensor quantization with the given zero-point rule.
  void expect_per_tensor(const TensorDesc& t, const char* role) const {
    if (t.quant.scale.size() != 1)
      fail(std::string(role) + " '" + t.name + "' needs per-tensor quantization, has " +
           std::to_string(t.quant.scale.size()) + " scales");
  }

  template <typename Options>
  const Options* options(const char* kind) const {
    const Options* o = node_.fb->options_as<Options>();
    if (!o) fail(std::string("options are missing or not ") + kind);
    return o;
  }

  // The optional constant bias at input `index`: [channels] of `dtype`, or nullptr when absent.
  template <typename T>
  const T* optional_bias(size_t index, DType dtype, int64_t channels) const {
    if (!has_input(index)) return nullptr;
    const TensorDesc& b = input(index);
    expect_constant(b, "bias");
    expect_dtype(b, dtype, "bias");
    if (b.dims != std::vector<int64_t>{channels}) fail("bias '" + b.name + "' must have shape [" + std::to_string(channels) + "]");
    return reinterpret_cast<const T*>(b.constant);
  }

  // Reads an int vector option of exactly `n` values, each >= min_value (default if absent).
  std::vector<int64_t> ints(const flatbuffers::Vector<int32_t>* v, size_t n, int64_t min_value, int64_t fallback,
                            const char* what) const {
    if (!v || v->size() == 0) return std::vector<int64_t>(n, fallback);
    if (v->size() != n) fail(std::string(what) + " has " + std::to_string(v->size()) + " values, expected " + std::to_string(n));
    std::vector<int64_t> out;
    for (int32_t x : *v) {
      if (x < min_value) fail(std::string(what) + " value " + std::to_string(x) + " must be >= " + std::to_string(min_value));
      out.push_back(x);
    }
    return out;
  }

 private:
  const Model& model_;
  const NodeDesc& node_;
};

// A fused activation as a real-valued clamp [lo, hi].
struct FloatClamp {
  float lo = -std::numeric_limits<float>::infinity();
  float hi = std::numeric_limits<float>::infinity();
};
inline FloatClamp fused_clamp(const NodeCheck& check, fb::Activation act, float clip_min, float clip_max) {
  switch (act) {
    case fb::Activation::None: return {};
    case fb::Activation::Relu: return {0.0f, std::numeric_limits<float>::infinity()};
    case fb::Activation::Clip:
      if (!(clip_min <= clip_max)) check.fail("fused clip has min " + std::to_string(clip_min) + " > max " + std::to_string(clip_max));
      return {clip_min, clip_max};
  }
  check.fail("unknown fused activation " + std::to_string(int(act)));
}

// The clamp on an 8-bit output's integer grid.
inline qmath::QRange quantized_clamp(const TensorDesc& out, const FloatClamp& c) {
  const qmath::QRange type = out.dtype == DType::UInt8 ? qmath::uint8_range() : qmath::int8_range();
  return qmath::clamp_range(c.lo, c.hi, out.quant.scale[0], out.quant.zero_point[0], type);
}

}  // namespace qinfer
