// The quantization plan: decides which nodes run in int8, gives every int8 activation its
// uint8 scale/zero point from the calibrated ranges, quantizes weights (int8, symmetric, per
// output channel) and biases (int32), and inserts Quantize/Dequantize where int8 and fp32 meet.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "calibration.h"
#include "ir.h"

namespace qinfer {

struct QuantizeReport {
  int int8_nodes = 0;
  int fp32_nodes = 0;
  std::vector<std::string> int8_names;  // the int8 nodes, in graph order
  // QuantizeScheme::input_int16: the model inputs quantized to int16, and the Convs reading them.
  std::vector<std::string> int16_inputs, int16_convs;
};

// `ranges`: the calibrated range of every float tensor (see choose_ranges).
// `keep_fp32` (mixed precision): nodes it returns true for stay fp32 even when they have an
// int8 kernel; Quantize/Dequantize then surround them like any other fp32 node.
// `fixed` (may be null; import_qdq.h): quantization a pre-quantized (QDQ) source model fixed; its
// activation parameters, int8 weights and int32 biases are used as they are instead of being derived.
struct FixedQuant;
// The user's choices of quantization scheme (qconv --per-tensor, --symmetric, --reduce-range).
struct QuantizeScheme {
  bool per_tensor_weights = false;     // one weight scale per tensor instead of per output channel
  bool symmetric_activations = false;  // activation ranges made symmetric around 0 (zero point 128)
  bool reduce_range = false;           // 7-bit weights in [-63, 63]
  // W8A16 input layer (qconv --input-int16): a float model input whose consumers are all int8 Convs
  // is quantized to symmetric int16 (zero point 0, scale max(|lo|, |hi|) / 32767 of its range) and
  // those Convs read it as int16 (int8 weights, uint8 output). Error if no input qualifies.
  bool input_int16 = false;
};
// Int8 weights chosen by another rounding than nearest (weight_rounding.h): canonical like
// canonical_weight, with their per output channel scales.
struct RoundedWeight {
  Tensor q;
  std::vector<float> scales;
};
// `rounded` (may be null): such weights keyed by node name. Used unless a scale is below the
// layer's bias_scale_floor (then the layer is rounded to nearest as usual).
QuantizeReport quantize_graph(ir::Graph& g, const std::map<std::string, ClipRange>& ranges,
                              const std::function<bool(const ir::Node&)>& keep_fp32 = {},
                              const FixedQuant* fixed = nullptr, const QuantizeScheme& scheme = {},
                              const std::map<std::string, RoundedWeight>* rounded = nullptr);

// The weight of a Conv ([O, I/group, kh, kw]) or Gemm in the quantizer's canonical form ([N, K],
// alpha folded in), as float.
Tensor canonical_weight(const ir::Graph& g, const ir::Node& n);
// Per output channel weight scales of a canonical weight `w`; min_scale[o] (may be empty) bounds
// a channel's scale from below.
std::vector<float> weight_scales(const Tensor& w, const std::vector<float>& min_scale, const QuantizeScheme& scheme);
// The largest int8 weight magnitude of `scheme` (127, or 63 with reduce_range).
int32_t weight_max(const QuantizeScheme& scheme);

}  // namespace qinfer
