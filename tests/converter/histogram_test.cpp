#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "qinfer/error.h"

#include "histogram.h"

namespace qinfer {

namespace {
std::vector<float> gaussian_with_outliers(int n, int outliers, float outlier_value, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = normal(rng);
  for (int i = 0; i < outliers; ++i) v[static_cast<size_t>(i) * 997 % v.size()] = outlier_value;
  return v;
}
}  // namespace

TEST(Histogram, StreamsWithFixedMemoryAndKeepsEveryCount) {
  Histogram h;
  const std::vector<float> a = {0.1f, -0.2f, 0.3f};
  h.add(a.data(), 3);
  const double first_limit = h.limit();
  const std::vector<float> b = {100.0f, -50.0f, NAN, INFINITY};
  h.add(b.data(), 4);
  EXPECT_GT(h.limit(), first_limit);
  EXPECT_GE(h.limit(), 100.0);
  EXPECT_EQ(h.total(), 5.0);  // non-finite values ignored
  double sum = 0.0;
  for (double c : h.counts()) sum += c;
  EXPECT_EQ(sum, 5.0);
  EXPECT_EQ(h.min(), -50.0f);
  EXPECT_EQ(h.max(), 100.0f);
  EXPECT_EQ(h.counts().size(), static_cast<size_t>(Histogram::kBins));
}

TEST(Histogram, MinMaxIsTheObservedRangeWidenedToZero) {
  Histogram h;
  const std::vector<float> v = {0.5f, 2.0f, 1.0f};
  h.add(v.data(), 3);
  const ClipRange r = choose_range(h, RangeMethod::MinMax);
  EXPECT_EQ(r.lo, 0.0f);
  EXPECT_EQ(r.hi, 2.0f);
}

TEST(Histogram, PercentileClipsRareOutliers) {
  Histogram h;
  const auto v = gaussian_with_outliers(200000, 5, 60.0f, 1);
  h.add(v.data(), static_cast<int64_t>(v.size()));
  const ClipRange r = choose_range(h, RangeMethod::Percentile, 99.99);
  EXPECT_LT(r.hi, 6.0f);   // the 99.99th percentile of N(0,1) is ~3.7
  EXPECT_GT(r.hi, 3.0f);
  EXPECT_LT(r.lo, -3.0f);
  EXPECT_GT(r.lo, -6.0f);
}

TEST(Histogram, EntropyIgnoresRareOutliersAndKeepsTheBody) {
  Histogram h;
  const auto v = gaussian_with_outliers(200000, 5, 60.0f, 2);
  h.add(v.data(), static_cast<int64_t>(v.size()));
  const ClipRange r = choose_range(h, RangeMethod::Entropy);
  EXPECT_LT(r.hi, 30.0f);
  EXPECT_GT(r.hi, 2.0f);
  EXPECT_LT(r.lo, -2.0f);
}

TEST(Histogram, MseClipsTheThinTailsOfAGaussian) {
  // With 255 levels the squared-error optimum clips a Gaussian's extreme tails; a few huge
  // outliers, in contrast, cost more clipped than kept, and MSE keeps them.
  Histogram h;
  const auto v = gaussian_with_outliers(200000, 0, 0.0f, 4);
  h.add(v.data(), static_cast<int64_t>(v.size()));
  const ClipRange r = choose_range(h, RangeMethod::Mse);
  EXPECT_LT(r.hi, 0.95f * h.max());
  EXPECT_GT(r.hi, 2.5f);
  EXPECT_GT(r.lo, 0.95f * h.min());
  EXPECT_LT(r.lo, -2.5f);
}

TEST(Histogram, NonNegativeDataKeepsZeroAsTheLowerEdge) {
  for (RangeMethod m : {RangeMethod::MinMax, RangeMethod::Percentile, RangeMethod::Entropy, RangeMethod::Mse}) {
    Histogram h;
    auto v = gaussian_with_outliers(50000, 3, 40.0f, 3);
    for (float& x : v) x = std::fabs(x);
    h.add(v.data(), static_cast<int64_t>(v.size()));
    const ClipRange r = choose_range(h, m);
    EXPECT_EQ(r.lo, 0.0f) << range_method_name(m);
    EXPECT_GT(r.hi, 1.0f) << range_method_name(m);
  }
}

TEST(Histogram, UniformDataIsNotClippedByMse) {
  Histogram h;
  std::vector<float> v(100000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) / v.size() * 4.0f - 1.0f;
  h.add(v.data(), static_cast<int64_t>(v.size()));
  const ClipRange r = choose_range(h, RangeMethod::Mse);
  EXPECT_GT(r.hi, 2.9f);
  EXPECT_LT(r.lo, -0.7f);
}

TEST(Histogram, MethodNamesRoundTrip) {
  for (const char* name : {"minmax", "percentile", "entropy", "mse"})
    EXPECT_STREQ(range_method_name(parse_range_method(name)), name);
  EXPECT_THROW(parse_range_method("kl"), Error);
}

}  // namespace qinfer
