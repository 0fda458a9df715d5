// The int8 reference convolution against (1) a hand-computed case and (2) an independent
// implementation that materialises the zero-point padding and works in NCHW.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "quant_math.h"
#include "reference/conv.h"

namespace qinfer {

namespace {
ref::Conv2DGeometry depthwise_3x3_case() {
  ref::Conv2DGeometry g;
  g.batch = 1, g.in_c = 2, g.in_h = 3, g.in_w = 3;
  g.out_c = 2, g.out_h = 2, g.out_w = 2;
  g.kernel_h = g.kernel_w = 3;
  g.stride_h = g.stride_w = 2;
  g.pad_top = g.pad_left = 1;
  g.groups = 2;
  return g;
}
}  // namespace

// Depthwise (2 groups), 3x3, stride 2, pad 1, input zero point 3, output zero point 100.
// Channel 0 uses a Sobel kernel, channel 1 a Laplacian; the sums are worked out by hand:
//   x - 3, channel 0: [[0 2 4] [1 3 5] [6 0 -2]]   channel 1: [[7 0 0] [0 10 0] [0 0 -3]]
//   windows centred on (0,0) (0,2) (2,0) (2,2), taps outside the image read zero:
//   channel 0: bias 10 + {-4-3, +4+3, -3, +3}     = {3, 17, 7, 13}
//   channel 1: bias -5 + {-4*7, 0, 0, -4*-3}      = {-33, -5, -5, 7}
//   times 0.5 / 0.25: {1.5, 8.5, 3.5, 6.5} -> {2, 8, 4, 6}; {-8.25, -1.25, -1.25, 1.75} -> {-8, -1, -1, 2}
//   plus 100.
TEST(ConvReference, DepthwiseStride2PaddedMatchesHandComputation) {
  const ref::Conv2DGeometry g = depthwise_3x3_case();
  const uint8_t ch0[9] = {3, 5, 7, 4, 6, 8, 9, 3, 1};
  const uint8_t ch1[9] = {10, 3, 3, 3, 13, 3, 3, 3, 0};
  std::vector<uint8_t> x(18);
  for (int i = 0; i < 9; ++i) x[i * 2] = ch0[i], x[i * 2 + 1] = ch1[i];  // NHWC
  const std::vector<int8_t> w = {1, 0, -1, 2, 0, -2, 1, 0, -1,   // OHWI, I = 1
                                 0, 1, 0, 1, -4, 1, 0, 1, 0};
  const std::vector<int32_t> bias = {10, -5};
  const std::vector<float> multiplier = {0.5f, 0.25f};
  std::vector<uint8_t> y(8, 0);
  ref::conv2d_qu8s8_nhwc(g, x.data(), 3, w.data(), bias.data(), multiplier.data(), 100, 0, 255, y.data(), 0, g.rows());
  const std::vector<uint8_t> expected = {102, 92, 108, 99, 104, 99, 106, 102};  // (oy, ox, c)
  EXPECT_EQ(y, expected);

  // A fused clamp (e.g. ReLU6 mapped onto the grid) only moves the bounds.
  ref::conv2d_qu8s8_nhwc(g, x.data(), 3, w.data(), bias.data(), multiplier.data(), 100, 95, 105, y.data(), 0, g.rows());
  const std::vector<uint8_t> clamped = {102, 95, 105, 99, 104, 99, 105, 102};
  EXPECT_EQ(y, clamped);
}

namespace {
// Independent twin: pads the NCHW input with the zero point, then convolves without bounds checks.
std::vector<uint8_t> independent_conv(const ref::Conv2DGeometry& g, int64_t pad_bottom, int64_t pad_right,
                                      const std::vector<uint8_t>& x_nchw, int32_t zx, const std::vector<int8_t>& w_oihw,
                                      const std::vector<int32_t>& bias, const std::vector<float>& mult, int32_t zy) {
  const int64_t ph = g.in_h + g.pad_top + pad_bottom, pw = g.in_w + g.pad_left + pad_right;
  std::vector<int32_t> padded(static_cast<size_t>(g.batch * g.in_c * ph * pw), zx);
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t c = 0; c < g.in_c; ++c)
      for (int64_t i = 0; i < g.in_h; ++i)
        for (int64_t j = 0; j < g.in_w; ++j)
          padded[((n * g.in_c + c) * ph + i + g.pad_top) * pw + j + g.pad_left] = x_nchw[((n * g.in_c + c) * g.in_h + i) * g.in_w + j];
  const int64_t icg = g.in_c / g.groups, ocg = g.out_c / g.groups;
  std::vector<uint8_t> y_nhwc(static_cast<size_t>(g.batch * g.out_h * g.out_w * g.out_c));
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t o = 0; o < g.out_c; ++o)
      for (int64_t i = 0; i < g.out_h; ++i)
        for (int64_t j = 0; j < g.out_w; ++j) {
          int64_t acc = bias[o];
          for (int64_t c = 0; c < icg; ++c)
            for (int64_t ky = 0; ky < g.kernel_h; ++ky)
              for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
                const int64_t xv = padded[((n * g.in_c + (o / ocg) * icg + c) * ph + i * g.stride_h + ky * g.dilation_h) * pw +
                                          j * g.stride_w + kx * g.dilation_w];
                acc += (xv - zx) * w_oihw[((o * icg + c) * g.kernel_h + ky) * g.kernel_w + kx];
              }
          const float scaled = static_cast<float>(static_cast<int32_t>(acc)) * mult[o];
          const long q = std::lrint(scaled) + zy;  // default rounding mode: to nearest even
          y_nhwc[((n * g.out_h + i) * g.out_w + j) * g.out_c + o] = static_cast<uint8_t>(std::min(255L, std::max(0L, q)));
        }
  return y_nhwc;
}

