// Reference elementwise ops: Add (with broadcasting) and clamps (Relu, Clip).
#pragma once

#include <cstdint>
#include <vector>

namespace qinfer::ref {

// y = clamp(a + b, out_min, out_max) with numpy broadcasting of a and b onto out_shape.
void add_f32(const std::vector<int64_t>& a_shape, const float* a, const std::vector<int64_t>& b_shape,
             const float* b, const std::vector<int64_t>& out_shape, float out_min, float out_max, float* y);

// Quantized add (see qmath::add): y = clamp(rne((a - za) * ma + (b - zb) * mb) + zy, y_min, y_max).
struct AddQu8Params {
  int32_t a_zero_point, b_zero_point, y_zero_point;
  float a_multiplier, b_multiplier;  // s_a / s_y, s_b / s_y
  int32_t y_min, y_max;
};
void add_qu8(const std::vector<int64_t>& a_shape, const uint8_t* a, const std::vector<int64_t>& b_shape,
             const uint8_t* b, const std::vector<int64_t>& out_shape, const AddQu8Params& p, uint8_t* y);

void clamp_f32(int64_t count, const float* x, float lo, float hi, float* y);
void clamp_u8(int64_t count, const uint8_t* x, uint8_t lo, uint8_t hi, uint8_t* y);

}  // namespace qinfer::ref
