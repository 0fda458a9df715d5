// The W8A16 input layer kernels (ops/conv_qs16s8_hwy.h) against their references, byte for byte, on
// every compiled Highway target: int16 x int8 -> uint8 conv vs ref::conv2d_qs16s8_nhwc, and
// float -> int16 quantization vs ref::quantize_f32_s16.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "conv_qs16s8_hwy.h"
#include "qu8s8_target_test.h"
#include "reference/conv.h"
#include "reference/quantize.h"

namespace qinfer::testing {
namespace {

struct Qs16Case {
  int64_t batch = 1, ic = 3, oc = 32, h = 9, w = 11, kh = 3, kw = 3, stride = 2, pad = 1, dilation = 1, groups = 1;
  bool extreme = false;  // x = -32768 and w = -128 everywhere (with small K): the largest products
  int32_t y_zp = 0, lo = 0, hi = 255;
  float mscale = 1.0f / (1 << 20);
  bool bias = true;
  int splits = 1;
};

std::string describe(const Qs16Case& t) {
  return "N=" + std::to_string(t.batch) + " IC=" + std::to_string(t.ic) + " OC=" + std::to_string(t.oc) +
         " HxW=" + std::to_string(t.h) + "x" + std::to_string(t.w) + " k=" + std::to_string(t.kh) + "x" +
         std::to_string(t.kw) + " s=" + std::to_string(t.stride) + " pad=" + std::to_string(t.pad) +
         " dil=" + std::to_string(t.dilation) + " groups=" + std::to_string(t.groups) + " on " + q8::conv_qs16s8_target();
}

void TestQs16(const Qs16Case& t) {
  ref::Conv2DGeometry g;
  g.batch = t.batch, g.in_c = t.ic, g.in_h = t.h, g.in_w = t.w, g.out_c = t.oc, g.groups = t.groups;
  g.kernel_h = t.kh, g.kernel_w = t.kw;
  g.stride_h = t.stride, g.stride_w = t.stride == 1 ? 1 : t.stride + 1;  // unequal strides
  g.pad_top = t.pad, g.pad_left = t.pad;
  g.dilation_h = g.dilation_w = t.dilation;
  g.out_h = ref::conv_out_extent(t.h, t.kh, g.stride_h, t.pad, t.pad, t.dilation);
  g.out_w = ref::conv_out_extent(t.w, t.kw, g.stride_w, t.pad, t.pad + 1, t.dilation);  // asymmetric right pad
  ASSERT_GT(g.out_h, 0) << describe(t);
  ASSERT_GT(g.out_w, 0) << describe(t);
  const int64_t k = t.kh * t.kw * (t.ic / t.groups);
  std::mt19937 rng(static_cast<uint32_t>(t.oc * 31 + t.ic * 7 + t.kh + t.stride * 3 + t.groups));
  std::uniform_int_distribution<int> s16(-32768, 32767), s8(-128, 127), bd(-(1 << 24), 1 << 24);
  std::uniform_real_distribution<float> mu(0.5f, 1.5f);
  std::vector<int16_t> x(static_cast<size_t>(t.batch * t.h * t.w * t.ic));
  for (auto& v : x) v = static_cast<int16_t>(s16(rng));
  x[0] = -32768;
  std::vector<int8_t> w(static_cast<size_t>(t.oc * k));
  for (auto& v : w) v = static_cast<int8_t>(s8(rng));
  w[0] = -128;
  if (t.extreme) {
    std::fill(x.begin(), x.end(), int16_t{-32768});
    std::fill(w.begin(), w.end(), int8_t{-128});
  }
  std::vector<int32_t> bias(static_cast<size_t>(t.oc));
  for (auto& v : bias) v = bd(rng);
  std::vector<float> mult(static_cast<size_t>(t.oc));
  for (auto& v : mult) v = t.mscale * mu(rng);
  const int32_t* bp = t.bias ? bias.data() : nullptr;
  const size_t ysize = static_cast<size_t>(g.batch * g.out_h * g.out_w * t.oc);
  std::vector<uint8_t> expect(ysize), y(ysize, 0xAB);
  ref::conv2d_qs16s8_nhwc(g, x.data(), w.data(), bp, mult.data(), t.y_zp, t.lo, t.hi, expect.data(), 0, g.rows());
  const q8::PackedConvQs16s8 packed =
      q8::conv_qs16s8_pack(t.oc, t.ic, t.kh, t.kw, t.groups, w.data(), bp, mult.data(), t.y_zp, t.lo, t.hi);
  ASSERT_TRUE(packed.fits_int32) << describe(t);
  std::vector<int16_t> scratch_store(q8::conv_qs16s8_scratch_bytes(packed) / 2 + 32);
  void* scratch = reinterpret_cast<void*>((reinterpret_cast<uintptr_t>(scratch_store.data()) + 63) & ~uintptr_t{63});
  for (int s = 0; s < t.splits; ++s)
    q8::conv_qs16s8_run(packed, g, x.data(), y.data(), g.rows() * s / t.splits, g.rows() * (s + 1) / t.splits, scratch);
  int failures = 0;
  for (size_t i = 0; i < ysize && failures < 5; ++i)
    if (y[i] != expect[i]) {
      ++failures;
      ADD_FAILURE() << describe(t) << " at " << i << ": got " << int(y[i]) << " expected " << int(expect[i]);
    }
}

QINFER_KERNEL_TARGET_SUITE(ConvQs16s8, q8::conv_qs16s8_compiled_targets, q8::conv_qs16s8_target);

// Output channel counts leaving every tail width behind whole vectors (up to 16 int32 lanes).
TEST_P(ConvQs16s8, OutputChannelsEveryTail) {
  for (int64_t oc = 1; oc <= 49; ++oc) {
    Qs16Case t;
    t.oc = oc, t.h = 5, t.w = 7;
    TestQs16(t);
  }
}

// Odd and even K (the last int16 pair half empty), pixel counts that leave 1-3 pixels after the
// blocks of 4, and rows split across calls.
TEST_P(ConvQs16s8, KernelStridePadDilation) {
  for (int64_t kk : {1, 2, 3, 5})
    for (int64_t s : {1, 2})
      for (int64_t pad : {0, 1, 2})
        for (int64_t dil : {1, 2})
          for (int64_t ic : {1, 3, 4}) {
            Qs16Case t;
            t.kh = kk, t.kw = kk == 1 ? 2 : kk, t.stride = s, t.pad = pad, t.dilation = dil, t.ic = ic;
            t.oc = 19, t.h = 9, t.w = 10, t.batch = 2, t.splits = 3;
            TestQs16(t);
          }
}

TEST_P(ConvQs16s8, Groups) {
  for (int64_t groups : {2, 3, 6}) {
    Qs16Case t;
    t.ic = 6, t.oc = 6 * 5, t.groups = groups, t.splits = 2;
    TestQs16(t);
    t.oc = 6, t.kh = t.kw = 5, t.pad = 2;  // depthwise when groups == 6
    TestQs16(t);
  }
}

TEST_P(ConvQs16s8, ZeroPointsClampsMultipliers) {
  for (int32_t yzp : {0, 100, 255}) {
    Qs16Case t;
    t.oc = 21, t.y_zp = yzp;
    TestQs16(t);
    t.lo = 100, t.hi = 150, t.bias = false;
    TestQs16(t);
  }
  for (float ms : {1e-12f, 1.0f / (1 << 24), 1.0f / 4096, 1.0f, 1e6f}) {
    Qs16Case t;
    t.oc = 40, t.mscale = ms, t.h = 3, t.w = 3, t.pad = 2;
    TestQs16(t);
  }
}

// MobileNetV2's stem (3 -> 32, 3x3 stride 2) on a 24x24 image, and the largest products.
TEST_P(ConvQs16s8, StemShapeAndExtremes) {
  Qs16Case t;
  t.ic = 3, t.oc = 32, t.h = t.w = 24, t.splits = 5;
  TestQs16(t);
  t.ic = 64, t.oc = 64, t.h = t.w = 6, t.kh = t.kw = 3;  // K = 576
  t.bias = false, t.mscale = 1.0f / (1 << 28);
  TestQs16(t);
  t.ic = 3, t.oc = 17, t.extreme = true, t.mscale = 1.0f / (1 << 20);
  TestQs16(t);
}

// Quantization of float input to int16, with and without the NCHW -> NHWC move, every span tail,
// ties, saturation, infinities and NaN, whole and in thread shares.
TEST_P(ConvQs16s8, QuantizeF32S16) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-3.0f, 3.0f);
  for (int64_t c : {1, 3, 4})
    for (int64_t hw : {1, 5, 16, 17, 263}) {
      const ref::Dims4 d{2, c, 1, hw};
      std::vector<float> x(static_cast<size_t>(d.count()));
      for (auto& v : x) v = u(rng);
      const float scale = 3.0f / 32767 * 0.9f;  // some values saturate
      x[0] = 2.5f * scale;                      // a tie: rounds to 2
      x[1 % x.size()] = std::numeric_limits<float>::infinity();
      x[2 % x.size()] = -std::numeric_limits<float>::infinity();
      x[3 % x.size()] = std::numeric_limits<float>::quiet_NaN();
      x[4 % x.size()] = -32768.5f * scale;
      for (ref::LayoutMove move : {ref::LayoutMove::None, ref::LayoutMove::NchwToNhwc}) {
        std::vector<int16_t> expect(x.size()), got(x.size(), 7);
        ref::quantize_f32_s16(d.count(), x.data(), scale, expect.data(), d, move);
        q8::quantize_f32_s16_hwy(x.data(), scale, got.data(), d, move, d.count());
        ASSERT_EQ(got, expect) << "C=" << c << " HW=" << hw << " move=" << int(move) << " on " << q8::conv_qs16s8_target();
        for (int64_t parts : {2, 3}) {  // thread shares together write every value once
          std::vector<int16_t> split(x.size(), 7);
          for (int64_t part = 0; part < parts; ++part)
            q8::quantize_f32_s16_hwy(x.data(), scale, split.data(), d, move, d.count(), part, parts);
          ASSERT_EQ(split, expect) << "C=" << c << " HW=" << hw << " move=" << int(move) << " in " << parts << " shares";
        }
      }
    }
}

