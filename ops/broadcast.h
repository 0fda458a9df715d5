// Numpy-style (multidirectional) broadcasting of an operand onto an output shape.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qinfer {

// Broadcast shape of a and b, or an empty optional-like flag when incompatible.
bool broadcast_shapes(const std::vector<int64_t>& a, const std::vector<int64_t>& b, std::vector<int64_t>* out);

// Element strides of `in` viewed with the rank of `out`: 0 where `in` is broadcast.
std::vector<int64_t> broadcast_strides(const std::vector<int64_t>& in, const std::vector<int64_t>& out);

// Visits every element of `out` in row-major order with the matching offsets into a and b.
template <typename Visit>
void for_each_broadcast(const std::vector<int64_t>& out, const std::vector<int64_t>& stride_a,
                        const std::vector<int64_t>& stride_b, Visit visit) {
  const size_t rank = out.size();
  int64_t total = 1;
  for (int64_t d : out) total *= d;
  std::vector<int64_t> idx(rank, 0);
  int64_t off_a = 0, off_b = 0;
  for (int64_t i = 0; i < total; ++i) {
    visit(i, off_a, off_b);
    for (size_t d = rank; d-- > 0;) {  // odometer increment, innermost axis first
      if (++idx[d] < out[d]) {
        off_a += stride_a[d];
        off_b += stride_b[d];
        break;
      }
      off_a -= stride_a[d] * (out[d] - 1);
      off_b -= stride_b[d] * (out[d] - 1);
      idx[d] = 0;
    }
  }
}

}  // namespace qinfer
