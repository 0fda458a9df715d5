// The quantization plan: decides which nodes run in int8, gives every int8 activation its
// uint8 scale/zero point from the calibrated ranges, quantizes weights (int8, symmetric, per
// output channel) and biases (int32), and inserts Quantize/Dequantize where int8 and fp32 meet.
#pragma once

#include <map>
#include <string>

#include "calibration.h"
#include "ir.h"

namespace qinfer {

struct QuantizeReport {
  int int8_nodes = 0;
  int fp32_nodes = 0;
};

// `ranges`: the calibrated range of every float tensor (see choose_ranges).
QuantizeReport quantize_graph(ir::Graph& g, const std::map<std::string, ClipRange>& ranges);

}  // namespace qinfer
