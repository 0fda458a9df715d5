// Shapes of broadcasting binary ops whose uint8 data may be stored NHWC (Add, Mul; fp32 ops pass
// Plain): broadcasting works on logical shapes, the loops on memory-order ones.
#pragma once

#include "broadcast.h"
#include "kernels/node_check.h"

namespace qinfer {

// Memory-order shape of a logical N,C,H,W shape stored NHWC (other layouts: unchanged).
inline Shape physical_shape(const Shape& logical, fb::Layout layout) {
  if (layout != fb::Layout::NHWC) return logical;
  return {logical[0], logical[2], logical[3], logical[1]};
}

// The broadcast of a and b; NHWC inputs must both have rank 4.
inline Shape binary_output_shape(const NodeCheck& check, const Shape& a, const Shape& b, fb::Layout layout) {
  Shape out;
  if (!broadcast_shapes(a, b, &out)) check.fail("shapes " + shape_string(a) + " and " + shape_string(b) + " do not broadcast");
  if (layout == fb::Layout::NHWC && (a.size() != 4 || b.size() != 4))
    check.fail("NHWC inputs must both have rank 4, got " + shape_string(a) + " and " + shape_string(b));
  return out;
}

}  // namespace qinfer
