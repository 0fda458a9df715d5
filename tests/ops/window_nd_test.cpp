// The N-D reference windowed ops (ops/reference/window_nd.h) against the independent 2-D
// references at spatial rank 2, and at rank 3 against per-depth-slice 2-D results (a window of
// depth 1 with depth stride 1 treats every slice as an image).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "reference/conv.h"
#include "reference/conv_transpose.h"
#include "reference/pool.h"
#include "reference/window_nd.h"

namespace qinfer {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

struct Case {
  ref::Conv2DGeometry g2;
  ref::WindowGeometryNd gn;
};

// A random 2-D geometry and the same one as spatial rank `rank` (rank 3 prepends depth `depth`
// with a depth-1 window); `transpose` computes the output extents of ConvTranspose.
Case random_case(std::mt19937& rng, int rank, int64_t depth, bool transpose, bool pool) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  ref::Conv2DGeometry g;
  g.batch = pick(1, 2);
  g.groups = pool ? 1 : pick(1, 2);
  g.in_c = g.groups * pick(1, 3);
  g.out_c = pool ? g.in_c : g.groups * pick(1, 3);
  g.in_h = pick(1, 7), g.in_w = pick(1, 7);
  g.kernel_h = pick(1, 3), g.kernel_w = pick(1, 3);
  g.stride_h = pick(1, 3), g.stride_w = pick(1, 3);
  g.dilation_h = pick(1, 2), g.dilation_w = pick(1, 2);
  g.pad_top = pick(0, g.kernel_h - 1), g.pad_left = pick(0, g.kernel_w - 1);
  if (transpose) {
    g.out_h = ref::conv_transpose_out_extent(g.in_h, g.kernel_h, g.stride_h, g.pad_top, 0, g.dilation_h, 0);
    g.out_w = ref::conv_transpose_out_extent(g.in_w, g.kernel_w, g.stride_w, g.pad_left, 0, g.dilation_w, 0);
  } else {
    g.in_h += g.kernel_h * g.dilation_h, g.in_w += g.kernel_w * g.dilation_w;  // the window fits
    g.out_h = ref::conv_out_extent(g.in_h, g.kernel_h, g.stride_h, g.pad_top, 0, g.dilation_h);
    g.out_w = ref::conv_out_extent(g.in_w, g.kernel_w, g.stride_w, g.pad_left, 0, g.dilation_w);
  }
  ref::WindowGeometryNd n;
  n.rank = rank;
  n.batch = g.batch, n.in_c = g.in_c, n.out_c = g.out_c, n.groups = g.groups;
  const int a = rank - 2;  // first of the H, W axes
  if (rank == 3) n.in[0] = n.out[0] = depth, n.kernel[0] = n.stride[0] = n.dilation[0] = 1;
  n.in[a] = g.in_h, n.in[a + 1] = g.in_w, n.out[a] = g.out_h, n.out[a + 1] = g.out_w;
  n.kernel[a] = g.kernel_h, n.kernel[a + 1] = g.kernel_w, n.stride[a] = g.stride_h, n.stride[a + 1] = g.stride_w;
  n.pad_begin[a] = g.pad_top, n.pad_begin[a + 1] = g.pad_left;
  n.dilation[a] = g.dilation_h, n.dilation[a + 1] = g.dilation_w;
  return {g, n};
}

std::vector<float> random_values(std::mt19937& rng, int64_t n) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = d(rng);
  return v;
}

// NC D HW <-> (N * D) C HW: depth slices as a batch of images.
std::vector<float> slices_to_batch(const std::vector<float>& v, int64_t batch, int64_t c, int64_t depth, int64_t hw) {
  std::vector<float> out(v.size());
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t d = 0; d < depth; ++d)
        for (int64_t i = 0; i < hw; ++i) out[(((n * depth + d) * c + ch) * hw) + i] = v[((n * c + ch) * depth + d) * hw + i];
  return out;
}

void expect_near(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-5f) << what << " at " << i;
}

}  // namespace

namespace {

// Runs op `kind` (0 conv, 1 conv transpose, 2 max pool, 3 average pool) with the 2-D reference on
// x2 into want and with the N-D one on xn into got; conv outputs clamped below at `lo`.
void run_both(int kind, bool count_include_pad, float lo, const Case& c, const std::vector<float>& x2,
              const std::vector<float>& xn, const std::vector<float>& w, const std::vector<float>& bias,
              std::vector<float>* want, std::vector<float>* got) {
  const ref::Conv2DGeometry& g = c.g2;
  switch (kind) {
    case 0:
      ref::conv2d_f32_nchw(g, x2.data(), w.data(), bias.data(), lo, kInf, want->data(), 0, g.rows());
      ref::conv_nd_f32(c.gn, xn.data(), w.data(), bias.data(), lo, kInf, got->data(), 0, c.gn.planes());
      break;
    case 1:
      ref::conv_transpose2d_f32_nchw(g, x2.data(), w.data(), bias.data(), want->data(), 0, g.rows());
      ref::conv_transpose_nd_f32(c.gn, xn.data(), w.data(), bias.data(), -kInf, kInf, got->data(), 0, c.gn.planes());
      break;
    case 2:
      ref::maxpool2d_f32_nchw(g, x2.data(), want->data(), 0, g.rows());
      ref::maxpool_nd_f32(c.gn, xn.data(), got->data(), 0, c.gn.planes());
      break;
    default:
      ref::avgpool2d_f32_nchw(g, count_include_pad, x2.data(), want->data(), 0, g.rows());
      ref::avgpool_nd_f32(c.gn, count_include_pad, xn.data(), got->data(), 0, c.gn.planes());
      break;
  }
}

}  // namespace

