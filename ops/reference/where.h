// Reference Where: y = condition ? a : b, numpy broadcasting of all three operands. Elements of
// a, b and y are opaque bytes of `elem` size; a condition byte is true when non-zero.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qinfer::ref {

void where(const std::vector<int64_t>& c_shape, const uint8_t* c, const std::vector<int64_t>& a_shape, const void* a,
           const std::vector<int64_t>& b_shape, const void* b, const std::vector<int64_t>& y_shape, size_t elem,
           void* y);

}  // namespace qinfer::ref
