// Graph rewrites run on the fp32 IR before calibration. Each keeps the graph's meaning and
// throws Error naming the node when it meets something it cannot handle.
#pragma once

#include "ir.h"

namespace qinfer::passes {

// Constant nodes become constant values.
void fold_constant_nodes(ir::Graph& g);
// Identity and inference-mode Dropout disappear (consumers read the input directly).
void remove_identities(ir::Graph& g);
// Clip's min/max (inputs since opset 11, attributes before) become float attributes "min"/"max".
void normalize_clip(ir::Graph& g);
// Opset differences settled into one form per op: Slice attributes become inputs, Squeeze/
// Unsqueeze/ReduceMean axes inputs become attributes, Upsample and every Resize version become
// Resize(x, scales, sizes), Softmax gets an explicit axis and "qinfer.legacy_2d", absent
// outputs followed by present ones get names. Unsupported variants throw naming the node.
void normalize_ops(ir::Graph& g);
// Nodes whose inputs are all constants, and Shape nodes of fully known shapes, become
// constants (evaluated by the runtime's kernels).
void fold_computable_values(ir::Graph& g);
// BatchNormalization directly after a Conv is folded into the Conv's weights and bias; any
// other becomes Mul + Add by per-channel constants.
void fold_batchnorm(ir::Graph& g);
// Relu or Clip after Conv, Gemm or Add (sole consumer) is fused into the producer as
// attributes "qinfer.activation" ("Relu"/"Clip"), "qinfer.clip_min", "qinfer.clip_max".
void fuse_activations(ir::Graph& g);

// All of the above, in order.
void run_default_passes(ir::Graph& g);

}  // namespace qinfer::passes