// Outside the targets: the int32 bound, and the int64 reference where int32 would overflow.
TEST(ConvQs16s8Reference, SumsBeyondInt32AreExact) {
  const int64_t k = 600;  // 600 * 32768 * 128 > 2^31
  std::vector<int8_t> w(static_cast<size_t>(k), -128);
  const int32_t bias = 1000;
  EXPECT_FALSE(ref::qs16s8_sum_fits_int32(1, k, w.data(), &bias));
  std::vector<int8_t> small(static_cast<size_t>(k), 1);
  EXPECT_TRUE(ref::qs16s8_sum_fits_int32(1, k, small.data(), &bias));
  ref::Conv2DGeometry g;
  g.in_c = k, g.in_h = g.in_w = 1, g.out_c = 1, g.out_h = g.out_w = 1;
  std::vector<int16_t> x(static_cast<size_t>(k), -32768);
  const float mult = 1.0f / (1 << 24);  // acc = 600 * 2^22 + 1000 -> 150.00006 -> 150
  uint8_t y = 0;
  ref::conv2d_qs16s8_nhwc(g, x.data(), w.data(), &bias, &mult, 0, 0, 255, &y, 0, 1);
  EXPECT_EQ(y, 150);
}

}  // namespace
}  // namespace qinfer::testing
