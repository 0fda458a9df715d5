// Soak test (not CI): runs a model N times on one input and checks that resident memory stops
// growing after a warm-up: RSS after the last run must be within 1% of RSS after run 1,000.
//
//   soak MODEL.qbin INPUT.npy [RUNS=100000] [THREADS=1]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "qinfer/npy.h"
#include "qinfer/runtime.h"

namespace {
// Resident set size in KiB, from /proc/self/statm (pages).
long rss_kib() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * (sysconf(_SC_PAGESIZE) / 1024);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: soak MODEL.qbin INPUT.npy [RUNS=100000] [THREADS=1]\n");
    return 2;
  }
  const long runs = argc > 3 ? std::atol(argv[3]) : 100000;
  qinfer::Runtime::Options options;
  options.threads = argc > 4 ? std::atoi(argv[4]) : 1;
  try {
    const qinfer::Runtime rt(argv[1], options);
    const qinfer::Tensor all = qinfer::read_npy(argv[2]);
    std::vector<int64_t> shape = all.shape();
    shape[0] = 1;  // one sample per run
    qinfer::Tensor x(all.dtype(), shape);
    std::memcpy(x.raw_data(), all.raw_data(), x.byte_size());
    // Measure once before the loop so the measuring itself (stream buffers) allocates up front.
    std::printf("soak: %ld runs of %s, rss before %ld KiB\n", runs, argv[1], rss_kib());
    long rss_at_1000 = 0;
    const auto start = std::chrono::steady_clock::now();
    for (long i = 1; i <= runs; ++i) {
      rt.run(x);
      if (i == 1000 || i == runs) {
        const long rss = rss_kib();
        if (i == 1000) rss_at_1000 = rss;
        std::printf("run %ld: rss %ld KiB\n", i, rss);
      }
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const long last = rss_kib();
    const double growth = rss_at_1000 ? 100.0 * double(last - rss_at_1000) / double(rss_at_1000) : 0.0;
    std::printf("%ld runs in %.1f s; RSS growth after run 1000: %.3f%% (limit 1%%)\n", runs, s, growth);
    return growth < 1.0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "soak: error: %s\n", e.what());
    return 1;
  }
}
