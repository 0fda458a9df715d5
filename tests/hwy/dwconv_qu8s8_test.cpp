// Depthwise int8 conv (ops/dwconv_qu8s8_hwy.h) against ref::conv2d_qu8s8_nhwc, byte for byte, on every target.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "dwconv_qu8s8_hwy.h"
#include "qu8s8_target_test.h"
#include "reference/conv.h"

namespace qinfer::testing {
namespace {

struct DwCase {
  int64_t batch = 1, c = 8, h = 7, w = 7, k = 3, stride = 1, pad = 1, dilation = 1;
  int64_t kw = 0;  // kernel width when it differs from k
  bool extreme = false;  // x = 255 and w = -128 everywhere: the largest products
  int32_t x_zp = 128, y_zp = 128, lo = 0, hi = 255;
  float mscale = 1.0f / 512;
  bool bias = true;
  int splits = 1;
};

void TestDw(const DwCase& t) {
  ref::Conv2DGeometry g;
  g.batch = t.batch, g.in_c = t.c, g.in_h = t.h, g.in_w = t.w, g.out_c = t.c, g.groups = t.c;
  g.kernel_h = t.k, g.kernel_w = t.kw ? t.kw : t.k;
  g.stride_h = g.stride_w = t.stride;
  g.pad_top = g.pad_left = t.pad;
  g.dilation_h = g.dilation_w = t.dilation;
  g.out_h = ref::conv_out_extent(t.h, t.k, t.stride, t.pad, t.pad, t.dilation);
  g.out_w = ref::conv_out_extent(t.w, g.kernel_w, t.stride, t.pad + 1, t.pad, t.dilation);  // asymmetric right pad
  ASSERT_GT(g.out_h, 0);
  ASSERT_GT(g.out_w, 0);
  std::mt19937 rng(static_cast<uint32_t>(t.c * 31 + t.h * 7 + t.k + t.stride * 3 + t.x_zp));
  std::uniform_int_distribution<int> u8(0, 255), s8(-128, 127), bd(-20000, 20000);
  std::uniform_real_distribution<float> mu(0.5f, 1.5f);
  std::vector<uint8_t> x(static_cast<size_t>(t.batch * t.h * t.w * t.c));
  for (auto& v : x) v = static_cast<uint8_t>(u8(rng));
  std::vector<int8_t> w(static_cast<size_t>(t.c * g.kernel_h * g.kernel_w));
  for (auto& v : w) v = static_cast<int8_t>(s8(rng));
  w[0] = -128;
  if (t.extreme) {
    std::fill(x.begin(), x.end(), uint8_t{255});
    std::fill(w.begin(), w.end(), int8_t{-128});
  }
  std::vector<int32_t> bias(static_cast<size_t>(t.c));
  for (auto& v : bias) v = bd(rng);
  std::vector<float> mult(static_cast<size_t>(t.c));
  for (auto& v : mult) v = t.mscale * mu(rng);
  const int32_t* bp = t.bias ? bias.data() : nullptr;
  const size_t ysize = static_cast<size_t>(g.batch * g.out_h * g.out_w * t.c);
  std::vector<uint8_t> expect(ysize), y(ysize, 0xAB);
  ref::conv2d_qu8s8_nhwc(g, x.data(), t.x_zp, w.data(), bp, mult.data(), t.y_zp, t.lo, t.hi, expect.data(), 0, g.rows());
  const q8::PackedDwQu8s8 packed =
      q8::dwconv_qu8s8_pack(t.c, g.kernel_h, g.kernel_w, w.data(), bp, mult.data(), t.x_zp, t.y_zp, t.lo, t.hi);
  for (int s = 0; s < t.splits; ++s)
    q8::dwconv_qu8s8_run(packed, g, x.data(), y.data(), g.rows() * s / t.splits, g.rows() * (s + 1) / t.splits);
  int failures = 0;
  for (size_t i = 0; i < ysize && failures < 5; ++i)
    if (y[i] != expect[i]) {
      ++failures;
      ADD_FAILURE() << "C=" << t.c << " HxW=" << t.h << "x" << t.w << " k=" << g.kernel_h << "x" << g.kernel_w
                    << " s=" << t.stride
                    << " pad=" << t.pad << " dil=" << t.dilation << " batch=" << t.batch << " x_zp=" << t.x_zp
                    << " at " << i << ": got " << int(y[i]) << " expected " << int(expect[i]) << " on "
                    << q8::dwconv_qu8s8_target();
    }
}

QINFER_KERNEL_TARGET_SUITE(DwConvQu8s8, q8::dwconv_qu8s8_compiled_targets, q8::dwconv_qu8s8_target);

TEST_P(DwConvQu8s8, ChannelsEveryTail) {
  for (int64_t c = 1; c <= 67; ++c) {
    DwCase t;
    t.c = c;
    t.h = 5, t.w = 6;
    TestDw(t);
  }
}

TEST_P(DwConvQu8s8, KernelStridePadDilation) {
  for (int64_t k : {3, 5})
    for (int64_t s : {1, 2})
      for (int64_t pad : {0, 1, 2})
        for (int64_t dil : {1, 2})
          for (int64_t c : {16, 24, 33}) {
            DwCase t;
            t.c = c, t.k = k, t.stride = s, t.pad = pad, t.dilation = dil;
            t.h = 9, t.w = 8, t.batch = 2, t.splits = 3;
            TestDw(t);
          }
}

TEST_P(DwConvQu8s8, ZeroPointsClampsMultipliers) {
  for (int32_t xzp : {0, 1, 127, 128, 255})
    for (int32_t yzp : {0, 128, 255}) {
      DwCase t;
      t.c = 19, t.x_zp = xzp, t.y_zp = yzp;
      TestDw(t);
      t.lo = 100, t.hi = 150, t.bias = false;
      TestDw(t);
    }
  for (float ms : {1e-9f, 1.0f / 4096, 0.5f, 1.0f, 1e6f}) {
    DwCase t;
    t.c = 40, t.mscale = ms, t.h = 3, t.w = 3, t.pad = 2;
    TestDw(t);
  }
}

// Rows wide enough for the fast path's interior loop (columns reused across pixels) between the
// border pixels, with channel counts that leave tails of every kind behind whole vectors.
TEST_P(DwConvQu8s8, WideRowsFastPath) {
  for (int64_t k : {3, 5})
    for (int64_t s : {1, 2})
      for (int64_t pad : {0, 1, 2})
        for (int64_t c : {1, 3, 16, 17, 32, 33, 48, 147}) {
          DwCase t;
          t.c = c, t.k = k, t.stride = s, t.pad = pad;
          t.h = 7, t.w = 23, t.batch = 2, t.splits = 4;
          TestDw(t);
        }
}

TEST_P(DwConvQu8s8, MobileNetShapesAndExtremes) {
  for (int64_t s : {1, 2}) {
    DwCase t;
    t.c = 32, t.h = t.w = 40, t.stride = s, t.splits = 5;
    TestDw(t);
    t.c = 144, t.h = t.w = 14;
    TestDw(t);
    t.extreme = true, t.x_zp = 0, t.bias = false, t.mscale = 1.0f / 65536;
    TestDw(t);
    t.x_zp = 255;
    TestDw(t);
  }
}

TEST_P(DwConvQu8s8, NonSquareKernelUsesGeneralPath) {
  for (int64_t c : {16, 20}) {
    DwCase t;
    t.c = c, t.k = 3, t.kw = 5, t.w = 12, t.pad = 2;
    TestDw(t);
  }
}

TEST_P(DwConvQu8s8, SmallSpatial) {
  for (int64_t hw : {1, 2, 3}) {
    DwCase t;
    t.c = 35, t.h = hw, t.w = hw, t.pad = 1;
    TestDw(t);
    t.k = 5, t.pad = 2, t.stride = 2;
    TestDw(t);
  }
}

}  // namespace
}  // namespace qinfer::testing
