#include "histogram.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "qinfer/error.h"

namespace qinfer {

void Histogram::grow_to(double magnitude) {
  if (limit_ == 0.0) {
    limit_ = std::max(magnitude, 1e-30);
    // Start from a power of two so later doublings keep bin edges aligned.
    limit_ = std::exp2(std::ceil(std::log2(limit_)));
    return;
  }
  while (magnitude > limit_) {
    // Merge pairs of bins into the middle half of the doubled range.
    std::vector<double> merged(kBins, 0.0);
    for (int i = 0; i < kBins; ++i) merged[kBins / 4 + i / 2] += counts_[i];
    counts_.swap(merged);
    limit_ *= 2.0;
  }
}

void Histogram::add(const float* data, int64_t count) {
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  for (int64_t i = 0; i < count; ++i)
    if (std::isfinite(data[i])) lo = std::min(lo, data[i]), hi = std::max(hi, data[i]);
  if (lo > hi) return;  // nothing finite
  if (total_ == 0) min_ = lo, max_ = hi;
  min_ = std::min(min_, lo);
  max_ = std::max(max_, hi);
  grow_to(std::max(std::fabs(double(lo)), std::fabs(double(hi))));
  const double scale = kBins / (2.0 * limit_);
  for (int64_t i = 0; i < count; ++i) {
    if (!std::isfinite(data[i])) continue;
    const int bin = std::min(kBins - 1, std::max(0, static_cast<int>((double(data[i]) + limit_) * scale)));
    counts_[bin] += 1.0;
    total_ += 1.0;
    zeros_ += data[i] == 0.0f;
  }
}

Histogram Histogram::restore(const std::string& what, double limit, double total, double zeros, float min, float max,
                             std::vector<double> counts) {
  auto fail = [&](const std::string& rule) { throw Error(what + ": " + rule); };
  if (counts.size() != static_cast<size_t>(kBins))
    fail("has " + std::to_string(counts.size()) + " bins, expected " + std::to_string(kBins));
  double sum = 0.0;
  for (double c : counts) {
    if (!(c >= 0.0) || !std::isfinite(c)) fail("has a bin count that is negative or not finite");
    sum += c;
  }
  if (!std::isfinite(limit) || limit < 0.0 || (total > 0.0 && limit <= 0.0)) fail("has an invalid limit " + std::to_string(limit));
  if (sum != total) fail("its bin counts add up to " + std::to_string(sum) + ", not its total " + std::to_string(total));
  if (!(zeros >= 0.0 && zeros <= total)) fail("has " + std::to_string(zeros) + " zeros out of " + std::to_string(total) + " values");
  if (total > 0.0 && !(std::isfinite(min) && std::isfinite(max) && min <= max && std::fabs(min) <= limit && std::fabs(max) <= limit))
    fail("has min " + std::to_string(min) + " / max " + std::to_string(max) + " outside its limit " + std::to_string(limit));
  Histogram h;
  h.counts_ = std::move(counts);
  h.limit_ = limit, h.total_ = total, h.zeros_ = zeros, h.min_ = min, h.max_ = max;
  return h;
}

RangeMethod parse_range_method(const std::string& name) {
  if (name == "minmax") return RangeMethod::MinMax;
  if (name == "percentile") return RangeMethod::Percentile;
  if (name == "entropy") return RangeMethod::Entropy;
  if (name == "mse") return RangeMethod::Mse;
  throw Error("unknown calibration method '" + name + "' (use minmax, percentile, entropy or mse)");
}

const char* range_method_name(RangeMethod method) {
  switch (method) {
    case RangeMethod::MinMax: return "minmax";
    case RangeMethod::Percentile: return "percentile";
    case RangeMethod::Entropy: return "entropy";
    case RangeMethod::Mse: return "mse";
  }
  return "?";
}

namespace {

double bin_center(const Histogram& h, int i) { return -h.limit() + (i + 0.5) * h.bin_width(); }

// Expected squared error of quantizing the histogram to [lo, hi] with `levels` steps: values
// outside are clipped to the edge, values inside get uniform rounding noise step^2 / 12.
double quantization_error(const Histogram& h, double lo, double hi, int levels) {
  const double step = (hi - lo) / levels;
  double err = 0.0;
  const auto& c = h.counts();
  for (int i = 0; i < Histogram::kBins; ++i) {
    if (c[i] == 0.0) continue;
    const double x = bin_center(h, i);
    if (x < lo) err += c[i] * (lo - x) * (lo - x);
    else if (x > hi) err += c[i] * (x - hi) * (x - hi);
    else err += c[i] * step * step / 12.0;
  }
  return err;
}

ClipRange percentile_range(const Histogram& h, double p) {
  const double tail = h.total() * (100.0 - p) / 100.0;
  const auto& c = h.counts();
  double seen = 0.0;
  int lo_bin = 0, hi_bin = Histogram::kBins - 1;
  for (int i = 0; i < Histogram::kBins; ++i) {
    seen += c[i];
    if (seen > tail) {
      lo_bin = i;
      break;
    }
  }
  seen = 0.0;
  for (int i = Histogram::kBins - 1; i >= 0; --i) {
    seen += c[i];
    if (seen > tail) {
      hi_bin = i;
      break;
    }
  }
  const double lo = std::max<double>(h.min(), -h.limit() + lo_bin * h.bin_width());
  const double hi = std::min<double>(h.max(), -h.limit() + (hi_bin + 1) * h.bin_width());
  return {static_cast<float>(std::min(lo, 0.0)), static_cast<float>(std::max(hi, 0.0))};
}

// KL(P || Q) of clipping the histogram to bins [b, e) and quantizing it to `levels` steps, as in
// TensorRT's entropy calibration: P is the clipped distribution (the mass outside lands in the
// edge bins), Q merges the unclipped bins into `levels` groups and spreads each group's mass
// evenly over its non-empty bins.
double clipping_kl(const std::vector<double>& c, int b, int e, int levels) {
  const int n = e - b;
  std::vector<double> p(c.begin() + b, c.begin() + e), q(static_cast<size_t>(n), 0.0);
  for (int i = 0; i < b; ++i) p[0] += c[i];
  for (int i = e; i < static_cast<int>(c.size()); ++i) p[n - 1] += c[i];
  const int groups = std::min(levels, n);
  for (int g = 0; g < groups; ++g) {
    const int gb = static_cast<int>(int64_t(g) * n / groups), ge = static_cast<int>(int64_t(g + 1) * n / groups);
    double mass = 0.0;
    int nonzero = 0;
    for (int j = gb; j < ge; ++j) mass += c[b + j], nonzero += c[b + j] > 0.0;
    for (int j = gb; j < ge; ++j) q[j] = c[b + j] > 0.0 ? mass / nonzero : 0.0;
  }
  double ps = 0.0, qs = 0.0;
  for (int j = 0; j < n; ++j) ps += p[j], qs += q[j];
  if (ps == 0.0 || qs == 0.0) return std::numeric_limits<double>::infinity();
  double kl = 0.0;
  for (int j = 0; j < n; ++j) {
    if (p[j] == 0.0) continue;
    const double pj = p[j] / ps, qj = q[j] / qs;
    kl += qj > 0.0 ? pj * std::log(pj / qj) : pj * 30.0;  // mass Q cannot represent: a large penalty
  }
  return kl;
}

// Entropy calibration for an asymmetric grid: both edges of the range are searched (coordinate
// descent, each from the observed extreme inwards) for the least KL divergence.
// Exact zeros are left out: every range represents them exactly, and the spike ReLU leaves at 0
// would otherwise make KL favour ranges so narrow that each grid step holds one histogram bin.
ClipRange entropy_range(const Histogram& h, int levels) {
  std::vector<double> c = h.counts();
  const double w = h.bin_width();
  auto bin_of = [&](double x) { return std::min(Histogram::kBins, std::max(0, static_cast<int>(std::floor((x + h.limit()) / w)))); };
  const int zero = bin_of(0.0);
  c[zero] -= h.zeros();
  const double nonzero = h.total() - h.zeros();
  // KL measures lost information, not error size: on spiky (discrete) data it keeps preferring
  // narrower ranges. Never clip more than this share of the non-zero values on either side.
  constexpr double kMaxClippedShare = 1e-3;
  const int b0 = std::min(bin_of(h.min()), zero), e0 = std::max(bin_of(h.max()) + 1, zero + 1);
  int b = b0, e = e0;
  for (int round = 0; round < 3; ++round) {
    for (int edge = 0; edge < 2; ++edge) {
      const int from = edge ? b0 : e0, to = edge ? zero : zero + 1;  // candidates between the extreme and zero
      const int span = std::abs(from - to);
      if (span == 0) continue;
      double best_kl = std::numeric_limits<double>::infinity();
      int best = edge ? b : e;
      double clipped = 0.0;  // mass beyond the candidate on this side, grows as s grows
      int last_bin = from;
      for (int s = 0; s <= 100; ++s) {
        const int candidate = from + (to - from) * s / 100;
        for (; last_bin != candidate; last_bin += edge ? 1 : -1) clipped += c[edge ? last_bin : last_bin - 1];
        if (clipped > kMaxClippedShare * nonzero) break;
        const int cb = edge ? candidate : b, ce = edge ? e : candidate;
        if (ce - cb < 2) continue;
        const double kl = clipping_kl(c, cb, ce, levels);
        if (kl < best_kl) best_kl = kl, best = candidate;
      }
      (edge ? b : e) = best;
    }
  }
  const double lo = b == b0 ? h.min() : -h.limit() + b * w;
  const double hi = e == e0 ? h.max() : -h.limit() + e * w;
  return {static_cast<float>(std::min(0.0, lo)), static_cast<float>(std::max(0.0, hi))};
}

// Minimises the expected squared error over both edges by coordinate descent on grids of
// candidates (each edge from its observed extreme down to 2% of it).
ClipRange mse_range(const Histogram& h, int levels) {
  const double lo0 = std::min(0.0f, h.min()), hi0 = std::max(0.0f, h.max());
  double lo = lo0, hi = hi0;
  for (int round = 0; round < 3; ++round) {
    for (int edge = 0; edge < 2; ++edge) {
      double best_err = std::numeric_limits<double>::infinity(), best = edge ? lo : hi;
      for (int s = 0; s <= 100; ++s) {
        const double f = 1.0 - 0.0098 * s;  // 1.0 down to 0.02
        const double candidate = (edge ? lo0 : hi0) * f;
        const double err = edge ? quantization_error(h, candidate, hi, levels) : quantization_error(h, lo, candidate, levels);
        if (err < best_err) best_err = err, best = candidate;
      }
      (edge ? lo : hi) = best;
    }
  }
  return {static_cast<float>(lo), static_cast<float>(hi)};
}

}  // namespace

ClipRange choose_range(const Histogram& h, RangeMethod method, double percentile, int levels) {
  if (h.empty()) return {0.0f, 0.0f};
  switch (method) {
    case RangeMethod::MinMax: return {std::min(h.min(), 0.0f), std::max(h.max(), 0.0f)};
    case RangeMethod::Percentile: return percentile_range(h, percentile);
    case RangeMethod::Entropy: return entropy_range(h, levels);
    case RangeMethod::Mse: return mse_range(h, levels);
  }
  return {h.min(), h.max()};
}

}  // namespace qinfer
