// ONNX Cast's storage types (ops/reference/cast.cpp, float16.h): every float16 value round-trips,
// values between two halves round to the nearer (ties to even) straight from double, bfloat16
// truncates and keeps NaN a NaN, floats saturate into uint32/uint64, and Pow takes unsigned
// exponents exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "reference/elementwise.h"
#include "reference/float16.h"
#include "reference/int_elementwise.h"

namespace qinfer {

TEST(CastReference, EveryHalfRoundTripsAndMidpointsRoundToEven) {
  for (uint32_t h = 0; h < 0x7c00; ++h) {  // every finite non-negative half
    const double v = ref::half_to_float(static_cast<uint16_t>(h));
    ASSERT_EQ(ref::half_from_double(v), h);
    ASSERT_EQ(ref::half_from_double(-v), h | 0x8000);
    const double next = h + 1 == 0x7c00 ? 65536.0 : double(ref::half_to_float(static_cast<uint16_t>(h + 1)));
    const double mid = (v + next) / 2;  // exact in double
    const uint32_t even = (h % 2 == 0) ? h : h + 1;
    ASSERT_EQ(ref::half_from_double(mid), even) << h;
    ASSERT_EQ(ref::half_from_double(std::nextafter(mid, 0.0)), h) << h;
    ASSERT_EQ(ref::half_from_double(std::nextafter(mid, 1e9)), h + 1) << h;  // 0x7c00 (inf) above 65504
  }
  EXPECT_EQ(ref::half_from_double(std::numeric_limits<double>::infinity()), 0x7c00);
  EXPECT_EQ(ref::half_from_double(-1e300), 0xfc00);
  EXPECT_EQ(ref::half_from_double(std::nan("")) & 0x7e00, 0x7e00);
  EXPECT_TRUE(std::isnan(ref::half_to_float(0x7e00)));
}

// A double just above a half midpoint rounds up; through float it would first become the
// midpoint and then round to even (down): the cast must not go through float.
TEST(CastReference, DoubleToHalfRoundsOnce) {
  const double mid = 1.0 + 1.0 / 2048;  // between 1 and 1 + 2^-10
  const double above = mid + std::ldexp(1.0, -40);
  ASSERT_EQ(static_cast<double>(static_cast<float>(above)), mid);
  uint16_t y = 0;
  ref::cast(ref::Elem::F64, &above, ref::Elem::F16, &y, 1);
  EXPECT_EQ(y, 0x3c01);
  ref::cast(ref::Elem::F64, &mid, ref::Elem::F16, &y, 1);
  EXPECT_EQ(y, 0x3c00);
}

// 1 + 2^-7 + 2^-8 + 2^-9 truncates to 1 + 2^-7 (0x3f81; rounding to nearest would give 0x3f82).
TEST(CastReference, BFloat16TruncatesAndKeepsNaN) {
  const std::vector<float> x = {1.0f + 1.0f / 128 + 1.0f / 256 + 1.0f / 512, -2.5f, std::numeric_limits<float>::infinity()};
  std::vector<uint16_t> y(x.size());
  ref::cast(ref::Elem::F32, x.data(), ref::Elem::BF16, y.data(), 3);
  EXPECT_EQ(y, (std::vector<uint16_t>{0x3f81, 0xc020, 0x7f80}));
  uint32_t low_payload_nan = 0x7f800001;
  float nan;
  std::memcpy(&nan, &low_payload_nan, 4);
  uint16_t b = 0;
  ref::cast(ref::Elem::F32, &nan, ref::Elem::BF16, &b, 1);
  EXPECT_TRUE(std::isnan(ref::bfloat16_to_float(b)));
  float back = 0;
  ref::cast(ref::Elem::BF16, &y[1], ref::Elem::F32, &back, 1);
  EXPECT_EQ(back, -2.5f);
}

TEST(CastReference, UnsignedWideTypes) {
  const std::vector<double> x = {-3.5, 4294967296.5, 1e30, std::nan("")};
  std::vector<uint32_t> u32(4);
  std::vector<uint64_t> u64(4);
  ref::cast(ref::Elem::F64, x.data(), ref::Elem::U32, u32.data(), 4);
  ref::cast(ref::Elem::F64, x.data(), ref::Elem::U64, u64.data(), 4);
  EXPECT_EQ(u32, (std::vector<uint32_t>{0, 4294967295u, 4294967295u, 0}));
  EXPECT_EQ(u64, (std::vector<uint64_t>{0, 4294967296u, std::numeric_limits<uint64_t>::max(), 0}));
  const int64_t minus_one = -1;
  uint64_t wrapped = 0;
  ref::cast(ref::Elem::I64, &minus_one, ref::Elem::U64, &wrapped, 1);  // integers wrap, as numpy's astype
  EXPECT_EQ(wrapped, std::numeric_limits<uint64_t>::max());
  float f = 0;
  ref::cast(ref::Elem::U64, &wrapped, ref::Elem::F32, &f, 1);
  EXPECT_EQ(f, 18446744073709551616.0f);
}

TEST(CastReference, PowWithUnsignedExponents) {
  EXPECT_EQ((ref::pow_scalar<int64_t, uint64_t>(-1, (uint64_t{1} << 63) + 1)), -1);  // odd, beyond int64
  EXPECT_EQ((ref::pow_scalar<int32_t, uint32_t>(3, 4u)), 81);
  EXPECT_FLOAT_EQ((ref::pow_scalar<float, uint64_t>(2.0f, 10u)), 1024.0f);
}

}  // namespace qinfer
