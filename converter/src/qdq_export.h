// Writes a quantized IR graph as a QDQ ONNX model: every int8 activation becomes a
// QuantizeLinear/DequantizeLinear pair with exactly qinfer's scale and zero point, int8 weights
// and int32 biases become initializers behind DequantizeLinear (per output channel, axis 0).
// ONNX Runtime recognises these patterns and runs its own int8 kernels, so its speed and output
// can be compared with qinfer's on identical quantization.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir.h"

namespace qinfer {

// Serialized ModelProto bytes (opset max(13, the source opset)). Throws Error naming a node it
// cannot express.
std::string export_qdq(const ir::Graph& quantized);

}  // namespace qinfer
