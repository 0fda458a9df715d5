// Reference Pad (ONNX Pad, modes constant / reflect / edge). Elements are opaque bytes of `elem`
// size, so one implementation serves every dtype.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qinfer::ref {

enum class PadMode { Constant, Reflect, Edge };

constexpr size_t kPadMaxRank = 8;  // pad() keeps its position on the stack: it never allocates

// Source index along one axis of size `dim` for output position `o`, or -1 for the constant.
// begin/end: elements added before/after (negative: removed). Negative pads crop first; Reflect
// and Edge then extend the cropped extent, which the caller guarantees is non-empty when that
// axis grows in those modes. Reflect mirrors without repeating the edge element and keeps
// mirroring for pads longer than the extent (as numpy's "reflect").
int64_t pad_source_index(int64_t o, int64_t begin, int64_t end, int64_t dim, PadMode mode);

// y = x padded: y.shape[d] = x.shape[d] + begins[d] + ends[d] (every one >= 0), rank at most
// kPadMaxRank. `value` points at one element of the constant (used in Constant mode).
void pad(const std::vector<int64_t>& x_shape, const std::vector<int64_t>& begins, const std::vector<int64_t>& ends,
         PadMode mode, const void* value, size_t elem, const void* x, void* y);

}  // namespace qinfer::ref
