// Which of the table, data-movement and elementwise ops run in int8 (the part of the quantizer's
// can_quantize for HardSwish, HardSigmoid, Sigmoid, Tanh, Mul, Resize and Concat).
#pragma once

#include "ir.h"

namespace qinfer {

// Whether `n` (one of the ops above) has an int8 kernel for its shapes and constants. The caller
// has already checked that its activations are float32 with calibrated ranges.
bool can_quantize_int8_op(const ir::Graph& g, const ir::Node& n);

// Weights and bias of an int8 ConvTranspose (its input already has its uint8 twin): the fp32
// weight [C_in, C_out, KH, KW] becomes int8 [C_out, C_in, KH, KW] stored OHWI (NHWC layout, as
// for Conv), symmetric per output channel; the bias int32 with scale s_x * s_w[c].
void quantize_conv_transpose_weights(ir::Graph& g, ir::Node& n);

// Ops whose int8 output shares the input's quantization among those above (Resize nearest).
bool int8_op_passes_quantization_through(const std::string& op);

}  // namespace qinfer
