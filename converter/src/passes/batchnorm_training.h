// Training-mode BatchNormalization (ONNX 14+, training_mode = 1) as existing ops.
#pragma once

#include <cstddef>

#include "ir.h"

namespace qinfer::passes {

// Replaces node `index` (parameters constant, input rank known) by its ONNX definition from the
// batch's own statistics over every axis but 1 (the variance biased, as numpy's var):
//   m = mean(x), v = mean((x - m)^2), y = s * (x - m) / sqrt(v + eps) + b,
//   running_mean = mean * momentum + m * (1 - momentum), running_var likewise from var and v.
void decompose_training_batchnorm(ir::Graph& g, size_t index);

}  // namespace qinfer::passes
