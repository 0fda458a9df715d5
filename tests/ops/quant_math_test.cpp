#include <gtest/gtest.h>

#include <cmath>

#include "quant_math.h"

namespace qinfer {

TEST(QuantMath, RoundsHalfToEven) {
  EXPECT_EQ(qmath::to_int32_rne(0.5f), 0);
  EXPECT_EQ(qmath::to_int32_rne(1.5f), 2);
  EXPECT_EQ(qmath::to_int32_rne(2.5f), 2);
  EXPECT_EQ(qmath::to_int32_rne(-0.5f), 0);
  EXPECT_EQ(qmath::to_int32_rne(-1.5f), -2);
  EXPECT_EQ(qmath::to_int32_rne(-2.5f), -2);
  EXPECT_EQ(qmath::to_int32_rne(3e9f), INT32_MAX);
  EXPECT_EQ(qmath::to_int32_rne(-3e9f), INT32_MIN);
}

TEST(QuantMath, RequantizeClampsAndAddsZeroPoint) {
  // 100 * 0.25 = 25, + zp 3 = 28
  EXPECT_EQ(qmath::requantize(100, 0.25f, 3, 0, 255), 28);
  // 10 * 0.25 = 2.5 -> 2 (ties to even), + 0
  EXPECT_EQ(qmath::requantize(10, 0.25f, 0, 0, 255), 2);
  EXPECT_EQ(qmath::requantize(-1000, 0.5f, 10, 0, 255), 0);
  EXPECT_EQ(qmath::requantize(100000, 0.5f, 10, 0, 255), 255);
  EXPECT_EQ(qmath::requantize(100, 1.0f, 0, 0, 60), 60);  // fused clamp
}

TEST(QuantMath, AffineParamsRepresentZeroExactly) {
  const qmath::AffineParams p = qmath::choose_affine(-1.3f, 4.7f, 0, 255);
  EXPECT_FLOAT_EQ(p.scale, 6.0f / 255.0f);
  EXPECT_EQ(qmath::dequantize(p.zero_point, p.scale, p.zero_point), 0.0f);
  // A positive-only range still includes 0, at zero point 0.
  const qmath::AffineParams relu = qmath::choose_affine(0.5f, 6.0f, 0, 255);
  EXPECT_EQ(relu.zero_point, 0);
  EXPECT_FLOAT_EQ(relu.scale, 6.0f / 255.0f);
  // Degenerate range: scale 1, no division by zero.
  EXPECT_EQ(qmath::choose_affine(0.0f, 0.0f, 0, 255).scale, 1.0f);
}

TEST(QuantMath, QuantizeSaturates) {
  EXPECT_EQ(qmath::quantize(1000.0f, 0.1f, 128, 0, 255), 255);
  EXPECT_EQ(qmath::quantize(-1000.0f, 0.1f, 128, 0, 255), 0);
  EXPECT_EQ(qmath::quantize(0.25f, 0.1f, 128, 0, 255), 130);  // 2.5 -> 2
}

TEST(QuantMath, SaturatedValuesClampInsteadOfOverflowing) {
  // A rounded value at INT32_MAX plus a zero point must clamp to the top, not wrap.
  EXPECT_EQ(qmath::quantize(INFINITY, 0.1f, 33, 0, 255), 255);
  EXPECT_EQ(qmath::quantize(-INFINITY, 0.1f, 33, 0, 255), 0);
  EXPECT_EQ(qmath::quantize(NAN, 0.1f, 33, 0, 255), 0);
  EXPECT_EQ(qmath::requantize(INT32_MAX, 4.0f, 200, 0, 255), 255);
  EXPECT_EQ(qmath::requantize(INT32_MIN, 4.0f, -100, -128, 127), -128);
}

TEST(QuantMath, AddRoundsTheSumOfSeparatelyRoundedProducts) {
  // (10 - 2) * 0.5 + (20 - 4) * 0.25 = 4 + 4 = 8, + zp 1 = 9
  EXPECT_EQ(qmath::add(10, 2, 0.5f, 20, 4, 0.25f, 1, 0, 255), 9);
}

TEST(QuantMath, ClampRangeMapsRealBoundsToTheGrid) {
  // ReLU6 on scale 6/255, zp 0: [0, 255]
  const qmath::QRange r = qmath::clamp_range(0.0f, 6.0f, 6.0f / 255.0f, 0, qmath::uint8_range());
  EXPECT_EQ(r.lo, 0);
  EXPECT_EQ(r.hi, 255);
  // ReLU on a range with zp 100: lower bound becomes 100
  const qmath::QRange relu = qmath::clamp_range(0.0f, INFINITY, 0.1f, 100, qmath::uint8_range());
  EXPECT_EQ(relu.lo, 100);
  EXPECT_EQ(relu.hi, 255);
}

}  // namespace qinfer
