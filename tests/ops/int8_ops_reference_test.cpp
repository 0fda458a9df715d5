// Reference int8 kernels added for PP-OCRv4 det: lookup tables (HardSwish, Sigmoid, ...), the
// float HardSwish, uint8 Mul with broadcasting, Concat with requantization, nearest Resize on NHWC
// and int8 ConvTranspose. Each is checked against an independent formulation (the float kernels
// or a plain per-element loop over qmath), over odd sizes and several zero points.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "quant_math.h"
#include "reference/conv_transpose.h"
#include "reference/conv_transpose_qu8.h"
#include "reference/int8_data.h"
#include "reference/lut.h"
#include "reference/resize.h"

namespace qinfer::ref {

namespace {

std::vector<uint8_t> random_u8(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& x : v) x = static_cast<uint8_t>(rng() & 255);
  return v;
}

// The ONNX export's node sequence, one IEEE operation per node.
float hardswish_nodes(float x, float a, float b) {
  const volatile float t = x + 3.0f;
  const volatile float c = std::min(std::max(static_cast<float>(t), 0.0f), 6.0f);
  const volatile float m = x * c;
  const volatile float d = m / 6.0f;
  const volatile float s = d * a;
  return s + b;
}

TEST(LutRef, HardSwishIsTheExportedNodeSequence) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-9.0f, 9.0f);
  std::vector<float> x(1001), y(1001);
  for (auto& v : x) v = u(rng);
  x[0] = -3.0f, x[1] = 3.0f, x[2] = 0.0f, x[3] = -0.0f, x[4] = 1e30f, x[5] = -1e30f;
  LutParams p;
  p.post_mul = 0.4763231f, p.post_add = -0.00757324f;
  hardswish_f32(x.data(), p, y.data(), 0, static_cast<int64_t>(x.size()));
  for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(y[i], hardswish_nodes(x[i], p.post_mul, p.post_add)) << "x=" << x[i];
  // With a pre-affine: (x * k + c) first, as the Mul and Add nodes before the pattern compute it.
  p.pre_mul = 0.94316906f, p.pre_add = 0.5042972f;
  hardswish_f32(x.data(), p, y.data(), 0, static_cast<int64_t>(x.size()));
  for (size_t i = 0; i < x.size(); ++i) {
    const volatile float m = x[i] * p.pre_mul;
    const float xp = m + p.pre_add;
    EXPECT_EQ(y[i], hardswish_nodes(xp, p.post_mul, p.post_add)) << "x=" << x[i];
  }
}

TEST(LutRef, TablesFollowTheFloatFunctionWithinOneStep) {
  struct Case {
    LutFunction f;
    float in_scale;
    int32_t in_zp;
    float out_scale;
    int32_t out_zp;
  };
  const Case cases[] = {{LutFunction::HardSwish, 0.05f, 128, 0.03f, 13},   {LutFunction::HardSwish, 0.3f, 7, 0.2f, 2},
                        {LutFunction::Sigmoid, 0.1f, 140, 1.0f / 255, 0},   {LutFunction::HardSigmoid, 0.07f, 99, 1.0f / 255, 0},
                        {LutFunction::Tanh, 0.02f, 128, 2.0f / 255, 128},   {LutFunction::LeakyRelu, 0.05f, 200, 0.04f, 150},
                        {LutFunction::Affine, 0.05f, 31, 0.11f, 77}};
  for (const Case& c : cases) {
    LutParams p;
    p.alpha = c.f == LutFunction::HardSigmoid ? 0.2f : c.f == LutFunction::LeakyRelu ? 0.1f : 1.9f;
    p.beta = c.f == LutFunction::HardSigmoid ? 0.5f : 0.8f;
    uint8_t table[256];
    build_lut_u8(c.f, p, c.in_scale, c.in_zp, c.out_scale, c.out_zp, table);
    for (int q = 0; q < 256; ++q) {
      const float want = lut_function(c.f, p, (q - c.in_zp) * c.in_scale);
      const float got = (table[q] - c.out_zp) * c.out_scale;
      const float lo = (0 - c.out_zp) * c.out_scale, hi = (255 - c.out_zp) * c.out_scale;
      const float clamped = std::min(std::max(want, lo), hi);
      EXPECT_LE(std::fabs(got - clamped), 0.5f * c.out_scale * 1.0001f) << "function " << int(c.f) << " q=" << q;
    }
    // apply_lut_u8 over a range with an odd start and length.
    const auto x = random_u8(1037, 3);
    std::vector<uint8_t> y(x.size(), 0xAA);
    apply_lut_u8(table, x.data(), y.data(), 5, 1030);
    for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(y[i], (i >= 5 && i < 1030) ? table[x[i]] : 0xAA) << i;
  }
  EXPECT_EQ(lut_function(LutFunction::HardSigmoid, {0.2f, 0.5f}, 10.0f), 1.0f);
  EXPECT_EQ(lut_function(LutFunction::LeakyRelu, {0.1f, 0.0f}, -2.0f), -0.2f);
}

