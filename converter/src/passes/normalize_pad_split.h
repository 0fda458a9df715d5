// Pad and Split in one form per op (called by normalize_ops): opset-2..10 Pad attributes and
// opset-2..12 Split's "split" attribute become constant inputs, as in the later opsets.
#pragma once

#include "ir.h"

namespace qinfer::passes {

void normalize_pad_split(ir::Graph& g, ir::Node& n);

}  // namespace qinfer::passes
