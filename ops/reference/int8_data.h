// Reference uint8 Mul (with broadcasting) and Concat (with requantization) on physical shapes:
// callers pass memory-order dims (N,H,W,C for NHWC tensors).
#pragma once

#include <cstdint>
#include <vector>

namespace qinfer::ref {

// y = clamp(round_half_even(float((a - za) * (b - zb)) * m) + zy, y_min, y_max), m = s_a * s_b / s_y
// (qmath::requantize with accumulator (a - za) * (b - zb)), numpy broadcasting onto out_shape.
struct MulQu8Params {
  int32_t a_zero_point, b_zero_point, y_zero_point;
  float multiplier;
  int32_t y_min, y_max;
};
void mul_qu8(const std::vector<int64_t>& a_shape, const uint8_t* a, const std::vector<int64_t>& b_shape,
             const uint8_t* b, const std::vector<int64_t>& out_shape, const MulQu8Params& p, uint8_t* y);

// Concatenation along `axis` of physical shapes; input i is mapped through tables[i] (a
// requantization table, see build_requantize_lut_u8) or copied when tables[i] is null.
void concat_u8(const std::vector<const std::vector<int64_t>*>& shapes, const std::vector<const uint8_t*>& inputs,
               const std::vector<const uint8_t*>& tables, int64_t axis, uint8_t* y);

}  // namespace qinfer::ref
