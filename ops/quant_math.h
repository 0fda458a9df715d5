// The one definition of qinfer's int8 arithmetic (DESIGN.md, "Numerics"). Every kernel —
// reference, Highway, JIT — must produce exactly what these functions produce.
//
//   real = scale * (q - zero_point)
//   acc  = bias[c] + sum_k (x - zp_x) * w[c,k]                      (int32, exact)
//   q    = clamp(round_half_even(float(acc) * multiplier[c]) + zp_y, lo, hi)
//
// The float product is rounded once (no fused multiply-add: the project builds with
// -ffp-contract=off) and rounded half-to-even, as vcvtps2dq does in the default MXCSR mode.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace qinfer::qmath {

// Round to nearest, ties to even, exactly like std::nearbyint in the default rounding mode but
// inlinable and vectorizable: adding and subtracting 1.5 * 2^23 leaves a float whose last place
// is 1, so the hardware's round-to-nearest-even does the rounding. Values of magnitude >= 2^22
// are already integers (and NaN/Inf pass through).
inline float round_half_even(float v) {
  const float magic = std::copysign(12582912.0f, v);  // 1.5 * 2^23 with v's sign: no branch
  const float rounded = (v + magic) - magic;
  return std::fabs(v) < 4194304.0f ? rounded : v;
}

// Float -> int32 the way the SIMD kernels do it: round half-even, saturate out-of-range values.
inline int32_t to_int32_rne(float v) {
  const float r = round_half_even(v);
  if (!(r > -2147483648.0f)) return std::numeric_limits<int32_t>::min();  // also NaN
  if (r >= 2147483648.0f) return std::numeric_limits<int32_t>::max();
  return static_cast<int32_t>(r);
}

inline int32_t clamp_i32(int32_t v, int32_t lo, int32_t hi) { return std::min(std::max(v, lo), hi); }

// rounded + zero point, clamped to [lo, hi]. The sum is formed in 64 bits: a saturated rounded
// value (from a huge accumulator or an Inf input) plus the zero point must clamp, not overflow.
inline int32_t add_zero_point_clamped(int32_t rounded, int32_t zp, int32_t lo, int32_t hi) {
  const int64_t v = static_cast<int64_t>(rounded) + zp;
  return static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(v, lo), hi));
}

// Requantize an int32 accumulator to the output's integer grid (result in [lo, hi]).
inline int32_t requantize(int32_t acc, float multiplier, int32_t zp_out, int32_t lo, int32_t hi) {
  const float scaled = static_cast<float>(acc) * multiplier;
  return add_zero_point_clamped(to_int32_rne(scaled), zp_out, lo, hi);
}

// The same for an int64 accumulator (the int16 x int8 input layer, whose sums may pass int32).
// float(acc) rounds to nearest even, exactly like the int32 conversion for values int32 holds.
inline int32_t requantize_wide(int64_t acc, float multiplier, int32_t zp_out, int32_t lo, int32_t hi) {
  const float scaled = static_cast<float>(acc) * multiplier;
  return add_zero_point_clamped(to_int32_rne(scaled), zp_out, lo, hi);
}

// QuantizeLinear: q = clamp(round_half_even(x / scale) + zp, lo, hi). Division, as ONNX defines it.
inline int32_t quantize(float x, float scale, int32_t zp, int32_t lo, int32_t hi) {
  return add_zero_point_clamped(to_int32_rne(x / scale), zp, lo, hi);
}

// DequantizeLinear: (q - zp) * scale.
inline float dequantize(int32_t q, float scale, int32_t zp) { return static_cast<float>(q - zp) * scale; }

// Elementwise int8 Add of two quantized values into the output's grid:
//   q = clamp(round_half_even(float(a - za) * ma + float(b - zb) * mb) + zo, lo, hi)
// with ma = sa / so and mb = sb / so. The two products are rounded separately, then summed.
inline int32_t add(int32_t a, int32_t za, float ma, int32_t b, int32_t zb, float mb, int32_t zo,
                   int32_t lo, int32_t hi) {
  const float ta = static_cast<float>(a - za) * ma;
  const float tb = static_cast<float>(b - zb) * mb;
  return add_zero_point_clamped(to_int32_rne(ta + tb), zo, lo, hi);
}

// Integer range of a quantized type.
struct QRange {
  int32_t lo, hi;
};
inline QRange uint8_range() { return {0, 255}; }
inline QRange int8_range() { return {-128, 127}; }
inline QRange int16_range() { return {-32768, 32767}; }

// A real-valued clamp [fmin, fmax] (fused ReLU/ReLU6/Clip) expressed on the output grid,
// intersected with the type's range. Rounded the same way as quantize().
inline QRange clamp_range(float fmin, float fmax, float scale, int32_t zp, QRange type_range) {
  QRange r = type_range;
  if (std::isfinite(fmin)) r.lo = std::max(r.lo, quantize(fmin, scale, zp, type_range.lo, type_range.hi));
  if (std::isfinite(fmax)) r.hi = std::min(r.hi, quantize(fmax, scale, zp, type_range.lo, type_range.hi));
  return r;
}

// Affine parameters for a real range [rmin, rmax] on the integer grid [qmin, qmax].
// The range is widened to contain 0 so that real 0 is exact (the zero point is nudged onto
// the grid); a degenerate range gets scale 1.
struct AffineParams {
  float scale;
  int32_t zero_point;
};
inline AffineParams choose_affine(float rmin, float rmax, int32_t qmin, int32_t qmax) {
  rmin = std::min(rmin, 0.0f);
  rmax = std::max(rmax, 0.0f);
  if (!(rmax - rmin > 0.0f) || !std::isfinite(rmax - rmin)) return {1.0f, rmin < 0.0f ? qmax : qmin};
  const float scale = (rmax - rmin) / static_cast<float>(qmax - qmin);
  const float zp_real = static_cast<float>(qmin) - rmin / scale;
  const int32_t zp = clamp_i32(to_int32_rne(zp_real), qmin, qmax);
  return {scale, zp};
}

// Symmetric parameters (zero point 0) for values in [-amax, amax] on [-qmax, qmax].
inline float choose_symmetric_scale(float amax, int32_t qmax) {
  if (!(amax > 0.0f) || !std::isfinite(amax)) return 1.0f;
  return amax / static_cast<float>(qmax);
}

// A float bias b as int32 in the accumulator's scale s_x * s_w (product in double), rounded half
// to even (std::nearbyint, default rounding mode) and saturated to int32.
inline int32_t quantize_bias_value(double b, float s_x, float s_w) {
  const double v = std::nearbyint(b / (static_cast<double>(s_x) * static_cast<double>(s_w)));
  return static_cast<int32_t>(std::max(-2147483648.0, std::min(2147483647.0, v)));
}

}  // namespace qinfer::qmath

namespace qinfer::qmath {

// Requantization multiplier s_x * s_w / s_y, computed once in double and stored as float.
inline float requant_multiplier(float s_x, float s_w, float s_y) {
  return static_cast<float>(static_cast<double>(s_x) * static_cast<double>(s_w) / static_cast<double>(s_y));
}

}  // namespace qinfer::qmath
