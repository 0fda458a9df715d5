// The fp32/int64 reference kernels added for the real models, on hand-checked values and
// edge cases (broadcasting, negative indices and steps, empty and one-sized dims).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "reference/conv_transpose.h"
#include "reference/elementwise.h"
#include "reference/gemm.h"
#include "reference/lstm.h"
#include "reference/pool.h"
#include "reference/reduce.h"
#include "reference/resize.h"
#include "reference/transform.h"

namespace qinfer::ref {

namespace {

using V = std::vector<float>;
using S = std::vector<int64_t>;

TEST(BinaryRef, BroadcastsBothWays) {
  const V a{1, 2, 3};        // [3, 1]
  const V b{10, 20};         // [2]
  V y(6);
  binary_f32(BinaryOp::Sub, {3, 1}, a.data(), {2}, b.data(), {3, 2}, y.data());
  EXPECT_EQ(y, (V{-9, -19, -8, -18, -7, -17}));
  binary_f32(BinaryOp::Div, {3, 1}, a.data(), {2}, b.data(), {3, 2}, y.data());
  EXPECT_FLOAT_EQ(y[5], 3.0f / 20.0f);
  binary_f32(BinaryOp::Pow, {3, 1}, a.data(), {}, V{2}.data(), {3, 1}, y.data());
  EXPECT_EQ(V(y.begin(), y.begin() + 3), (V{1, 4, 9}));
}

TEST(BinaryRef, EmptyOutputTouchesNothing) {
  V y{42};
  binary_f32(BinaryOp::Mul, {0, 3}, nullptr, {3}, V{1, 2, 3}.data(), {0, 3}, y.data());
  EXPECT_EQ(y[0], 42);
}

TEST(BinaryRef, Int64DivisionIsDefinedEverywhere) {
  const std::vector<int64_t> a{7, -7, 5, std::numeric_limits<int64_t>::min()};
  const std::vector<int64_t> b{2, 2, 0, -1};
  std::vector<int64_t> y(4);
  binary_i64(BinaryOp::Div, {4}, a.data(), {4}, b.data(), {4}, y.data());
  EXPECT_EQ(y, (std::vector<int64_t>{3, -3, 0, std::numeric_limits<int64_t>::min()}));  // truncation; x/0 = 0; wraps
  binary_i64(BinaryOp::Mul, {4}, a.data(), {}, std::vector<int64_t>{3}.data(), {4}, y.data());
  EXPECT_EQ(y[0], 21);
}

TEST(UnaryRef, HandValues) {
  const V x{-1, 0, 2};
  V y(3);
  unary_f32(UnaryOp::Sigmoid, x.data(), 0, 0, y.data(), 0, 3);
  EXPECT_FLOAT_EQ(y[1], 0.5f);
  EXPECT_NEAR(y[2], 1.0 / (1.0 + std::exp(-2.0)), 1e-7);
  unary_f32(UnaryOp::HardSigmoid, x.data(), 0.2f, 0.5f, y.data(), 0, 3);
  EXPECT_EQ(y, (V{0.3f, 0.5f, 0.9f}));
  unary_f32(UnaryOp::Erf, x.data(), 0, 0, y.data(), 1, 3);  // only [1, 3)
  EXPECT_FLOAT_EQ(y[0], 0.3f);
  EXPECT_NEAR(y[2], 0.995322265, 1e-7);
  unary_f32(UnaryOp::Reciprocal, x.data(), 0, 0, y.data(), 0, 3);
  EXPECT_TRUE(std::isinf(y[1]));
}

TEST(CastRef, TruncatesAndSaturates) {
  const V x{2.7f, -2.7f, 1e20f, -1e20f, NAN, 300.0f};
  std::vector<int64_t> y64(6);
  cast(Elem::F32, x.data(), Elem::I64, y64.data(), 6);
  EXPECT_EQ(y64, (std::vector<int64_t>{2, -2, std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(), 0, 300}));
  std::vector<uint8_t> y8(6);
  cast(Elem::F32, x.data(), Elem::U8, y8.data(), 6);
  EXPECT_EQ(y8, (std::vector<uint8_t>{2, 0, 255, 0, 0, 255}));
}

TEST(TransformRef, TransposeThreeDims) {
  std::vector<int32_t> x(24), y(24);
  for (int i = 0; i < 24; ++i) x[i] = i;
  transpose({2, 3, 4}, {2, 0, 1}, sizeof(int32_t), x.data(), y.data());  // y[k][i][j] = x[i][j][k]
  EXPECT_EQ(y[0], 0);
  EXPECT_EQ(y[1], 4);   // (k0, i0, j1)
  EXPECT_EQ(y[3], 12);  // (k0, i1, j0)
  EXPECT_EQ(y[6], 1);   // (k1, i0, j0)
}

TEST(TransformRef, ConcatWithAnEmptyInput) {
  const V a{1, 2, 3, 4}, b{};  // [2, 2] and [2, 0] along axis 1
  const V c{9, 8};             // [2, 1]
  V y(6);
  concat(2, {2, 0, 1}, {a.data(), b.data(), c.data()}, sizeof(float), y.data());
  EXPECT_EQ(y, (V{1, 2, 9, 3, 4, 8}));
}

TEST(TransformRef, SliceWithNegativeStep) {
  const V x{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};  // [3, 4]
  V y(4);
  slice({3, 4}, {2, 3}, {-1, -2}, {2, 2}, sizeof(float), x.data(), y.data());  // rows 2, 1; cols 3, 1
  EXPECT_EQ(y, (V{11, 9, 7, 5}));
}

TEST(TransformRef, GatherNegativeAndOutOfRangeIndices) {
  const V x{0, 1, 2, 3, 4, 5};  // [3, 2], axis 0
  const std::vector<int64_t> idx{-1, 0, 3};
  V y(6, 42);
  gather(1, 3, 2, idx.data(), 3, sizeof(float), x.data(), y.data());
  EXPECT_EQ(y, (V{4, 5, 0, 1, 0, 0}));  // out of range reads as zeros, never out of bounds
}

TEST(ReduceRef, SoftmaxOverMiddleAxis) {
  const V x{0, 0, 0, 1, 0, 0};  // [1, 2, 3] over axis 1 (n = 2, inner = 3)
  V y(6);
  softmax_f32(1, 2, 3, x.data(), y.data());
  const float e = std::exp(1.0f);
  EXPECT_FLOAT_EQ(y[0], 1 / (1 + e));
  EXPECT_FLOAT_EQ(y[3], e / (1 + e));
  EXPECT_FLOAT_EQ(y[2], 0.5f);
}

TEST(ReduceRef, SoftmaxLargeValuesDoNotOverflow) {
  const V x{1000, 1000};
  V y(2);
  softmax_f32(1, 2, 1, x.data(), y.data());
  EXPECT_EQ(y, (V{0.5f, 0.5f}));
}

TEST(ReduceRef, MeanOverFirstAndLastAxes) {
  V x(24);
  for (int i = 0; i < 24; ++i) x[i] = float(i);  // [2, 3, 4]
  V y(3);
  reduce_mean_f32({2, 3, 4}, {true, false, true}, x.data(), y.data());
  // mean over i, k of 12 i + 4 j + k = 6 + 4 j + 1.5
  EXPECT_EQ(y, (V{7.5f, 11.5f, 15.5f}));
  V all(1);
  reduce_mean_f32({2, 3, 4}, {true, true, true}, x.data(), all.data());
  EXPECT_FLOAT_EQ(all[0], 11.5f);
}

TEST(MatMulRef, RowRange) {
  const V a{1, 2, 3, 4, 5, 6};  // [2, 3]
  const V b{1, 0, 0, 1, 1, 1};  // [3, 2]
  V y(4, -1);
  matmul_f32(2, 3, a.data(), b.data(), y.data(), 1, 2);
  EXPECT_EQ(y, (V{-1, -1, 4 + 6, 5 + 6}));
}

TEST(ConvTransposeRef, StrideTwoScattersTheKernel) {
  // One input channel [1, 1, 2, 1] = {1, 2}, kernel 2 x 1 = {10, 1}, stride 2: each input value
  // stamps the kernel at 2 * row.
  Conv2DGeometry g;
  g.in_c = 1, g.in_h = 2, g.in_w = 1, g.out_c = 1, g.kernel_h = 2, g.kernel_w = 1, g.stride_h = 2;
  g.out_h = conv_transpose_out_extent(2, 2, 2, 0, 0, 1, 0);
  g.out_w = 1;
  ASSERT_EQ(g.out_h, 4);
  const V x{1, 2}, w{10, 1}, bias{0.5f};
  V y(4);
  conv_transpose2d_f32_nchw(g, x.data(), w.data(), bias.data(), y.data(), 0, g.rows());
  EXPECT_EQ(y, (V{10.5f, 1.5f, 20.5f, 2.5f}));
  g.pad_top = 1;  // the first output row is cropped away
  g.out_h = conv_transpose_out_extent(2, 2, 2, 1, 0, 1, 0);
  conv_transpose2d_f32_nchw(g, x.data(), w.data(), nullptr, y.data(), 0, g.rows());
  EXPECT_EQ(V(y.begin(), y.begin() + 3), (V{1, 20, 2}));
}

TEST(ResizeRef, NearestAndLinear) {
  const V x{0, 10, 20, 30};  // [1, 1, 1, 4]
  ResizeGeometry g;
  g.planes = 1, g.in_h = 1, g.in_w = 4, g.out_h = 1, g.out_w = 2, g.scale_h = 1, g.scale_w = 0.5f;
  V y(2);
  g.coordinates = ResizeCoordinates::Asymmetric, g.nearest = NearestRounding::Floor;
  resize2d_f32_nchw(g, x.data(), y.data(), 0, 1);
  EXPECT_EQ(y, (V{0, 20}));
  g.mode = ResizeMode::Linear, g.coordinates = ResizeCoordinates::HalfPixel;  // sources 0.5 and 2.5
  resize2d_f32_nchw(g, x.data(), y.data(), 0, 1);
  EXPECT_EQ(y, (V{5, 25}));
  EXPECT_FLOAT_EQ(resize_source_coordinate(3, 1.5f, 4, ResizeCoordinates::AlignCorners), 1.8f);  // 3 * 3 / (6 - 1)
  EXPECT_FLOAT_EQ(resize_source_coordinate(1, 0.6f, 4, ResizeCoordinates::AlignCorners), 3.0f / 1.4f);  // length 2.4
  EXPECT_FLOAT_EQ(resize_source_coordinate(0, 0.25f, 4, ResizeCoordinates::PytorchHalfPixel), 0.0f);  // length 1
}

TEST(PoolRef, AveragePoolDivisors) {
  const V x{1, 2, 3, 4};  // [1, 1, 2, 2], window 2 x 2, pad 1 top/left
  Conv2DGeometry g;
  g.in_c = g.out_c = 1, g.in_h = g.in_w = 2, g.out_h = g.out_w = 2, g.kernel_h = g.kernel_w = 2;
  g.pad_top = g.pad_left = 1;
  V y(4);
  avgpool2d_f32_nchw(g, false, x.data(), y.data(), 0, g.rows());
  EXPECT_EQ(y, (V{1, 1.5f, 2, 2.5f}));
  avgpool2d_f32_nchw(g, true, x.data(), y.data(), 0, g.rows());
  EXPECT_EQ(y, (V{0.25f, 0.75f, 1, 2.5f}));
}

TEST(LstmRef, OneUnitByHand) {
  // H = 1, I = 1, two steps; weights chosen so each gate's pre-activation is easy to follow.
  const V w{1, 0, 0, 2};    // i, o, f, c rows for the input
  const V r{0, 0, 1, 0};    // recurrent weights
  const V bias{0, 1, 0, 0, 0, 0, 0, 0};
  const V x{0.5f, -1.0f};   // [T = 2, N = 1, I = 1]
  LstmGeometry g{2, 1, 1, 1};
  V y(2), yh(1), yc(1), scratch(6);
  lstm_f32(g, false, x.data(), w.data(), r.data(), bias.data(), nullptr, nullptr, y.data(), 1, yh.data(), yc.data(),
           scratch.data());
  auto s = [](double v) { return 1 / (1 + std::exp(-v)); };
  double h = 0, c = 0;
  for (double xt : {0.5, -1.0}) {
    const double i = s(xt), o = s(1.0), f = s(h), cand = std::tanh(2 * xt);
    c = f * c + i * cand;
    h = o * std::tanh(c);
  }
  EXPECT_NEAR(yh[0], h, 1e-6);
  EXPECT_NEAR(yc[0], c, 1e-6);
  EXPECT_EQ(y[1], yh[0]);
  V back(2);  // reverse: the last step is computed first, the final state belongs to t = 0
  lstm_f32(g, true, x.data(), w.data(), r.data(), bias.data(), nullptr, nullptr, back.data(), 1, yh.data(), nullptr,
           scratch.data());
  EXPECT_EQ(back[0], yh[0]);
  EXPECT_NE(back[0], y[1]);
}

}  // namespace

}  // namespace qinfer::ref