struct SweepCase {
  int64_t batch, in_c, out_c, groups, h, w, k, stride, pad, dilation;
  int32_t zx, zy;
};
}  // namespace

TEST(ConvReference, MatchesIndependentImplementationOverShapes) {
  const SweepCase cases[] = {
      {1, 3, 5, 1, 7, 9, 3, 1, 1, 1, 128, 7},    {2, 4, 4, 4, 8, 5, 3, 2, 1, 1, 0, 255},
      {1, 6, 4, 2, 11, 13, 5, 2, 2, 1, 255, 0},  {1, 17, 3, 1, 5, 5, 1, 1, 0, 1, 77, 128},
      {1, 8, 8, 8, 9, 9, 3, 1, 2, 2, 13, 50},    {3, 2, 7, 1, 6, 4, 2, 2, 0, 1, 200, 3},
      {1, 1, 16, 1, 28, 28, 3, 1, 1, 1, 0, 0},   {1, 32, 32, 32, 14, 14, 3, 2, 1, 1, 128, 128},
  };
  std::mt19937 rng(42);
  for (const SweepCase& c : cases) {
    ref::Conv2DGeometry g;
    g.batch = c.batch, g.in_c = c.in_c, g.in_h = c.h, g.in_w = c.w;
    g.out_c = c.out_c, g.groups = c.groups;
    g.kernel_h = g.kernel_w = c.k;
    g.stride_h = g.stride_w = c.stride;
    g.pad_top = g.pad_left = c.pad;
    g.dilation_h = g.dilation_w = c.dilation;
    g.out_h = ref::conv_out_extent(c.h, c.k, c.stride, c.pad, c.pad, c.dilation);
    g.out_w = ref::conv_out_extent(c.w, c.k, c.stride, c.pad, c.pad, c.dilation);
    const int64_t icg = c.in_c / c.groups;
    std::vector<uint8_t> x_nchw(static_cast<size_t>(c.batch * c.in_c * c.h * c.w));
    std::vector<int8_t> w_oihw(static_cast<size_t>(c.out_c * icg * c.k * c.k));
    std::vector<int32_t> bias(static_cast<size_t>(c.out_c));
    std::vector<float> mult(static_cast<size_t>(c.out_c));
    for (auto& v : x_nchw) v = static_cast<uint8_t>(rng() % 256);
    for (auto& v : w_oihw) v = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
    for (auto& v : bias) v = static_cast<int32_t>(rng() % 20001) - 10000;
    for (auto& v : mult) v = 1e-4f + static_cast<float>(rng() % 1000) * 1e-5f;
    // The kernel under test reads NHWC activations and OHWI weights.
    std::vector<uint8_t> x_nhwc(x_nchw.size());
    for (int64_t n = 0; n < c.batch; ++n)
      for (int64_t ch = 0; ch < c.in_c; ++ch)
        for (int64_t i = 0; i < c.h * c.w; ++i) x_nhwc[(n * c.h * c.w + i) * c.in_c + ch] = x_nchw[(n * c.in_c + ch) * c.h * c.w + i];
    std::vector<int8_t> w_ohwi(w_oihw.size());
    for (int64_t o = 0; o < c.out_c; ++o)
      for (int64_t i = 0; i < icg; ++i)
        for (int64_t k = 0; k < c.k * c.k; ++k) w_ohwi[(o * c.k * c.k + k) * icg + i] = w_oihw[(o * icg + i) * c.k * c.k + k];
    std::vector<uint8_t> y(static_cast<size_t>(g.batch * g.out_h * g.out_w * g.out_c));
    // Split the rows in two calls to also check the row-range contract.
    const int64_t half = g.rows() / 2;
    ref::conv2d_qu8s8_nhwc(g, x_nhwc.data(), c.zx, w_ohwi.data(), bias.data(), mult.data(), c.zy, 0, 255, y.data(), 0, half);
    ref::conv2d_qu8s8_nhwc(g, x_nhwc.data(), c.zx, w_ohwi.data(), bias.data(), mult.data(), c.zy, 0, 255, y.data(), half, g.rows());
    EXPECT_EQ(y, independent_conv(g, c.pad, c.pad, x_nchw, c.zx, w_oihw, bias, mult, c.zy))
        << "batch " << c.batch << " in_c " << c.in_c << " out_c " << c.out_c << " groups " << c.groups << " " << c.h << "x"
        << c.w << " k " << c.k << " stride " << c.stride << " pad " << c.pad << " dilation " << c.dilation;
  }
}

TEST(ConvReference, OutputExtentFollowsOnnxRules) {
  EXPECT_EQ(ref::conv_out_extent(28, 3, 1, 1, 1, 1), 28);
  EXPECT_EQ(ref::conv_out_extent(28, 3, 2, 1, 1, 1), 14);
  EXPECT_EQ(ref::conv_out_extent(7, 2, 2, 0, 0, 1), 3);
  EXPECT_EQ(ref::conv_out_extent(7, 2, 2, 0, 0, 1, /*ceil_mode=*/true), 4);
  EXPECT_EQ(ref::conv_out_extent(5, 3, 1, 0, 0, 2), 1);
  EXPECT_EQ(ref::conv_out_extent(2, 3, 1, 0, 0, 1), 0);  // does not fit
}

}  // namespace qinfer
