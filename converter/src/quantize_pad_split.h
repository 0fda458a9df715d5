// Whether a Pad or Split node can run on uint8 data as an exact copy (its outputs keep the input's
// quantization; runtime/src/kernels/pad.cpp and split.cpp take NHWC and Plain uint8).
#pragma once

#include "ir.h"

namespace qinfer {

// Pad: pads constant, constant value absent or 0 (real 0 is exactly the zero point); Split:
// sizes absent or constant. The data and every output have known, equal ranks (so that they
// get the same layout).
bool can_quantize_pad_split(const ir::Graph& g, const ir::Node& n);

}  // namespace qinfer
