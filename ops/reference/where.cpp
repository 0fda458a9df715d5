#include "reference/where.h"

#include <cstring>

#include "broadcast.h"

namespace qinfer::ref {

void where(const std::vector<int64_t>& c_shape, const uint8_t* c, const std::vector<int64_t>& a_shape, const void* a,
           const std::vector<int64_t>& b_shape, const void* b, const std::vector<int64_t>& y_shape, size_t elem,
           void* y) {
  const auto* pa = static_cast<const uint8_t*>(a);
  const auto* pb = static_cast<const uint8_t*>(b);
  auto* dst = static_cast<uint8_t*>(y);
  const size_t rank = y_shape.size();
  const std::vector<int64_t> sc = broadcast_strides(c_shape, y_shape), sa = broadcast_strides(a_shape, y_shape),
                             sb = broadcast_strides(b_shape, y_shape);
  int64_t total = 1;
  for (int64_t d : y_shape) total *= d;
  std::vector<int64_t> idx(rank, 0);
  int64_t oc = 0, oa = 0, ob = 0;
  for (int64_t i = 0; i < total; ++i) {
    std::memcpy(dst + i * elem, c[oc] ? pa + oa * elem : pb + ob * elem, elem);
    for (size_t d = rank; d-- > 0;) {  // odometer increment, innermost axis first
      if (++idx[d] < y_shape[d]) {
        oc += sc[d], oa += sa[d], ob += sb[d];
        break;
      }
      oc -= sc[d] * (y_shape[d] - 1), oa -= sa[d] * (y_shape[d] - 1), ob -= sb[d] * (y_shape[d] - 1);
      idx[d] = 0;
    }
  }
}

}  // namespace qinfer::ref
