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
// LSTM layout 1 becomes Transposes around a layout-0 LSTM; a constant full-length sequence_lens
// is dropped (normalize_lstm.cpp).
void normalize_lstm(ir::Graph& g);
// Opset differences settled into one form per op: Slice attributes become inputs, Squeeze/
// Unsqueeze/ReduceMean axes inputs become attributes, Upsample and every Resize version become
// Resize(x, scales, sizes), Softmax gets an explicit axis and "qinfer.legacy_2d", Pad-2's pads/
// value and Split's "split" attribute become inputs (normalize_pad_split.h), absent outputs
// followed by present ones get names. Unsupported variants throw naming the node.
void normalize_ops(ir::Graph& g);
// Conv/ConvTranspose/MaxPool/AveragePool on [N, C, W] become Unsqueeze -> 2-D op (H = 1) -> Squeeze.
void lift_1d_windows(ir::Graph& g);
// Nodes whose inputs are all constants, and Shape nodes of fully known shapes, become
// constants (evaluated by the runtime's kernels).
void fold_computable_values(ir::Graph& g);
// BatchNormalization directly after a Conv is folded into the Conv's weights and bias; any
// other becomes Mul + Add by per-channel constants; training mode (training_mode = 1) becomes its
// batch-statistics definition (batchnorm_training.h).
void fold_batchnorm(ir::Graph& g);
// Relu or Clip after Conv, Gemm or Add (sole consumer) is fused into the producer as
// attributes "qinfer.activation" ("Relu"/"Clip"), "qinfer.clip_min", "qinfer.clip_max".
void fuse_activations(ir::Graph& g);

// Conv (any group) or ConvTranspose (group 1) followed by Mul, Add or Sub by constants (scalar or
// one value per output channel, shaped [C, 1, 1]) become one node with new weights and bias.
void fold_conv_affine(ir::Graph& g);
// x * Clip(x + 3, 0, 6) / 6 and x * HardSigmoid(x; 1/6, 0.5) become one HardSwish node, which
// absorbs a following Mul and/or Add by scalar constants ("qinfer.post_mul", "qinfer.post_add")
// and a preceding one that feeds only the pattern ("qinfer.pre_mul", "qinfer.pre_add"). It runs
// before fold_conv_affine: in int8 the HardSwish table then reads the Conv's own grid (PP-OCRv4 det
// text-map IoU vs fp32 0.944 this way, 0.928 with the affine folded into the Conv instead).
void fuse_hardswish(ir::Graph& g);

// All of the above, in order.
void run_default_passes(ir::Graph& g);

}  // namespace qinfer::passes
