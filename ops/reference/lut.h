// Unary functions on uint8 data as 256-entry lookup tables, and the float HardSwish.
//
// An int8 unary op maps each of the 256 input codes to one output code:
//   table[q] = quantize_out(f(dequantize_in(q)))   (qmath::dequantize / qmath::quantize)
// The table is built once (when a kernel is created) and every variant applies the same table,
// so all of them are bit-identical by construction.
#pragma once

#include <cstdint>

namespace qinfer::ref {

enum class LutFunction { HardSwish, HardSigmoid, Sigmoid, Tanh, LeakyRelu, Affine };

// Parameters of f. HardSwish: x' = x * pre_mul + pre_add, then post_mul * (x' * clip(x' + 3, 0, 6) / 6) + post_add.
// HardSigmoid: max(0, min(1, alpha * x + beta)). LeakyRelu: x >= 0 ? x : alpha * x.
// Affine: x * alpha + beta (Mul/Add/Sub/Div by a scalar constant).
struct LutParams {
  float alpha = 0.0f, beta = 0.0f;
  float post_mul = 1.0f, post_add = 0.0f;
  float pre_mul = 1.0f, pre_add = 0.0f;  // HardSwish: x' = x * pre_mul + pre_add first
};

// f(x) in float, exactly as the float kernels compute it.
float lut_function(LutFunction f, const LutParams& p, float x);

// HardSwish in float: the folded scalar affine before (skipped when it is the identity), the ONNX
// export's own sequence x * clip(x + 3, 0, 6) / 6 (bit-identical to running those nodes), then the
// folded scalar affine after.
inline float hardswish(float x, float post_mul, float post_add, float pre_mul = 1.0f, float pre_add = 0.0f) {
  if (pre_mul != 1.0f || pre_add != 0.0f) x = x * pre_mul + pre_add;
  const float c = x + 3.0f;
  const float h = x * (c < 0.0f ? 0.0f : (c > 6.0f ? 6.0f : c)) / 6.0f;
  if (post_mul == 1.0f && post_add == 0.0f) return h;
  return h * post_mul + post_add;
}
void hardswish_f32(const float* x, const LutParams& p, float* y, int64_t begin, int64_t end);

// table[q] = clamp(round_half_even(f((q - zp_in) * s_in) / s_out) + zp_out, 0, 255).
void build_lut_u8(LutFunction f, const LutParams& p, float in_scale, int32_t in_zero_point, float out_scale,
                  int32_t out_zero_point, uint8_t table[256]);

// Requantization of one uint8 tensor to another grid as a table:
//   table[q] = clamp(round_half_even(float(q - zp_in) * m) + zp_out, 0, 255), m = s_in / s_out
// (qmath::requantize with accumulator q - zp_in).
void build_requantize_lut_u8(float in_scale, int32_t in_zero_point, float out_scale, int32_t out_zero_point,
                             uint8_t table[256]);

// y[i] = table[x[i]] for i in [begin, end).
void apply_lut_u8(const uint8_t table[256], const uint8_t* x, uint8_t* y, int64_t begin, int64_t end);

}  // namespace qinfer::ref
