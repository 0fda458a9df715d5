// A streaming histogram of one tensor's values with bounded memory, and the calibration methods
// that choose a quantization range from it (minmax, percentile, entropy, mse).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qinfer {

// Bins cover [-limit, limit] symmetrically; when a value falls outside, the limit doubles and
// neighbouring bins merge, so memory stays fixed (kBins doubles) however many samples stream in.
class Histogram {
 public:
  static constexpr int kBins = 4096;  // 2048 per side of zero

  void add(const float* data, int64_t count);  // non-finite values are ignored
  bool empty() const { return total_ == 0; }
  float min() const { return min_; }
  float max() const { return max_; }
  double limit() const { return limit_; }
  double bin_width() const { return 2.0 * limit_ / kBins; }
  const std::vector<double>& counts() const { return counts_; }
  double total() const { return total_; }
  double zeros() const { return zeros_; }  // values exactly 0 (exact on every grid; ReLU makes many)

  // A histogram from saved parts (the calibration cache); throws Error naming `what` when they
  // are inconsistent (wrong bin count, negative or non-finite counts, totals that do not add up).
  static Histogram restore(const std::string& what, double limit, double total, double zeros, float min, float max,
                           std::vector<double> counts);

 private:
  void grow_to(double magnitude);

  std::vector<double> counts_ = std::vector<double>(kBins, 0.0);
  double limit_ = 0.0, total_ = 0.0, zeros_ = 0.0;
  float min_ = 0.0f, max_ = 0.0f;
};

enum class RangeMethod { MinMax, Percentile, Entropy, Mse };
// Parses "minmax", "percentile", "entropy", "mse"; throws Error otherwise.
RangeMethod parse_range_method(const std::string& name);
const char* range_method_name(RangeMethod method);

struct ClipRange {
  float lo, hi;  // lo <= 0 <= hi
};

// The range to quantize to `levels` steps (255 for uint8). `percentile` is used by Percentile
// (e.g. 99.999: the lower and upper 0.001% tails are clipped).
ClipRange choose_range(const Histogram& h, RangeMethod method, double percentile = 99.999, int levels = 255);

}  // namespace qinfer
