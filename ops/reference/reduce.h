// Reference reductions: Softmax and ReduceMean (float32).
#pragma once

#include <cstdint>
#include <vector>

namespace qinfer::ref {

// x viewed as [outer, n, inner]: softmax over the n axis (max-subtracted, so no overflow).
void softmax_f32(int64_t outer, int64_t n, int64_t inner, const float* x, float* y);

// Mean over the dims where reduce[d] is true; y has x's element order with those dims removed
// (or kept as 1, which is the same memory). Accumulates in double.
void reduce_mean_f32(const std::vector<int64_t>& x_shape, const std::vector<bool>& reduce, const float* x, float* y);

}  // namespace qinfer::ref
