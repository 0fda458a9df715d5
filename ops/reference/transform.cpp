#include "reference/transform.h"

#include <cstring>

namespace qinfer::ref {

void transpose(const std::vector<int64_t>& x_shape, const std::vector<int64_t>& perm, size_t elem, const void* x,
               void* y) {
  const size_t rank = x_shape.size();
  std::vector<int64_t> x_strides(rank, 1), y_shape(rank), src_stride(rank);
  for (size_t d = rank; d-- > 1;) x_strides[d - 1] = x_strides[d] * x_shape[d];
  int64_t total = 1;
  for (size_t d = 0; d < rank; ++d) {
    y_shape[d] = x_shape[perm[d]];
    src_stride[d] = x_strides[perm[d]];
    total *= y_shape[d];
  }
  const auto* src = static_cast<const uint8_t*>(x);
  auto* dst = static_cast<uint8_t*>(y);
  std::vector<int64_t> idx(rank, 0);
  int64_t off = 0;
  for (int64_t i = 0; i < total; ++i) {
    std::memcpy(dst + i * elem, src + off * elem, elem);
    for (size_t d = rank; d-- > 0;) {  // odometer over y, tracking the source offset
      if (++idx[d] < y_shape[d]) {
        off += src_stride[d];
        break;
      }
      off -= src_stride[d] * (y_shape[d] - 1);
      idx[d] = 0;
    }
  }
}

void concat(int64_t outer, const std::vector<int64_t>& chunk, const std::vector<const void*>& inputs, size_t elem,
            void* y) {
  auto* dst = static_cast<uint8_t*>(y);
  for (int64_t o = 0; o < outer; ++o)
    for (size_t i = 0; i < inputs.size(); ++i) {
      const size_t bytes = static_cast<size_t>(chunk[i]) * elem;
      if (bytes) std::memcpy(dst, static_cast<const uint8_t*>(inputs[i]) + o * bytes, bytes);
      dst += bytes;
    }
}

void slice(const std::vector<int64_t>& x_shape, const std::vector<int64_t>& start, const std::vector<int64_t>& step,
           const std::vector<int64_t>& y_shape, size_t elem, const void* x, void* y) {
  const size_t rank = x_shape.size();
  std::vector<int64_t> x_strides(rank, 1);
  for (size_t d = rank; d-- > 1;) x_strides[d - 1] = x_strides[d] * x_shape[d];
  int64_t total = 1, off = 0;
  for (size_t d = 0; d < rank; ++d) {
    total *= y_shape[d];
    off += start[d] * x_strides[d];
  }
  const auto* src = static_cast<const uint8_t*>(x);
  auto* dst = static_cast<uint8_t*>(y);
  std::vector<int64_t> idx(rank, 0);
  for (int64_t i = 0; i < total; ++i) {
    std::memcpy(dst + i * elem, src + off * elem, elem);
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < y_shape[d]) {
        off += step[d] * x_strides[d];
        break;
      }
      off -= step[d] * x_strides[d] * (y_shape[d] - 1);
      idx[d] = 0;
    }
  }
}

void gather(int64_t outer, int64_t axis_dim, int64_t inner, const int64_t* indices, int64_t count, size_t elem,
            const void* x, void* y) {
  const auto* src = static_cast<const uint8_t*>(x);
  auto* dst = static_cast<uint8_t*>(y);
  const size_t row = static_cast<size_t>(inner) * elem;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < count; ++j, dst += row) {
      int64_t k = indices[j];
      if (k < 0) k += axis_dim;
      if (k < 0 || k >= axis_dim) {
        std::memset(dst, 0, row);
        continue;
      }
      std::memcpy(dst, src + (o * axis_dim + k) * row, row);
    }
}

}  // namespace qinfer::ref
