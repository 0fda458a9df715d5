#include "reference/elementwise.h"

#include <algorithm>

#include "broadcast.h"
#include "quant_math.h"

namespace qinfer::ref {

void add_f32(const std::vector<int64_t>& a_shape, const float* a, const std::vector<int64_t>& b_shape,
             const float* b, const std::vector<int64_t>& out_shape, float out_min, float out_max, float* y) {
  for_each_broadcast(out_shape, broadcast_strides(a_shape, out_shape), broadcast_strides(b_shape, out_shape),
                     [&](int64_t i, int64_t ia, int64_t ib) {
                       y[i] = std::min(std::max(a[ia] + b[ib], out_min), out_max);
                     });
}

void add_qu8(const std::vector<int64_t>& a_shape, const uint8_t* a, const std::vector<int64_t>& b_shape,
             const uint8_t* b, const std::vector<int64_t>& out_shape, const AddQu8Params& p, uint8_t* y) {
  for_each_broadcast(out_shape, broadcast_strides(a_shape, out_shape), broadcast_strides(b_shape, out_shape),
                     [&](int64_t i, int64_t ia, int64_t ib) {
                       y[i] = static_cast<uint8_t>(qmath::add(a[ia], p.a_zero_point, p.a_multiplier, b[ib],
                                                              p.b_zero_point, p.b_multiplier, p.y_zero_point,
                                                              p.y_min, p.y_max));
                     });
}

void clamp_f32(int64_t count, const float* x, float lo, float hi, float* y) {
  for (int64_t i = 0; i < count; ++i) y[i] = std::min(std::max(x[i], lo), hi);
}

void clamp_u8(int64_t count, const uint8_t* x, uint8_t lo, uint8_t hi, uint8_t* y) {
  for (int64_t i = 0; i < count; ++i) y[i] = std::min(std::max(x[i], lo), hi);
}

}  // namespace qinfer::ref