TEST(LutRef, RequantizeTableIsQmathRequantize) {
  for (const auto& [si, zi, so, zo] : {std::tuple<float, int32_t, float, int32_t>{0.1f, 128, 0.1f, 128},
                                       {0.1f, 128, 0.37f, 3},
                                       {0.02f, 0, 0.011f, 255},
                                       {1.5f, 77, 0.004f, 100}}) {
    uint8_t t[256];
    build_requantize_lut_u8(si, zi, so, zo, t);
    const float m = static_cast<float>(double(si) / double(so));
    for (int q = 0; q < 256; ++q) EXPECT_EQ(t[q], qmath::requantize(q - zi, m, zo, 0, 255)) << q;
  }
  uint8_t same[256];
  build_requantize_lut_u8(0.25f, 31, 0.25f, 31, same);
  for (int q = 0; q < 256; ++q) EXPECT_EQ(same[q], q);
}

uint8_t mul_expected(uint8_t a, uint8_t b, const MulQu8Params& p) {
  const int32_t acc = (int32_t(a) - p.a_zero_point) * (int32_t(b) - p.b_zero_point);
  return static_cast<uint8_t>(qmath::requantize(acc, p.multiplier, p.y_zero_point, p.y_min, p.y_max));
}

TEST(MulQu8Ref, AllBroadcastPathsMatchThePerElementFormula) {
  const MulQu8Params params[] = {{128, 0, 3, 0.013f, 0, 255}, {7, 200, 250, 0.0009f, 10, 240}, {0, 0, 0, 1.7f, 0, 255}};
  for (const MulQu8Params& p : params) {
    const int64_t n = 2, h = 3, w = 5, c = 7;  // physical NHWC
    const auto a = random_u8(n * h * w * c, 11), b_full = random_u8(n * h * w * c, 12), b_gate = random_u8(n * c, 13);
    std::vector<uint8_t> y(a.size());
    mul_qu8({n, h, w, c}, a.data(), {n, h, w, c}, b_full.data(), {n, h, w, c}, p, y.data());
    for (size_t i = 0; i < y.size(); ++i) ASSERT_EQ(y[i], mul_expected(a[i], b_full[i], p)) << i;
    // [N, H, W, C] x [N, 1, 1, C]: the SE gate; both operand orders.
    mul_qu8({n, h, w, c}, a.data(), {n, 1, 1, c}, b_gate.data(), {n, h, w, c}, p, y.data());
    for (int64_t i = 0; i < n * h * w * c; ++i)
      ASSERT_EQ(y[i], mul_expected(a[i], b_gate[(i / (h * w * c)) * c + i % c], p)) << i;
    mul_qu8({n, 1, 1, c}, b_gate.data(), {n, h, w, c}, a.data(), {n, h, w, c}, p, y.data());
    for (int64_t i = 0; i < n * h * w * c; ++i) {
      const MulQu8Params swapped{p.b_zero_point, p.a_zero_point, p.y_zero_point, p.multiplier, p.y_min, p.y_max};
      ASSERT_EQ(y[i], mul_expected(a[i], b_gate[(i / (h * w * c)) * c + i % c], swapped)) << i;
    }
    // Generic broadcasting: [N, H, 1, C] x [1, 1, W, 1].
    const auto a2 = random_u8(n * h * c, 14), b2 = random_u8(w, 15);
    mul_qu8({n, h, 1, c}, a2.data(), {1, 1, w, 1}, b2.data(), {n, h, w, c}, p, y.data());
    for (int64_t in = 0; in < n; ++in)
      for (int64_t ih = 0; ih < h; ++ih)
        for (int64_t iw = 0; iw < w; ++iw)
          for (int64_t ic = 0; ic < c; ++ic)
            ASSERT_EQ(y[((in * h + ih) * w + iw) * c + ic], mul_expected(a2[(in * h + ih) * c + ic], b2[iw], p));
  }
}

