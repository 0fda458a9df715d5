// Plan-time fusion of a residual int8 Add into the Conv that produces one of its operands
// (DESIGN.md: "the residual add fused into the GEMM epilogue"). Runs when a Runtime is created,
// on any qbin (no schema change): the qbin keeps the unfused graph, which is what the converter's
// observers, the error report and QDQ export see.
//
// A Conv c and an Add a fuse when: the Add is uint8 NHWC per-tensor on both inputs and its output;
// one operand t is output 0 of c, a group-1 uint8 Conv; t has no other consumer and is not a graph
// output; the other operand r has the same static shape (no broadcasting). The fused node replaces
// the Add at the Add's position (every input of c is ready there), with inputs {x, w, bias or -1,
// r}, output the Add's output, and NodeDesc::fused_add describing the Add. Its result is
// bit-identical: the Conv computes t's bytes exactly as before, then the Add's own arithmetic
// (qmath::add) with r gives the output bytes (kernels/conv.cpp). When both operands qualify, the
// later Conv fuses (shorter liveness of the moved inputs).
#pragma once

#include <vector>

#include "model.h"

namespace qinfer {

// The model's nodes with every fusable Conv -> Add pair replaced by one fused Conv node.
std::vector<NodeDesc> fuse_residual_adds(const Model& model);

// False when QINFER_FUSE=0 (to compare with the unfused graph).
bool residual_fusion_enabled();

}  // namespace qinfer
