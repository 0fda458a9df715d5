#include "reference/pad.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace qinfer::ref {

int64_t pad_source_index(int64_t o, int64_t begin, int64_t end, int64_t dim, PadMode mode) {
  const int64_t i = o - begin;  // position relative to the uncropped input
  const int64_t lo = std::max<int64_t>(0, -begin), hi = dim - std::max<int64_t>(0, -end);
  if (i >= lo && i < hi) return i;
  if (mode == PadMode::Constant || hi <= lo) return -1;
  if (mode == PadMode::Edge) return i < lo ? lo : hi - 1;
  const int64_t n = hi - lo;
  if (n == 1) return lo;
  const int64_t period = 2 * (n - 1);
  int64_t r = (i - lo) % period;
  if (r < 0) r += period;
  return lo + (r < n ? r : period - r);
}

namespace {

// One output row along the last axis: the middle block is one memcpy, the padded ends are looked
// up one by one (nothing is allocated: run() must not allocate).
template <size_t E>
void fill_row(const uint8_t* src_row, int64_t w, int64_t begin, int64_t end, int64_t dim, PadMode mode,
              const uint8_t* value, size_t elem, uint8_t* dst) {
  const size_t e = E ? E : elem;
  const int64_t copy_lo = std::max<int64_t>(begin, 0), copy_hi = w - std::max<int64_t>(end, 0);
  for (int64_t o = 0; o < w; ++o) {
    if (src_row && o == copy_lo && copy_hi > copy_lo) {
      std::memcpy(dst + o * e, src_row + (o - begin) * e, static_cast<size_t>(copy_hi - copy_lo) * e);
      o = copy_hi - 1;
      continue;
    }
    const int64_t s = src_row ? pad_source_index(o, begin, end, dim, mode) : -1;
    std::memcpy(dst + o * e, s < 0 ? value : src_row + s * e, e);
  }
}

}  // namespace

void pad(const std::vector<int64_t>& x_shape, const std::vector<int64_t>& begins, const std::vector<int64_t>& ends,
         PadMode mode, const void* value, size_t elem, const void* x, void* y) {
  const auto* src = static_cast<const uint8_t*>(x);
  auto* dst = static_cast<uint8_t*>(y);
  const size_t rank = x_shape.size();
  if (rank == 0) {
    std::memcpy(dst, src, elem);
    return;
  }
  int64_t rows = 1, x_stride = 1;
  for (size_t d = 0; d + 1 < rank; ++d) rows *= x_shape[d] + begins[d] + ends[d];
  const size_t last = rank - 1;
  const int64_t w = x_shape[last] + begins[last] + ends[last];
  if (rows == 0 || w == 0) return;
  const auto* v = static_cast<const uint8_t*>(value);
  // Odometer over the output's outer dims: idx[d] is the output position on axis d; the source
  // row offset is recomputed per row from the per-axis source indices.
  assert(rank <= kPadMaxRank);
  int64_t idx[kPadMaxRank] = {0};
  for (int64_t r = 0; r < rows; ++r, dst += w * elem) {
    int64_t off = 0;
    bool constant_row = false;
    x_stride = x_shape[last];
    for (size_t d = last; d-- > 0;) {
      const int64_t s = pad_source_index(idx[d], begins[d], ends[d], x_shape[d], mode);
      if (s < 0) constant_row = true;
      off += s * x_stride;
      x_stride *= x_shape[d];
    }
    const uint8_t* row = constant_row ? nullptr : src + off * elem;
    switch (elem) {
      case 1: fill_row<1>(row, w, begins[last], ends[last], x_shape[last], mode, v, elem, dst); break;
      case 4: fill_row<4>(row, w, begins[last], ends[last], x_shape[last], mode, v, elem, dst); break;
      case 8: fill_row<8>(row, w, begins[last], ends[last], x_shape[last], mode, v, elem, dst); break;
      default: fill_row<0>(row, w, begins[last], ends[last], x_shape[last], mode, v, elem, dst); break;
    }
    for (size_t d = last; d-- > 0;) {
      if (++idx[d] < x_shape[d] + begins[d] + ends[d]) break;
      idx[d] = 0;
    }
  }
}

}  // namespace qinfer::ref
