// IEEE half (binary16) and bfloat16 bit patterns <-> float / double, as ONNX Cast needs them.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace qinfer::ref {

inline float float_from_bits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
inline uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

// Exact: every half is a float.
inline float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  if (exp == 0x1f) return float_from_bits(sign | 0x7f800000 | (man << 13));  // inf, NaN (payload kept)
  const float mag = exp == 0 ? std::ldexp(float(man), -24) : std::ldexp(float(man | 0x400), int(exp) - 25);
  return sign ? -mag : mag;
}

// Rounded to nearest, ties to even, straight from the value given (a double is not rounded to
// float first, which could round twice); overflow gives inf, NaN a quiet NaN of the same sign.
inline uint16_t half_from_double(double v) {
  const uint16_t sign = std::signbit(v) ? 0x8000 : 0;
  if (std::isnan(v)) return sign | 0x7e00;
  const double a = std::fabs(v);
  if (a >= 65520.0) return sign | 0x7c00;  // 65520 lies halfway between 65504 (max, odd) and 2^16: to inf
  if (a < std::ldexp(1.0, -14)) {          // subnormal: a multiple of 2^-24; 1024 * 2^-24 is the smallest normal
    return sign | static_cast<uint16_t>(std::nearbyint(std::ldexp(a, 24)));
  }
  int e;
  const double m = std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1)
  double q = std::nearbyint((m * 2.0 - 1.0) * 1024.0);  // exact in double, so one rounding
  int biased = e - 1 + 15;
  if (q == 1024.0) q = 0.0, ++biased;
  return sign | static_cast<uint16_t>(biased << 10) | static_cast<uint16_t>(q);
}

// bfloat16 is the upper half of a float.
inline float bfloat16_to_float(uint16_t b) { return float_from_bits(uint32_t(b) << 16); }

// Truncation (dropping the low 16 bits), as ONNX 1.12's Cast reference and test data do; NaN stays
// a quiet NaN of the same sign (truncating a NaN with only low payload bits would give inf).
inline uint16_t bfloat16_from_float(float f) {
  const uint32_t b = bits_of(f);
  if (std::isnan(f)) return static_cast<uint16_t>((b >> 16) | 0x7fc0);
  return static_cast<uint16_t>(b >> 16);
}

}  // namespace qinfer::ref
