// The Highway uint8 Add / Mul and Quantize / Dequantize (with the NCHW <-> NHWC move) give the
// reference's bytes on every compiled target, over odd lengths (vector tails), zero points and
// multipliers, including values that round exactly to .5 and saturate.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "elementwise_qu8_hwy.h"
#include "qu8s8_target_test.h"
#include "reference/elementwise.h"
#include "reference/int8_data.h"
#include "reference/quantize.h"

namespace qinfer {

namespace {

std::vector<uint8_t> random_u8(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& x : v) x = static_cast<uint8_t>(rng() & 255);
  return v;
}

QINFER_QU8S8_TARGET_SUITE(ElementwiseQu8Hwy);

TEST_P(ElementwiseQu8Hwy, AddMatchesReference) {
  const ref::AddQu8Params params[] = {{128, 0, 3, 0.5f, 0.25f, 0, 255},  // exact .5 products: ties to even
                                      {7, 200, 250, 1.37f, 0.011f, 10, 240},
                                      {0, 255, 128, 300.0f, 0.003f, 0, 255}};  // saturating
  for (const auto& p : params)
    for (int64_t n : {1, 7, 16, 33, 64, 1031}) {
      const auto a = random_u8(n, 1 + n), b = random_u8(n, 2 + n);
      std::vector<uint8_t> want(n), got(n);
      ref::add_qu8({n}, a.data(), {n}, b.data(), {n}, p, want.data());
      q8::add_qu8_hwy(n, a.data(), b.data(), p, got.data());
      ASSERT_EQ(got, want) << "n=" << n << " multipliers " << p.a_multiplier << ", " << p.b_multiplier;
    }
}

TEST_P(ElementwiseQu8Hwy, MulMatchesReference) {
  const ref::MulQu8Params params[] = {{128, 0, 3, 0.5f, 0, 255}, {7, 200, 250, 0.0009f, 10, 240}, {0, 0, 0, 2.5f, 0, 255}};
  for (const auto& p : params)
    for (int64_t n : {1, 5, 16, 31, 96, 1031}) {
      const auto a = random_u8(n, 3 + n), b = random_u8(n, 4 + n);
      std::vector<uint8_t> want(n), got(n);
      ref::mul_qu8({n}, a.data(), {n}, b.data(), {n}, p, want.data());
      q8::mul_qu8_hwy(n, a.data(), b.data(), p, got.data());
      ASSERT_EQ(got, want) << "n=" << n << " multiplier " << p.multiplier;
    }
}

TEST_P(ElementwiseQu8Hwy, QuantizeAndDequantizeMatchReferenceWithLayoutMoves) {
  for (const ref::Dims4 d : {ref::Dims4{1, 3, 17, 19}, ref::Dims4{2, 3, 40, 41}, ref::Dims4{3, 4, 30, 29}, ref::Dims4{2, 1, 5, 7}, ref::Dims4{1, 5, 23, 13}, ref::Dims4{1, 2, 1, 1}}) {
    const int64_t count = d.count();
    std::mt19937 rng(static_cast<uint32_t>(count));
    std::uniform_real_distribution<float> u(-3.0f, 3.0f);
    std::vector<float> x(count);
    for (auto& v : x) v = u(rng);
    x[0] = 0.05f * 3, x[count - 1] = 1e9f;  // an exact tie at scale 0.1 and a saturating value
    for (auto move : {ref::LayoutMove::None, ref::LayoutMove::NchwToNhwc})
      for (const auto& [scale, zp] : {std::pair<float, int32_t>{0.1f, 128}, {0.0173f, 0}, {0.031f, 255}}) {
        std::vector<uint8_t> want(count), got(count);
        ref::quantize_f32_u8(count, x.data(), scale, zp, want.data(), d, move);
        q8::quantize_f32_u8_hwy(x.data(), scale, zp, got.data(), d, move, count);
        ASSERT_EQ(got, want) << "quantize, count " << count << " move " << int(move) << " scale " << scale;
        // And back: NHWC -> NCHW.
        const auto back = move == ref::LayoutMove::None ? ref::LayoutMove::None : ref::LayoutMove::NhwcToNchw;
        std::vector<float> fw(count), fg(count);
        ref::dequantize_u8_f32(count, want.data(), scale, zp, fw.data(), d, back);
        q8::dequantize_u8_f32_hwy(want.data(), scale, zp, fg.data(), d, back, count);
        ASSERT_EQ(fg, fw) << "dequantize, count " << count << " move " << int(back);
        // Split into shares (threads): together they write the same bytes, each output once.
        for (int64_t parts : {2, 3, 7}) {
          std::vector<uint8_t> split(count, 0);
          std::vector<float> fsplit(count, -1.0f);
          for (int64_t part = 0; part < parts; ++part) {
            q8::quantize_f32_u8_hwy(x.data(), scale, zp, split.data(), d, move, count, part, parts);
            q8::dequantize_u8_f32_hwy(want.data(), scale, zp, fsplit.data(), d, back, count, part, parts);
          }
          ASSERT_EQ(split, want) << "quantize in " << parts << " shares, count " << count << " move " << int(move);
          ASSERT_EQ(fsplit, fw) << "dequantize in " << parts << " shares, count " << count << " move " << int(back);
        }
      }
  }
}

}  // namespace

}  // namespace qinfer

#include "lut_u8_fast.h"
#include "reference/lut.h"

namespace qinfer {
namespace {

// The byte-permute table lookup (where the CPU has AVX-512 VBMI) gives the reference's bytes over
// every index value, odd ranges and tails.
TEST(LutU8Fast, MatchesReferenceOnEveryIndex) {
  uint8_t table[256];
  for (int i = 0; i < 256; ++i) table[i] = static_cast<uint8_t>((i * 167 + 13) ^ (i >> 3));
  const auto x = random_u8(4099, 77);
  std::vector<uint8_t> want(x.size(), 0), got(x.size(), 0);
  for (const auto& [b, e] : {std::pair<int64_t, int64_t>{0, 4099}, {3, 70}, {64, 128}, {1, 2}, {5, 4096}}) {
    std::fill(want.begin(), want.end(), 0x5A);
    std::fill(got.begin(), got.end(), 0x5A);
    ref::apply_lut_u8(table, x.data(), want.data(), b, e);
    apply_lut_u8_fast(table, x.data(), got.data(), b, e);
    ASSERT_EQ(got, want) << "range [" << b << ", " << e << ") on path " << lut_u8_fast_path();
  }
  std::printf("LUT path: %s\n", lut_u8_fast_path());
}

}  // namespace
}  // namespace qinfer
