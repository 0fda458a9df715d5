// qconv --dynamic (docs/quantization.md, "Dynamic quantization"): weights int8 offline
// (symmetric, per output channel), activations quantized per row at run time. No calibration.
//   MatMul with a constant 2-D B, Gemm (transA = 0, constant B, C absent or a constant that is
//   one value per output column or a scalar) -> qinfer.DynamicMatMul (A, B int8 [N, K], b_scale [N],
//   bias [N]); a MatMul's sole consumer Add of a constant [N] bias is folded in.
//   LSTM -> qinfer.DynamicLSTM (W, R int8 per gate row, W_scale / R_scale [D, 4H] as inputs 7, 8).
// Everything else stays fp32.
#pragma once

#include "ir.h"

namespace qinfer {

struct DynamicQuantStats {
  int matmul = 0, gemm = 0, lstm = 0, bias_adds_folded = 0;
};

DynamicQuantStats quantize_dynamic(ir::Graph& g);

}  // namespace qinfer
