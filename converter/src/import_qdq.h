// Import of pre-quantized ONNX graphs (QDQ format: QuantizeLinear/DequantizeLinear pairs, as QAT,
// ONNX Runtime's quantize_static or qconv --emit-qdq write them).
//
// import_qdq rewrites the graph into the plain fp32 graph the rest of the converter knows, and
// returns the quantization the source fixed:
// - DequantizeLinear of a constant (int8 weights, int32 biases) becomes the dequantized float
//   constant; its integers and scales are kept in FixedQuant::weights / ::biases, so that the
//   quantizer uses exactly them when the float constant is still the one it came from.
// - QuantizeLinear(a) -> DequantizeLinear pairs on activations disappear (consumers read a) and a's
//   per-tensor parameters are recorded in FixedQuant::activations, as uint8 (an int8 source is
//   shifted: zero point + 128, the same real values, exact).
// - QuantizeLinear / DequantizeLinear left standing alone (model inputs or outputs in uint8) become
//   qinfer.Quantize / qinfer.Dequantize; variants without a kernel throw an Error naming the node.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "calibration.h"
#include "ir.h"

namespace qinfer {

struct FixedWeight {
  Tensor q;                  // int8, the shape of the float constant
  std::vector<float> scale;  // one per slice along `axis`, or one
  int axis = 0;
};

struct FixedBias {
  Tensor q;                  // int32
  std::vector<float> scale;  // one per element, or one
};

struct FixedQuant {
  std::map<std::string, ir::Quant> activations;  // float tensor -> uint8 per-tensor parameters
  std::map<std::string, FixedWeight> weights;    // float constant -> its int8 source
  std::map<std::string, FixedBias> biases;       // float constant -> its int32 source
  bool empty() const { return activations.empty() && weights.empty() && biases.empty(); }
};

FixedQuant import_qdq(ir::Graph& g);

// Ranges under which quantize_graph treats every fixed activation as calibrated (the uint8 grid's
// ends); merged over calibrated ranges when both exist.
std::map<std::string, ClipRange> fixed_ranges(const FixedQuant& fixed);

// For the quantizer: the source's int8 weights of Conv/Gemm node `n` in qinfer's canonical order
// (Conv OIHW, Gemm [N, K] with alpha folded into the scales) and one scale per output channel,
// when the node's float weight is still exactly the dequantized source and the source is per
// tensor or per output channel. False otherwise (the quantizer then quantizes the float weight).
bool fixed_weights(const FixedQuant& fixed, const ir::Graph& g, const ir::Node& n, Tensor* q, std::vector<float>* scales);
// The source's int32 bias of `n` when its scales are exactly s_x * s_w[c] (what the kernels use).
bool fixed_bias(const FixedQuant& fixed, const ir::Graph& g, const ir::Node& n, float s_x, const std::vector<float>& s_w,
                Tensor* q);

}  // namespace qinfer
