#include "reference/int8_data.h"

#include <cstring>

#include "broadcast.h"
#include "quant_math.h"

namespace qinfer::ref {

namespace {
inline uint8_t mul_one(int32_t a, int32_t b, const MulQu8Params& p) {
  return static_cast<uint8_t>(
      qmath::requantize((a - p.a_zero_point) * (b - p.b_zero_point), p.multiplier, p.y_zero_point, p.y_min, p.y_max));
}
int64_t count_of(const std::vector<int64_t>& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}
}  // namespace

void mul_qu8(const std::vector<int64_t>& a_shape, const uint8_t* a, const std::vector<int64_t>& b_shape,
             const uint8_t* b, const std::vector<int64_t>& out_shape, const MulQu8Params& p, uint8_t* y) {
  const int64_t total = count_of(out_shape), na = count_of(a_shape), nb = count_of(b_shape);
  if (na == total && nb == total) {
    for (int64_t i = 0; i < total; ++i) y[i] = mul_one(a[i], b[i], p);
    return;
  }
  // [N, H, W, C] * [N, 1, 1, C] (an SE block's per-channel gate in NHWC): rows of C.
  const size_t r = out_shape.size();
  if (r >= 2 && na == total && a_shape == out_shape && b_shape.size() == r && b_shape[r - 1] == out_shape[r - 1] &&
      b_shape[0] == out_shape[0]) {
    bool middle_ones = true;
    for (size_t d = 1; d + 1 < r; ++d) middle_ones = middle_ones && b_shape[d] == 1;
    if (middle_ones) {
      const int64_t c = out_shape[r - 1], per_n = total / (out_shape[0] == 0 ? 1 : out_shape[0]);
      for (int64_t n = 0; n < out_shape[0]; ++n)
        for (int64_t i = 0; i < per_n; i += c)
          for (int64_t k = 0; k < c; ++k) y[n * per_n + i + k] = mul_one(a[n * per_n + i + k], b[n * c + k], p);
      return;
    }
  }
  for_each_broadcast(out_shape, broadcast_strides(a_shape, out_shape), broadcast_strides(b_shape, out_shape),
                     [&](int64_t i, int64_t ia, int64_t ib) { y[i] = mul_one(a[ia], b[ib], p); });
}

void concat_u8(const std::vector<const std::vector<int64_t>*>& shapes, const std::vector<const uint8_t*>& inputs,
               const std::vector<const uint8_t*>& tables, int64_t axis, uint8_t* y) {
  const std::vector<int64_t>& first = *shapes[0];
  int64_t outer = 1, row = 0;
  for (int64_t d = 0; d < axis; ++d) outer *= first[d];
  std::vector<int64_t> chunk(shapes.size());
  for (size_t i = 0; i < shapes.size(); ++i) {
    chunk[i] = 1;
    for (size_t d = static_cast<size_t>(axis); d < shapes[i]->size(); ++d) chunk[i] *= (*shapes[i])[d];
    row += chunk[i];
  }
  for (int64_t o = 0; o < outer; ++o) {
    uint8_t* dst = y + o * row;
    for (size_t i = 0; i < shapes.size(); ++i) {
      const uint8_t* src = inputs[i] + o * chunk[i];
      if (tables[i])
        for (int64_t k = 0; k < chunk[i]; ++k) dst[k] = tables[i][src[k]];
      else
        std::memcpy(dst, src, static_cast<size_t>(chunk[i]));
      dst += chunk[i];
    }
  }
}

}  // namespace qinfer::ref