TEST(ConcatQu8Ref, CopiesOrRequantizesEachInput) {
  // Physical [2, 3, 4, C_i] along the last axis (NHWC channels), C = 3, 1, 5.
  const std::vector<int64_t> s0{2, 3, 4, 3}, s1{2, 3, 4, 1}, s2{2, 3, 4, 5};
  const auto a = random_u8(72, 21), b = random_u8(24, 22), c = random_u8(120, 23);
  uint8_t table[256];
  build_requantize_lut_u8(0.3f, 100, 0.1f, 5, table);
  std::vector<uint8_t> y(216);
  concat_u8({&s0, &s1, &s2}, {a.data(), b.data(), c.data()}, {nullptr, table, nullptr}, 3, y.data());
  for (int64_t p = 0; p < 24; ++p) {
    for (int k = 0; k < 3; ++k) ASSERT_EQ(y[p * 9 + k], a[p * 3 + k]);
    ASSERT_EQ(y[p * 9 + 3], table[b[p]]);
    for (int k = 0; k < 5; ++k) ASSERT_EQ(y[p * 9 + 4 + k], c[p * 5 + k]);
  }
  // Along axis 1 (rows): whole blocks.
  const std::vector<int64_t> r0{2, 1, 4, 3}, r1{2, 2, 4, 3};
  std::vector<uint8_t> z(72);
  concat_u8({&r0, &r1}, {a.data(), a.data() + 24}, {table, nullptr}, 1, z.data());
  for (int64_t n = 0; n < 2; ++n) {
    for (int k = 0; k < 12; ++k) ASSERT_EQ(z[n * 36 + k], table[a[n * 12 + k]]);
    for (int k = 0; k < 24; ++k) ASSERT_EQ(z[n * 36 + 12 + k], a[24 + n * 24 + k]);
  }
}

TEST(ResizeU8Ref, NearestNhwcMatchesTheFloatKernelOnEveryMode) {
  const int64_t n = 2, c = 3, h = 5, w = 7;
  const auto x = random_u8(n * c * h * w, 31);  // NHWC
  std::vector<float> xf(x.size());                // the same data NCHW
  for (int64_t in = 0; in < n; ++in)
    for (int64_t ic = 0; ic < c; ++ic)
      for (int64_t p = 0; p < h * w; ++p) xf[(in * c + ic) * h * w + p] = x[(in * h * w + p) * c + ic];
  for (auto coord : {ResizeCoordinates::Asymmetric, ResizeCoordinates::HalfPixel, ResizeCoordinates::AlignCorners})
    for (auto rule : {NearestRounding::Floor, NearestRounding::RoundPreferFloor, NearestRounding::Ceil})
      for (const auto& [oh, ow] : {std::pair<int64_t, int64_t>{10, 14}, {11, 3}, {5, 7}}) {
        ResizeGeometry g;
        g.planes = n * c, g.in_h = h, g.in_w = w, g.out_h = oh, g.out_w = ow;
        g.scale_h = float(oh) / h, g.scale_w = float(ow) / w;
        g.coordinates = coord, g.nearest = rule;
        std::vector<float> yf(n * c * oh * ow);
        resize2d_f32_nchw(g, xf.data(), yf.data(), 0, g.planes);
        ResizeGeometry gq = g;
        gq.planes = n;
        std::vector<uint8_t> y(n * oh * ow * c);
        resize_nearest_u8_nhwc(gq, c, x.data(), y.data(), 0, n * oh);
        for (int64_t in = 0; in < n; ++in)
          for (int64_t ic = 0; ic < c; ++ic)
            for (int64_t p = 0; p < oh * ow; ++p)
              ASSERT_EQ(float(y[(in * oh * ow + p) * c + ic]), yf[(in * c + ic) * oh * ow + p])
                  << "coordinates " << int(coord) << " rounding " << int(rule) << " out " << oh << "x" << ow;
      }
}

