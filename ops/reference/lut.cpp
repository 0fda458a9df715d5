#include "reference/lut.h"

#include <cmath>

#include "quant_math.h"

namespace qinfer::ref {

float lut_function(LutFunction f, const LutParams& p, float x) {
  switch (f) {
    case LutFunction::HardSwish: return hardswish(x, p.post_mul, p.post_add, p.pre_mul, p.pre_add);
    case LutFunction::HardSigmoid: return std::max(0.0f, std::min(1.0f, p.alpha * x + p.beta));
    case LutFunction::Sigmoid: return 1.0f / (1.0f + std::exp(-x));
    case LutFunction::Tanh: return std::tanh(x);
    case LutFunction::LeakyRelu: return x >= 0.0f ? x : p.alpha * x;
    case LutFunction::Affine: return x * p.alpha + p.beta;
  }
  return x;
}

void hardswish_f32(const float* x, const LutParams& p, float* y, int64_t begin, int64_t end) {
  if (p.post_mul == 1.0f && p.post_add == 0.0f && p.pre_mul == 1.0f && p.pre_add == 0.0f) {
    for (int64_t i = begin; i < end; ++i) y[i] = hardswish(x[i], 1.0f, 0.0f);
    return;
  }
  for (int64_t i = begin; i < end; ++i) y[i] = hardswish(x[i], p.post_mul, p.post_add, p.pre_mul, p.pre_add);
}

void build_lut_u8(LutFunction f, const LutParams& p, float in_scale, int32_t in_zero_point, float out_scale,
                  int32_t out_zero_point, uint8_t table[256]) {
  const qmath::QRange r = qmath::uint8_range();
  for (int32_t q = 0; q < 256; ++q) {
    const float v = lut_function(f, p, qmath::dequantize(q, in_scale, in_zero_point));
    table[q] = static_cast<uint8_t>(qmath::quantize(v, out_scale, out_zero_point, r.lo, r.hi));
  }
}

void build_requantize_lut_u8(float in_scale, int32_t in_zero_point, float out_scale, int32_t out_zero_point,
                             uint8_t table[256]) {
  const qmath::QRange r = qmath::uint8_range();
  const float m = static_cast<float>(double(in_scale) / double(out_scale));
  for (int32_t q = 0; q < 256; ++q)
    table[q] = static_cast<uint8_t>(qmath::requantize(q - in_zero_point, m, out_zero_point, r.lo, r.hi));
}

void apply_lut_u8(const uint8_t table[256], const uint8_t* x, uint8_t* y, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) y[i] = table[x[i]];
}

}  // namespace qinfer::ref
