// Measured fp32 FMA peak of one core (the denominator of every pct_of_peak in bench_f32).
#pragma once

#include <string>

namespace qinfer::bench {

struct FmaPeak {
  double gflops = 0;   // best of repeated short runs
  std::string target;  // Highway target that ran (the best this CPU supports)
};
// CPU time of the calling thread, in seconds.
double thread_cpu_seconds();
// Repeats a register-only FMA loop for about `seconds` and keeps the fastest run.
FmaPeak measure_fma_peak(double seconds);

}  // namespace qinfer::bench
