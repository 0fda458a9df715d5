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
  }
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

// TensorRT-style entropy calibration on the magnitude histogram: the threshold t minimising
// KL(P || Q), where P is the reference distribution clipped at t and Q its quantization into
// `levels / 2` bins (one side of a symmetric grid; the full grid for non-negative tensors).
ClipRange entropy_range(const Histogram& h, int levels) {
  const int half = Histogram::kBins / 2;
  const auto& c = h.counts();
  std::vector<double> mag(half, 0.0);  // |x| histogram: bin j covers [j, j+1) * width
  for (int i = 0; i < half; ++i) mag[half - 1 - i] += c[i];
  for (int i = half; i < Histogram::kBins; ++i) mag[i - half] += c[i];
  const bool non_negative = h.min() >= 0.0f;
  const int target = non_negative ? levels : levels / 2;
  int last = half;
  while (last > 1 && mag[last - 1] == 0.0) --last;
  if (last <= target) return {std::min(h.min(), 0.0f), std::max(h.max(), 0.0f)};
  double best_kl = std::numeric_limits<double>::infinity();
  int best = last;
  for (int i = target; i <= last; ++i) {
    std::vector<double> p(mag.begin(), mag.begin() + i);
    for (int j = i; j < last; ++j) p[i - 1] += mag[j];  // clipped mass lands in the last bin
    // Q: merge P's bins into `target` groups, spreading each group's mass over its non-empty bins.
    std::vector<double> q(i, 0.0);
    for (int g = 0; g < target; ++g) {
      const int b = static_cast<int>(int64_t(g) * i / target), e = static_cast<int>(int64_t(g + 1) * i / target);
      double mass = 0.0;
      int nonzero = 0;
      for (int j = b; j < e; ++j) mass += mag[j], nonzero += mag[j] > 0.0;
      for (int j = b; j < e; ++j) q[j] = mag[j] > 0.0 ? mass / nonzero : 0.0;
    }
    double ps = 0.0, qs = 0.0;
    for (int j = 0; j < i; ++j) ps += p[j], qs += q[j];
    if (ps == 0.0 || qs == 0.0) continue;
    double kl = 0.0;
    for (int j = 0; j < i; ++j) {
      if (p[j] == 0.0) continue;
      const double pj = p[j] / ps, qj = q[j] / qs;
      kl += qj > 0.0 ? pj * std::log(pj / qj) : pj * 30.0;  // an empty Q bin costs a large penalty
    }
    if (kl < best_kl) best_kl = kl, best = i;
  }
  const double t = (best + 0.5) * h.bin_width();
  return {static_cast<float>(std::min(0.0, std::max<double>(h.min(), -t))),
          static_cast<float>(std::max(0.0, std::min<double>(h.max(), t)))};
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
