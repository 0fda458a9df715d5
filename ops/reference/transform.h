// Reference data movement: Transpose, Concat, Slice, Gather. Elements are opaque bytes of
// `elem` size, so one implementation serves every dtype.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qinfer::ref {

// y = x with dims permuted: y.shape[i] = x.shape[perm[i]].
void transpose(const std::vector<int64_t>& x_shape, const std::vector<int64_t>& perm, size_t elem, const void* x,
               void* y);

// Concatenation viewed as [outer, axis_i * inner] blocks: input i contributes chunk[i] =
// dims[axis] * inner elements per outer index.
void concat(int64_t outer, const std::vector<int64_t>& chunk, const std::vector<const void*>& inputs, size_t elem,
            void* y);

// y[i0, i1, ...] = x[start[0] + i0 * step[0], start[1] + i1 * step[1], ...] for y of shape
// y_shape; starts and steps are already clamped (every read is in range).
void slice(const std::vector<int64_t>& x_shape, const std::vector<int64_t>& start, const std::vector<int64_t>& step,
           const std::vector<int64_t>& y_shape, size_t elem, const void* x, void* y);

// x viewed as [outer, axis_dim, inner]; y = [outer, count, inner] with y[o, j, :] = x[o, idx[j], :].
// Negative indices count from the end; indices outside [-axis_dim, axis_dim) give zeros.
void gather(int64_t outer, int64_t axis_dim, int64_t inner, const int64_t* indices, int64_t count, size_t elem,
            const void* x, void* y);

}  // namespace qinfer::ref
