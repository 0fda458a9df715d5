// The Highway uint8 NHWC max pooling gives the reference's bytes on every compiled target, over
// channel counts with every kind of tail, strides, dilations, padding and row ranges; so does the
// global average pooling.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "pool_qu8_hwy.h"
#include "qu8s8_target_test.h"
#include "reference/conv.h"
#include "reference/pool.h"

namespace qinfer {

namespace {

QINFER_QU8S8_TARGET_SUITE(PoolQu8Hwy);

struct PoolCase {
  int64_t c, h, w, k, stride, pad, dilation;
};

TEST_P(PoolQu8Hwy, MaxPoolMatchesReference) {
  const PoolCase cases[] = {{64, 112, 112, 3, 2, 1, 1}, {1, 9, 7, 3, 1, 1, 1},  {3, 8, 8, 2, 2, 0, 1},
                            {17, 11, 13, 3, 2, 1, 2},   {80, 6, 5, 5, 1, 2, 1}, {129, 4, 4, 3, 3, 2, 1},
                            {31, 5, 9, 4, 1, 3, 1}};
  std::mt19937 rng(7);
  for (const PoolCase& pc : cases) {
    ref::Conv2DGeometry g;
    g.batch = 2, g.in_c = g.out_c = pc.c, g.in_h = pc.h, g.in_w = pc.w;
    g.kernel_h = g.kernel_w = pc.k, g.stride_h = g.stride_w = pc.stride;
    g.pad_top = g.pad_left = pc.pad, g.dilation_h = g.dilation_w = pc.dilation;
    // ceil_mode-like extents (one more output than floor) give windows with no in-bounds tap.
    g.out_h = (pc.h + 2 * pc.pad - pc.dilation * (pc.k - 1) - 1 + pc.stride) / pc.stride + 1;
    g.out_w = (pc.w + 2 * pc.pad - pc.dilation * (pc.k - 1) - 1 + pc.stride) / pc.stride + 1;
    std::vector<uint8_t> x(static_cast<size_t>(g.batch * pc.h * pc.w * pc.c));
    for (auto& v : x) v = static_cast<uint8_t>(rng() & 255);
    const size_t ny = static_cast<size_t>(g.batch * g.out_h * g.out_w * pc.c);
    std::vector<uint8_t> want(ny, 1), got(ny, 2);
    ref::maxpool2d_u8_nhwc(g, x.data(), want.data(), 0, g.rows());
    q8::maxpool2d_u8_nhwc_hwy(g, x.data(), got.data(), 0, 1);
    q8::maxpool2d_u8_nhwc_hwy(g, x.data(), got.data(), 1, g.rows());
    ASSERT_EQ(got, want) << "C=" << pc.c << " H=" << pc.h << " W=" << pc.w << " k=" << pc.k << " s=" << pc.stride
                         << " pad=" << pc.pad << " d=" << pc.dilation;
  }
}

// Global average pooling: channel counts with vector tails, planes of 1 to 300 pixels, zero points,
// and channel ranges (thread shares) that together give the reference's bytes.
TEST_P(PoolQu8Hwy, GlobalAveragePoolMatchesReference) {
  std::mt19937 rng(11);
  for (int64_t channels : {1, 3, 16, 17, 64, 255, 256, 300, 2048})
    for (int64_t hw : {1, 7, 49, 300}) {
      const int64_t batch = 2;
      std::vector<uint8_t> x(static_cast<size_t>(batch * hw * channels));
      for (auto& v : x) v = static_cast<uint8_t>(rng() & 255);
      const int32_t x_zp = static_cast<int32_t>(rng() % 256), y_zp = static_cast<int32_t>(rng() % 256);
      const float multiplier = 0.9f / static_cast<float>(hw);
      std::vector<uint8_t> want(static_cast<size_t>(batch * channels), 1), got(want.size(), 2);
      ref::global_average_pool_u8_nhwc(batch, channels, hw, x.data(), x_zp, multiplier, y_zp, 0, 255, want.data());
      const int64_t mid = channels / 3;
      q8::global_average_pool_u8_nhwc_hwy(batch, channels, hw, x.data(), x_zp, multiplier, y_zp, 0, 255, got.data(), 0,
                                          mid);
      q8::global_average_pool_u8_nhwc_hwy(batch, channels, hw, x.data(), x_zp, multiplier, y_zp, 0, 255, got.data(),
                                          mid, channels);
      ASSERT_EQ(got, want) << "C=" << channels << " HW=" << hw;
    }
}

}  // namespace

}  // namespace qinfer
