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
// BatchNormalization directly after a Conv is folded into the Conv's weights and bias.
void fold_batchnorm(ir::Graph& g);
// Relu or Clip after Conv, Gemm or Add (sole consumer) is fused into the producer as
// attributes "qinfer.activation" ("Relu"/"Clip"), "qinfer.clip_min", "qinfer.clip_max".
void fuse_activations(ir::Graph& g);

// All of the above, in order.
void run_default_passes(ir::Graph& g);

}  // namespace qinfer::passes
