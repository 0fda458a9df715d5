// Integer element-wise references (ops/reference/int_elementwise.h: wrap-around, truncating
// division, Pow with integer operands, integer Clip) and cubic Resize, on hand-checked values.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "reference/int_elementwise.h"
#include "reference/pool.h"
#include "reference/resize.h"

namespace qinfer::ref {

namespace {
using S = std::vector<int64_t>;
}

TEST(IntElementwiseRef, Uint8WrapsAround) {
  const std::vector<uint8_t> a{250, 3, 7, 200}, b{10, 5, 2, 0};
  std::vector<uint8_t> y(4);
  int_binary(IntBinaryOp::Add, S{4}, a.data(), S{4}, b.data(), S{4}, y.data());
  EXPECT_EQ(y, (std::vector<uint8_t>{4, 8, 9, 200}));
  int_binary(IntBinaryOp::Sub, S{4}, a.data(), S{4}, b.data(), S{4}, y.data());
  EXPECT_EQ(y, (std::vector<uint8_t>{240, 254, 5, 200}));
  int_binary(IntBinaryOp::Mul, S{4}, a.data(), S{4}, b.data(), S{4}, y.data());
  EXPECT_EQ(y, (std::vector<uint8_t>{196, 15, 14, 0}));
  int_binary(IntBinaryOp::Div, S{4}, a.data(), S{4}, b.data(), S{4}, y.data());
  EXPECT_EQ(y, (std::vector<uint8_t>{25, 0, 3, 0}));  // x / 0 gives 0
}

TEST(IntElementwiseRef, SignedDivisionTruncatesAndBroadcasts) {
  const std::vector<int8_t> a{-7, 7, -128}, b{2};
  std::vector<int8_t> y(3);
  int_binary(IntBinaryOp::Div, S{3}, a.data(), S{1}, b.data(), S{3}, y.data());
  EXPECT_EQ(y, (std::vector<int8_t>{-3, 3, -64}));
  const std::vector<int8_t> m1{-1};
  int_binary(IntBinaryOp::Div, S{3}, a.data(), S{1}, m1.data(), S{3}, y.data());
  EXPECT_EQ(y, (std::vector<int8_t>{7, -7, -128}));  // -128 / -1 wraps
}

TEST(IntElementwiseRef, PowMixedTypes) {
  EXPECT_EQ((pow_scalar<int32_t, int32_t>(3, 4)), 81);
  EXPECT_EQ((pow_scalar<int64_t, int64_t>(2, -1)), 0);
  EXPECT_EQ((pow_scalar<int64_t, int64_t>(-1, -3)), -1);
  EXPECT_EQ((pow_scalar<int32_t, float>(2, 0.5f)), 1);  // 1.414 truncated
  EXPECT_FLOAT_EQ((pow_scalar<float, int64_t>(1.5f, 2)), 2.25f);
  const std::vector<int32_t> x{1, 2, 3};
  const std::vector<int64_t> e{2};
  std::vector<int32_t> y(3);
  pow_mixed(S{3}, x.data(), S{1}, e.data(), S{3}, y.data());
  EXPECT_EQ(y, (std::vector<int32_t>{1, 4, 9}));
}

TEST(IntElementwiseRef, Clip) {
  const std::vector<int8_t> x{-128, -3, 0, 5, 127};
  std::vector<int8_t> y(5);
  clip_int<int8_t>(x.data(), -2, 4, y.data(), 5);
  EXPECT_EQ(y, (std::vector<int8_t>{-2, -2, 0, 4, 4}));
}

TEST(ResizeRef, CubicKeepsPlanesAtScaleOneAndInterpolates) {
  const std::vector<float> x{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};  // [1, 1, 4, 4]
  ResizeGeometry g;
  g.planes = 1, g.in_h = g.in_w = g.out_h = g.out_w = 4, g.scale_h = g.scale_w = 1;
  g.mode = ResizeMode::Cubic;
  std::vector<float> y(16);
  resize2d_f32_nchw(g, x.data(), y.data(), 0, 1);
  EXPECT_EQ(y, x);  // every source coordinate is an input pixel: weight 1 on it
  // One row [0, 10, 20, 30] upsampled x2, asymmetric: output 1 sits at 0.5 between 0 and 10 with the
  // edge-clamped tap -1 -> 0: weights (A = -0.75) -0.09375, 0.59375, 0.59375, -0.09375.
  const std::vector<float> row{0, 10, 20, 30};
  g.in_h = g.out_h = 1, g.in_w = 4, g.out_w = 8, g.scale_w = 2;
  g.coordinates = ResizeCoordinates::Asymmetric;
  std::vector<float> up(8);
  resize2d_f32_nchw(g, row.data(), up.data(), 0, 1);
  EXPECT_NEAR(up[1], 0.59375f * 10 - 0.09375f * 20, 1e-5f);
  g.exclude_outside = true;  // tap -1 gets weight 0, the others are renormalized
  resize2d_f32_nchw(g, row.data(), up.data(), 0, 1);
  EXPECT_NEAR(up[1], (0.59375f * 10 - 0.09375f * 20) / (1 + 0.09375f), 1e-5f);
}

TEST(PoolRef, MaxPoolIndicesRowAndColumnMajor) {
  const std::vector<float> x{1, 5, 2, 7, 3, 7};  // [1, 1, 2, 3], window 2 x 2, stride 1: ties keep the first
  Conv2DGeometry g;
  g.in_c = g.out_c = 1, g.in_h = 2, g.in_w = 3, g.out_h = 1, g.out_w = 2, g.kernel_h = g.kernel_w = 2;
  std::vector<float> y(2);
  std::vector<int64_t> idx(2);
  maxpool2d_f32_nchw_indices(g, false, x.data(), y.data(), idx.data(), 0, g.rows());
  EXPECT_EQ(y, (std::vector<float>{7, 7}));
  EXPECT_EQ(idx, (std::vector<int64_t>{3, 5}));
  maxpool2d_f32_nchw_indices(g, true, x.data(), y.data(), idx.data(), 0, g.rows());
  EXPECT_EQ(idx, (std::vector<int64_t>{1, 5}));  // (h 1, w 0) -> 0 * 2 + 1; (h 1, w 2) -> 2 * 2 + 1
}

}  // namespace qinfer::ref