TEST(WindowNdReference, Rank2MatchesThe2DReferences) {
  std::mt19937 rng(7);
  for (int iter = 0; iter < 200; ++iter) {
    for (int kind = 0; kind < 4; ++kind) {  // conv, conv transpose, max pool, average pool
      const Case c = random_case(rng, 2, 1, kind == 1, kind >= 2);
      const ref::Conv2DGeometry& g = c.g2;
      const auto x = random_values(rng, g.batch * g.in_c * g.in_h * g.in_w);
      const auto w = random_values(rng, g.out_c * g.in_c_per_group() * g.kernel_h * g.kernel_w);
      const auto bias = random_values(rng, g.out_c);
      const size_t ny = static_cast<size_t>(g.batch * g.out_c * g.out_h * g.out_w);
      std::vector<float> want(ny), got(ny);
      run_both(kind, iter % 2 == 0, -0.5f, c, x, x, w, bias, &want, &got);
      expect_near(got, want, "kind " + std::to_string(kind) + " iteration " + std::to_string(iter));
    }
  }
}

TEST(WindowNdReference, Rank3WithADepthOneWindowWorksSliceBySlice) {
  std::mt19937 rng(11);
  for (int iter = 0; iter < 60; ++iter) {
    for (int kind = 0; kind < 4; ++kind) {
      const int64_t depth = 1 + iter % 3;
      Case c = random_case(rng, 3, depth, kind == 1, kind >= 2);
      ref::Conv2DGeometry& g = c.g2;
      const auto x = random_values(rng, g.batch * g.in_c * depth * g.in_h * g.in_w);
      const auto w = random_values(rng, g.out_c * g.in_c_per_group() * g.kernel_h * g.kernel_w);
      const auto bias = random_values(rng, g.out_c);
      const size_t ny = static_cast<size_t>(g.batch * g.out_c * depth * g.out_h * g.out_w);
      std::vector<float> got(ny), want_batched(ny);
      const auto xb = slices_to_batch(x, g.batch, g.in_c, depth, g.in_h * g.in_w);
      const int64_t batch = g.batch;
      g.batch *= depth;  // the 2-D reference sees the depth slices as a batch of images
      run_both(kind, true, -kInf, c, xb, x, w, bias, &want_batched, &got);
      // Back from (N * D) C HW to N C D HW.
      std::vector<float> want(ny);
      const int64_t hw = g.out_h * g.out_w;
      for (int64_t n = 0; n < batch; ++n)
        for (int64_t ch = 0; ch < g.out_c; ++ch)
          for (int64_t d = 0; d < depth; ++d)
            for (int64_t i = 0; i < hw; ++i)
              want[((n * g.out_c + ch) * depth + d) * hw + i] = want_batched[((n * depth + d) * g.out_c + ch) * hw + i];
      expect_near(got, want, "kind " + std::to_string(kind) + " iteration " + std::to_string(iter));
    }
  }
}

// A 3x3x3 window over a 3x3x3 volume with pad 1 on every side: the centre output sums all 27
// values, a corner output the 8 of its octant; AveragePool divides by 8, or by 27 with
// count_include_pad; with a depth stride of 2, output depth 1 reads depths 1 and 2.
TEST(WindowNdReference, Rank3PaddedVolumeByHand) {
  ref::WindowGeometryNd g;
  g.rank = 3;
  g.in_c = g.out_c = 1;
  for (int a = 0; a < 3; ++a) g.in[a] = 3, g.out[a] = 3, g.kernel[a] = 3, g.stride[a] = 1, g.pad_begin[a] = 1, g.dilation[a] = 1;
  std::vector<float> x(27);
  for (int i = 0; i < 27; ++i) x[i] = float(i);
  std::vector<float> w(27, 1.0f), y(27);
  ref::conv_nd_f32(g, x.data(), w.data(), nullptr, -kInf, kInf, y.data(), 0, 1);
  EXPECT_FLOAT_EQ(y[13], 351.0f);                              // 0 + ... + 26
  EXPECT_FLOAT_EQ(y[0], 0 + 1 + 3 + 4 + 9 + 10 + 12 + 13);   // octant of (0, 0, 0)
  ref::avgpool_nd_f32(g, false, x.data(), y.data(), 0, 1);
  EXPECT_FLOAT_EQ(y[0], 52.0f / 8);
  ref::avgpool_nd_f32(g, true, x.data(), y.data(), 0, 1);
  EXPECT_FLOAT_EQ(y[0], 52.0f / 27);
  ref::maxpool_nd_f32(g, x.data(), y.data(), 0, 1);
  EXPECT_FLOAT_EQ(y[0], 13.0f);
  g.stride[0] = 2, g.out[0] = 2;
  ref::maxpool_nd_f32(g, x.data(), y.data(), 0, 1);
  EXPECT_FLOAT_EQ(y[9], 22.0f);  // output (1, 0, 0) reads depths 1..2, rows 0..1, columns 0..1: max at (2, 1, 1)
}

}  // namespace qinfer
