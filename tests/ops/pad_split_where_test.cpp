// Reference Pad, Split and Where (ops/reference/pad.h, split.h, where.h), checked against the
// ONNX operator documentation's examples, numpy's output, and naive index-by-index loops.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "reference/elementwise.h"
#include "reference/pad.h"
#include "reference/split.h"
#include "reference/where.h"

namespace qinfer::ref {
namespace {

std::vector<float> pad_f32(const std::vector<int64_t>& shape, const std::vector<float>& x, const std::vector<int64_t>& b,
                           const std::vector<int64_t>& e, PadMode mode, float value = 0.0f) {
  int64_t n = 1;
  for (size_t d = 0; d < shape.size(); ++d) n *= shape[d] + b[d] + e[d];
  std::vector<float> y(static_cast<size_t>(n), -12345.0f);
  pad(shape, b, e, mode, &value, sizeof(float), x.data(), y.data());
  return y;
}

// The ONNX Pad documentation's three examples: data 3x2, pads [0, 2, 0, 0].
TEST(RefPad, OnnxDocumentationExamples) {
  const std::vector<float> x = {1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f};
  EXPECT_EQ(pad_f32({3, 2}, x, {0, 2}, {0, 0}, PadMode::Constant),
            (std::vector<float>{0, 0, 1.0f, 1.2f, 0, 0, 2.3f, 3.4f, 0, 0, 4.5f, 5.7f}));
  EXPECT_EQ(pad_f32({3, 2}, x, {0, 2}, {0, 0}, PadMode::Reflect),
            (std::vector<float>{1.0f, 1.2f, 1.0f, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f, 4.5f, 5.7f, 4.5f, 5.7f}));
  EXPECT_EQ(pad_f32({3, 2}, x, {0, 2}, {0, 0}, PadMode::Edge),
            (std::vector<float>{1.0f, 1.0f, 1.0f, 1.2f, 2.3f, 2.3f, 2.3f, 3.4f, 4.5f, 4.5f, 4.5f, 5.7f}));
}

// numpy: np.pad([1, 2, 3], (5, 4), 'reflect') and 'edge' (pads longer than the data).
TEST(RefPad, LongPadsMatchNumpy) {
  EXPECT_EQ(pad_f32({3}, {1, 2, 3}, {5}, {4}, PadMode::Reflect), (std::vector<float>{2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3}));
  EXPECT_EQ(pad_f32({3}, {1, 2, 3}, {5}, {4}, PadMode::Edge), (std::vector<float>{1, 1, 1, 1, 1, 1, 2, 3, 3, 3, 3, 3}));
  EXPECT_EQ(pad_f32({1}, {7}, {2}, {1}, PadMode::Reflect), (std::vector<float>{7, 7, 7, 7}));
}

// Naive source index: crop by negative pads, then bounce off the ends (reflect) or clamp (edge).
int64_t naive_source(int64_t o, int64_t b, int64_t e, int64_t dim, PadMode mode) {
  const int64_t lo = b < 0 ? -b : 0, hi = dim - (e < 0 ? -e : 0);
  int64_t j = o - b;
  if (j >= lo && j < hi) return j;
  if (mode == PadMode::Constant) return -1;
  if (mode == PadMode::Edge) return j < lo ? lo : hi - 1;
  if (hi - lo == 1) return lo;
  while (j < lo || j >= hi) j = j < lo ? 2 * lo - j : 2 * (hi - 1) - j;
  return j;
}

// Every mode, crops and growth on every axis, element sizes 1, 8 and 2 (the generic path),
// against a per-element loop.
template <typename T>
void check_against_naive(PadMode mode) {
  const std::vector<int64_t> shape = {3, 4, 5};
  const std::vector<std::vector<int64_t>> pad_sets = {
      {0, 0, 0, 0, 0, 0}, {1, 2, 3, 2, 1, 4}, {-1, 0, 2, 1, -2, -1}, {2, -1, -2, 0, 3, 1}, {0, 3, 4, 0, 0, 0}};
  std::vector<T> x(60);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<T>(i * 7 + 3);
  const T value = static_cast<T>(99);
  for (const auto& p : pad_sets) {
    const std::vector<int64_t> b(p.begin(), p.begin() + 3), e(p.begin() + 3, p.end());
    std::vector<int64_t> out(3);
    for (int d = 0; d < 3; ++d) out[d] = shape[d] + b[d] + e[d];
    std::vector<T> y(static_cast<size_t>(out[0] * out[1] * out[2]));
    pad(shape, b, e, mode, &value, sizeof(T), x.data(), y.data());
    for (int64_t i = 0; i < out[0]; ++i)
      for (int64_t j = 0; j < out[1]; ++j)
        for (int64_t k = 0; k < out[2]; ++k) {
          const int64_t si = naive_source(i, b[0], e[0], 3, mode), sj = naive_source(j, b[1], e[1], 4, mode),
                        sk = naive_source(k, b[2], e[2], 5, mode);
          const T want = si < 0 || sj < 0 || sk < 0 ? value : x[static_cast<size_t>((si * 4 + sj) * 5 + sk)];
          ASSERT_EQ(y[static_cast<size_t>((i * out[1] + j) * out[2] + k)], want)
              << "mode " << int(mode) << " at " << i << "," << j << "," << k << " pads " << p[0] << " " << p[1] << " "
              << p[2] << " " << p[3] << " " << p[4] << " " << p[5];
        }
  }
}

TEST(RefPad, EveryModeAndElementSizeMatchesNaiveLoops) {
  for (PadMode m : {PadMode::Constant, PadMode::Reflect, PadMode::Edge}) {
    check_against_naive<uint8_t>(m);
    check_against_naive<int16_t>(m);
    check_against_naive<float>(m);
    check_against_naive<int64_t>(m);
  }
}

TEST(RefPad, ConstantFillsRowsOfAnEmptyInput) {
  EXPECT_EQ(pad_f32({0, 2}, {}, {1, 0}, {1, 1}, PadMode::Constant, 4.0f), (std::vector<float>(6, 4.0f)));
  EXPECT_EQ(pad_f32({2, 3}, {1, 2, 3, 4, 5, 6}, {0, -3}, {0, 1}, PadMode::Constant, 4.0f), (std::vector<float>{4, 4}));
}

TEST(RefSplit, PartsAreTheSlicesAlongTheAxis) {
  // x [2, 6, 3] split on axis 1 into 1, 3, 2.
  std::vector<int32_t> x(36);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<int32_t>(i * 5 - 40);
  const std::vector<int64_t> sizes = {1, 3, 2};
  std::vector<std::vector<int32_t>> parts(3);
  std::vector<void*> outs;
  for (size_t j = 0; j < 3; ++j) {
    parts[j].assign(static_cast<size_t>(2 * sizes[j] * 3), 0);
    outs.push_back(parts[j].data());
  }
  split(2, {sizes[0] * 3, sizes[1] * 3, sizes[2] * 3}, x.data(), outs, sizeof(int32_t));
  int64_t first = 0;
  for (size_t j = 0; j < 3; ++j) {
    for (int64_t o = 0; o < 2; ++o)
      for (int64_t a = 0; a < sizes[j]; ++a)
        for (int64_t i = 0; i < 3; ++i)
          ASSERT_EQ(parts[j][static_cast<size_t>((o * sizes[j] + a) * 3 + i)], x[static_cast<size_t>((o * 6 + first + a) * 3 + i)])
              << "part " << j;
    first += sizes[j];
  }
}

// Where with all three operands broadcast ([2,1,4] condition, [3,1] X, [4] Y -> [2,3,4]); a
// condition byte of 2 counts as true.
TEST(RefWhere, BroadcastsAllThreeOperands) {
  std::vector<uint8_t> c(8);
  for (size_t i = 0; i < c.size(); ++i) c[i] = static_cast<uint8_t>(i % 3);  // 0, 1, 2, ...
  const std::vector<int64_t> a = {10, 20, 30}, b = {-1, -2, -3, -4};
  std::vector<int64_t> y(24, 0);
  where({2, 1, 4}, c.data(), {3, 1}, a.data(), {4}, b.data(), {2, 3, 4}, sizeof(int64_t), y.data());
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k)
        EXPECT_EQ(y[(i * 3 + j) * 4 + k], c[i * 4 + k] != 0 ? a[j] : b[k]) << i << "," << j << "," << k;
}

TEST(RefCast, BoolIsZeroOrOne) {
  const float f[] = {0.0f, -0.0f, 2.5f, -1.0f, std::numeric_limits<float>::quiet_NaN()};
  uint8_t b[5];
  cast(Elem::F32, f, Elem::Bool, b, 5);
  EXPECT_EQ(std::vector<uint8_t>(b, b + 5), (std::vector<uint8_t>{0, 0, 1, 1, 1}));  // numpy: NaN -> True
  const uint8_t raw[] = {0, 1, 2, 255};
  int64_t i64[4];
  cast(Elem::Bool, raw, Elem::I64, i64, 4);
  EXPECT_EQ(std::vector<int64_t>(i64, i64 + 4), (std::vector<int64_t>{0, 1, 1, 1}));
}

}  // namespace
}  // namespace qinfer::ref
