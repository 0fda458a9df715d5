// CPU time of the calling thread: on a shared machine, time given to other processes between
// two readings does not count (the benchmarks pin themselves to one core).
#pragma once

#include <ctime>

namespace qinfer::bench {

inline double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace qinfer::bench
