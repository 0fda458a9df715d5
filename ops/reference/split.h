// Reference Split: the inverse of Concat. Elements are opaque bytes of `elem` size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qinfer::ref {

// x viewed as [outer, sum(chunk)] blocks; output j receives chunk[j] elements (its size along the
// axis times the inner size) per outer index.
void split(int64_t outer, const std::vector<int64_t>& chunk, const void* x, const std::vector<void*>& outputs,
           size_t elem);

}  // namespace qinfer::ref
