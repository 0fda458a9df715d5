// bench_kernels: the JIT int8 GEMM kernels (ops/gemm_qu8s8_packed.h) on one pinned core, with
// GMAC/s and pct_of_peak against the vpdpbusd zmm peak measured in the same process, right before
// and after each GEMM's timed loop.
// See perf/bench/README.md.
#include <benchmark/benchmark.h>
#include <sched.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "gemm_qu8s8_packed.h"
#include "jit/cpu.h"
#include "peak.h"
#include "thread_clock.h"

namespace qinfer::bench {
namespace {

double g_int8_peak = 0.0;  // MAC/s of independent vpdpbusd zmm on this core

struct Shape {
  const char* name;
  int64_t m, n, k;
};
// ResNet-50 convolutions as GEMMs at batch 1 (M = output pixels, N = output channels, K = taps x
// input channels): the 3x3 convolutions of stages 2-5, a 1x1 expansion of stage 2 and the 7x7 stem.
const Shape kSquare = {"1024x1024x1024", 1024, 1024, 1024};
const Shape kResNet[] = {{"rn50_s2_3x3", 3136, 64, 576},
                         {"rn50_s3_3x3", 784, 128, 1152},
                         {"rn50_s4_3x3", 196, 256, 2304},
                         {"rn50_s5_3x3", 49, 512, 4608},
                         {"rn50_s2_1x1", 3136, 256, 64},
                         {"rn50_conv1_7x7", 12544, 64, 147}};
const Shape kSmall = {"64x64x576", 64, 64, 576};  // the one shape the reference also runs
// Where the square GEMM's time goes (AVX-512 VNNI only): one 64-column panel, whose weights stay in
// L2 while A streams (1020 rows: 170 whole 6-row tiles), and the same at short K (the epilogue's
// share grows; at K = 256 the weights stay in L1).
const Shape kSquareParts[] = {{"1020x64x1024", 1020, 64, 1024}, {"1020x64x256", 1020, 64, 256}};

struct Variant {
  const char* name;
  Qu8s8GemmOptions options;
};

void BM_Gemm(benchmark::State& state, Shape s, Variant v) {
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> byte(0, 255);
  std::vector<uint8_t> a(static_cast<size_t>(s.m * s.k)), y(static_cast<size_t>(s.m * s.n));
  std::vector<int8_t> b(static_cast<size_t>(s.n * s.k));
  for (auto& x : a) x = static_cast<uint8_t>(byte(rng));
  for (auto& x : b) x = static_cast<int8_t>(byte(rng) - 128);
  std::vector<int32_t> bias(static_cast<size_t>(s.n), 1000);
  std::vector<float> mult(static_cast<size_t>(s.n), 1e-5f);
  const PackedQu8s8Gemm p = pack_qu8s8_gemm(b.data(), bias.data(), mult.data(), s.n, s.k, 128, 128, 0, 255, v.options);
  if (v.options.isa != Isa::kRef && qu8s8_gemm_isa(p) == Isa::kRef) {
    state.SkipWithError((std::string("variant unavailable: ") + qu8s8_gemm_fallback_reason(p)).c_str());
    return;
  }
  // The peak is measured right before and after the timed loop too: this host's speed drifts over
  // minutes, so a peak taken at start-up alone moved pct_of_peak by +-5%.
  const double peak_before = g_int8_peak > 0 ? measure_peak(PeakOp::kVpdpbusdZmm, 0.1) : 0.0;
  // Timed here too, on this thread's CPU clock: plain numbers (a rate counter would print
  // "pct/s"), and time the shared machine gives to other processes does not count.
  const double t0 = thread_cpu_seconds();
  for (auto _ : state) {
    run_qu8s8_gemm(p, s.m, a.data(), s.k, y.data(), s.n, 0, s.m);
    benchmark::ClobberMemory();
  }
  const double seconds = thread_cpu_seconds() - t0;
  const double peak_after = g_int8_peak > 0 ? measure_peak(PeakOp::kVpdpbusdZmm, 0.1) : 0.0;
  const double mac_per_s = static_cast<double>(s.m) * s.n * s.k * static_cast<double>(state.iterations()) / seconds;
  state.counters["GMAC/s"] = mac_per_s * 1e-9;
  if (g_int8_peak > 0) state.counters["pct_of_peak"] = 200.0 * mac_per_s / (peak_before + peak_after);
  state.SetLabel(qu8s8_gemm_variant_name(p));
}

void BM_Peak(benchmark::State& state, PeakOp op, const char* unit) {
  double peak = 0.0;
  for (auto _ : state) peak = measure_peak(op, 0.1);
  if (peak == 0.0) state.SkipWithError(op == PeakOp::kTdpbusd ? "needs AMX-INT8" : "needs AVX512-VNNI");
  state.counters[unit] = peak * 1e-9;
}

void pin_to_one_core() {
  const int cpu = sched_getcpu();
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu < 0 ? 0 : cpu, &set);
  if (sched_setaffinity(0, sizeof(set), &set) != 0) std::fprintf(stderr, "warning: could not pin to one core\n");
}

void register_all() {
  benchmark::RegisterBenchmark("peak/vpdpbusd_zmm", BM_Peak, PeakOp::kVpdpbusdZmm, "GMAC/s")->Iterations(1);
  benchmark::RegisterBenchmark("peak/vpdpbusd_ymm", BM_Peak, PeakOp::kVpdpbusdYmm, "GMAC/s")->Iterations(1);
  benchmark::RegisterBenchmark("peak/vfmadd231ps_zmm", BM_Peak, PeakOp::kVfmadd231psZmm, "GFMA/s")->Iterations(1);
  benchmark::RegisterBenchmark("peak/tdpbusd_amx", BM_Peak, PeakOp::kTdpbusd, "GMAC/s")->Iterations(1);

  auto opts = [](Isa isa, int mr = 0, int nr = 0, bool evex = false) {
    Qu8s8GemmOptions o;
    o.isa = isa, o.mr = mr, o.nr = nr, o.avxvnni_as_evex = evex;
    return o;
  };
  const Variant kVariants[] = {{"amx", opts(Isa::kAmx)},
                               {"avx512vnni", opts(Isa::kAvx512Vnni)},
                               {"avxvnni_evex", opts(Isa::kAvxVnni, 0, 0, true)},
                               {"avx2", opts(Isa::kAvx2)}};
  // Tiles of the AVX-512 kernel compared on the square shape (the default is 8x32).
  const Variant kTiles[] = {{"avx512vnni_4x64", opts(Isa::kAvx512Vnni, 4, 64)},
                            {"avx512vnni_6x64", opts(Isa::kAvx512Vnni, 6, 64)},
                            {"avx512vnni_8x48", opts(Isa::kAvx512Vnni, 8, 48)},
                            {"avx512vnni_12x32", opts(Isa::kAvx512Vnni, 12, 32)},
                            {"avx512vnni_8x16", opts(Isa::kAvx512Vnni, 8, 16)},
                            {"amx_16x32", opts(Isa::kAmx, 16, 32)},
                            {"amx_32x16", opts(Isa::kAmx, 32, 16)}};
  auto add = [](const Shape& s, const Variant& v) {
    benchmark::RegisterBenchmark((std::string("gemm_qu8s8/") + s.name + "/" + v.name).c_str(), BM_Gemm, s, v)
        ->Unit(benchmark::kMillisecond);
  };
  for (const Variant& v : kVariants) add(kSquare, v);
  for (const Shape& s : kSquareParts) add(s, kVariants[1]);
  for (const Variant& v : kTiles) add(kSquare, v);
  for (const Shape& s : kResNet)
    for (const Variant& v : kVariants) add(s, v);
  for (const Variant& v : kVariants) add(kSmall, v);
  add(kSmall, {"ref", opts(Isa::kRef)});
}

}  // namespace
}  // namespace qinfer::bench

int main(int argc, char** argv) {
  qinfer::bench::pin_to_one_core();
  qinfer::bench::g_int8_peak = qinfer::bench::measure_peak(qinfer::bench::PeakOp::kVpdpbusdZmm, 0.3);
  qinfer::bench::register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
