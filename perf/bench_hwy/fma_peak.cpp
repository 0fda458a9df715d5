// fp32 FMA peak of this core (timed in thread CPU time), measured with Highway on the best target the CPU runs: 12 independent
// accumulator chains (latency 4 x 2 FMA pipes = 8 needed; 12 leaves headroom), acc = acc * x + y.
#include "fma_peak.h"

#include <time.h>

#include <algorithm>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "fma_peak.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace qinfer::bench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

constexpr size_t kChains = 12;

// Returns a value that depends on every FMA; *flops receives the floating-point operations done.
HWY_NOINLINE float FmaLoop(int64_t iters, float x, float y, int64_t* flops) {
  const hn::ScalableTag<float> d;
  hn::Vec<decltype(d)> acc[kChains];
  for (size_t i = 0; i < kChains; ++i) acc[i] = hn::Set(d, 1.0f + 0.01f * static_cast<float>(i));
  const auto vx = hn::Set(d, x), vy = hn::Set(d, y);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 12
    for (size_t i = 0; i < kChains; ++i) acc[i] = hn::MulAdd(acc[i], vx, vy);
  }
  auto sum = acc[0];
  for (size_t i = 1; i < kChains; ++i) sum = hn::Add(sum, acc[i]);
  *flops = iters * static_cast<int64_t>(kChains * hn::Lanes(d)) * 2;
  return hn::GetLane(hn::SumOfLanes(d, sum));
}

int64_t Target() { return HWY_TARGET; }

}  // namespace HWY_NAMESPACE
}  // namespace qinfer::bench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qinfer::bench {

HWY_EXPORT(FmaLoop);
HWY_EXPORT(Target);

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

FmaPeak measure_fma_peak(double seconds) {
  FmaPeak best;
  best.target = hwy::TargetName(HWY_DYNAMIC_DISPATCH(Target)());
  const double start = thread_cpu_seconds();
  volatile float sink = 0;
  int64_t iters = 1 << 16;
  do {
    int64_t flops = 0;
    const double t0 = thread_cpu_seconds();
    sink = sink + HWY_DYNAMIC_DISPATCH(FmaLoop)(iters, 0.999f, 0.001f, &flops);
    const double dt = thread_cpu_seconds() - t0;
    if (dt < 0.005) {
      iters *= 2;
      continue;
    }
    best.gflops = std::max(best.gflops, static_cast<double>(flops) / dt * 1e-9);
  } while (thread_cpu_seconds() - start < seconds);
  return best;
}

}  // namespace qinfer::bench
#endif  // HWY_ONCE
