#include "reference/reduce.h"

#include <algorithm>
#include <cmath>

namespace qinfer::ref {

void softmax_f32(int64_t outer, int64_t n, int64_t inner, const float* x, float* y) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const float* in = x + o * n * inner + i;
      float* out = y + o * n * inner + i;
      float m = -INFINITY;
      for (int64_t j = 0; j < n; ++j) m = std::max(m, in[j * inner]);
      double sum = 0.0;
      for (int64_t j = 0; j < n; ++j) {
        out[j * inner] = std::exp(in[j * inner] - m);
        sum += out[j * inner];
      }
      const float inv = static_cast<float>(1.0 / sum);
      for (int64_t j = 0; j < n; ++j) out[j * inner] *= inv;
    }
}

void reduce_mean_f32(const std::vector<int64_t>& x_shape, const std::vector<bool>& reduce, const float* x, float* y) {
  // Collapse to [outer, r, inner] runs when the reduced dims are contiguous (the common case:
  // the last axis); otherwise walk x with an odometer, summing into y.
  const size_t rank = x_shape.size();
  int64_t total = 1, y_count = 1, r_count = 1;
  for (size_t d = 0; d < rank; ++d) {
    total *= x_shape[d];
    (reduce[d] ? r_count : y_count) *= x_shape[d];
  }
  if (total == 0) {
    for (int64_t i = 0; i < y_count; ++i) y[i] = NAN;  // mean of nothing
    return;
  }
  std::vector<int64_t> y_strides(rank, 0);
  int64_t stride = 1;
  for (size_t d = rank; d-- > 0;)
    if (!reduce[d]) {
      y_strides[d] = stride;
      stride *= x_shape[d];
    }
  std::fill(y, y + y_count, 0.0f);
  // Double accumulation per output element, without heap memory: sweep x once per output run.
  std::vector<int64_t> idx(rank, 0);
  int64_t off = 0;
  // Sum in float32 would drift on long rows; this two-level sum keeps error small and needs no
  // buffer: accumulate a short run in double, then add it to y.
  double run = 0.0;
  int64_t run_target = 0;
  for (int64_t i = 0; i < total; ++i) {
    if (i == 0) run_target = off;
    if (off != run_target) {
      y[run_target] += static_cast<float>(run);
      run = 0.0;
      run_target = off;
    }
    run += x[i];
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < x_shape[d]) {
        off += y_strides[d];
        break;
      }
      off -= y_strides[d] * (x_shape[d] - 1);
      idx[d] = 0;
    }
  }
  y[run_target] += static_cast<float>(run);
  const float inv = static_cast<float>(1.0 / static_cast<double>(r_count));
  for (int64_t i = 0; i < y_count; ++i) y[i] *= inv;
}

}  // namespace qinfer::ref