// int8 ConvTranspose vs the float reference on the same integers (exact in float: small sums).
TEST(ConvTransposeQu8Ref, MatchesTheFloatKernelThenRequantize) {
  struct Geo {
    int64_t in_c, out_c, h, w, k, stride, pad, dil;
  };
  const Geo geos[] = {{5, 3, 7, 9, 2, 2, 0, 1}, {3, 4, 4, 5, 3, 2, 1, 1}, {2, 2, 3, 3, 3, 1, 0, 2}, {4, 1, 5, 2, 2, 3, 0, 1}};
  for (const Geo& gg : geos)
    for (int32_t zp : {0, 131, 255}) {
      Conv2DGeometry g;
      g.batch = 2, g.in_c = gg.in_c, g.in_h = gg.h, g.in_w = gg.w, g.out_c = gg.out_c;
      g.kernel_h = g.kernel_w = gg.k, g.stride_h = g.stride_w = gg.stride, g.pad_top = g.pad_left = gg.pad;
      g.dilation_h = g.dilation_w = gg.dil;
      g.out_h = conv_transpose_out_extent(gg.h, gg.k, gg.stride, gg.pad, gg.pad, gg.dil, 0);
      g.out_w = conv_transpose_out_extent(gg.w, gg.k, gg.stride, gg.pad, gg.pad, gg.dil, 0);
      const auto x = random_u8(g.batch * gg.h * gg.w * gg.in_c, 41 + zp);
      std::mt19937 rng(5);
      std::vector<int8_t> w_ohwi(gg.out_c * gg.k * gg.k * gg.in_c);
      for (auto& v : w_ohwi) v = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
      std::vector<int32_t> bias(gg.out_c);
      for (auto& v : bias) v = static_cast<int32_t>(rng() % 20001) - 10000;
      std::vector<float> mult(gg.out_c);
      for (int64_t o = 0; o < gg.out_c; ++o) mult[o] = 0.0007f * float(o + 1);
      std::vector<uint8_t> y(g.batch * g.out_h * g.out_w * gg.out_c);
      conv_transpose2d_qu8s8_nhwc(g, x.data(), zp, w_ohwi.data(), bias.data(), mult.data(), 9, 3, 250, y.data(), 0,
                                  g.batch * g.out_h);
      // Float reference: NCHW input x - zp, weights [C_in, C_out, K, K], bias as float.
      std::vector<float> xf(x.size()), wf(w_ohwi.size()), bf(bias.begin(), bias.end()), yf(g.batch * gg.out_c * g.out_h * g.out_w);
      for (int64_t n = 0; n < g.batch; ++n)
        for (int64_t c = 0; c < gg.in_c; ++c)
          for (int64_t p = 0; p < gg.h * gg.w; ++p)
            xf[(n * gg.in_c + c) * gg.h * gg.w + p] = float(int32_t(x[(n * gg.h * gg.w + p) * gg.in_c + c]) - zp);
      for (int64_t o = 0; o < gg.out_c; ++o)
        for (int64_t i = 0; i < gg.in_c; ++i)
          for (int64_t kk = 0; kk < gg.k * gg.k; ++kk)
            wf[(i * gg.out_c + o) * gg.k * gg.k + kk] = w_ohwi[(o * gg.k * gg.k + kk) * gg.in_c + i];
      conv_transpose2d_f32_nchw(g, xf.data(), wf.data(), bf.data(), yf.data(), 0, g.batch * g.out_h);
      for (int64_t n = 0; n < g.batch; ++n)
        for (int64_t o = 0; o < gg.out_c; ++o)
          for (int64_t p = 0; p < g.out_h * g.out_w; ++p) {
            const int32_t acc = static_cast<int32_t>(yf[(n * gg.out_c + o) * g.out_h * g.out_w + p]);
            ASSERT_EQ(y[(n * g.out_h * g.out_w + p) * gg.out_c + o], qmath::requantize(acc, mult[o], 9, 3, 250))
                << "geometry k" << gg.k << " s" << gg.stride << " p" << gg.pad << " d" << gg.dil << " zp " << zp;
          }
    }
}

}  // namespace

}  // namespace qinfer::ref
