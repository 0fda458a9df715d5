// bench_qu8s8: packed int8 GEMM and depthwise conv (Highway kernels of ops/hwy), one thread, GMAC/s.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "dwconv_qu8s8_hwy.h"
#include "gemm_qu8s8_hwy.h"
#include "hwy/aligned_allocator.h"

namespace {

using namespace qinfer;

void BM_Qu8s8Gemm(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  std::mt19937 rng(1);
  std::vector<uint8_t> a(static_cast<size_t>(m * k));
  std::vector<int8_t> b(static_cast<size_t>(n * k));
  for (auto& v : a) v = static_cast<uint8_t>(rng());
  for (auto& v : b) v = static_cast<int8_t>(rng());
  std::vector<int32_t> bias(static_cast<size_t>(n), 1000);
  std::vector<float> mult(static_cast<size_t>(n), 1.0f / 8192);
  const q8::PackedQu8s8 p = q8::qu8s8_gemm_pack(n, k, b.data(), k, 128, bias.data(), mult.data(), 128, 0, 255);
  auto scratch = hwy::AllocateAligned<uint8_t>(q8::qu8s8_gemm_scratch_bytes(p));
  std::vector<uint8_t> y(static_cast<size_t>(m * n));
  for (auto _ : state) {
    q8::qu8s8_gemm_run(p, m, a.data(), k, y.data(), n, 0, m, scratch.get());
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GMAC/s"] = benchmark::Counter(static_cast<double>(m * n * k) * 1e-9 * state.iterations(),
                                                benchmark::Counter::kIsRate);
  state.SetLabel(q8::qu8s8_kernels_target());
}
BENCHMARK(BM_Qu8s8Gemm)
    ->Args({1024, 1024, 1024})
    ->Args({3136, 64, 576})
    ->Args({784, 128, 1152})
    ->Args({196, 256, 2304})
    ->Args({49, 512, 4608})
    ->Args({3136, 256, 64})
    ->Unit(benchmark::kMicrosecond);

// Depthwise 3x3, pad 1: {H=W, C, stride}.
void BM_Qu8s8Depthwise(benchmark::State& state) {
  const int64_t hw = state.range(0), c = state.range(1), s = state.range(2);
  ref::Conv2DGeometry g;
  g.in_c = g.out_c = g.groups = c;
  g.in_h = g.in_w = hw;
  g.kernel_h = g.kernel_w = 3;
  g.stride_h = g.stride_w = s;
  g.pad_top = g.pad_left = 1;
  g.out_h = ref::conv_out_extent(hw, 3, s, 1, 1, 1);
  g.out_w = g.out_h;
  std::mt19937 rng(2);
  std::vector<uint8_t> x(static_cast<size_t>(hw * hw * c)), y(static_cast<size_t>(g.out_h * g.out_w * c));
  std::vector<int8_t> w(static_cast<size_t>(c * 9));
  for (auto& v : x) v = static_cast<uint8_t>(rng());
  for (auto& v : w) v = static_cast<int8_t>(rng());
  std::vector<int32_t> bias(static_cast<size_t>(c), 100);
  std::vector<float> mult(static_cast<size_t>(c), 1.0f / 256);
  const q8::PackedDwQu8s8 p = q8::dwconv_qu8s8_pack(c, 3, 3, w.data(), bias.data(), mult.data(), 128, 128, 0, 255);
  for (auto _ : state) {
    q8::dwconv_qu8s8_run(p, g, x.data(), y.data(), 0, g.rows());
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GMAC/s"] = benchmark::Counter(static_cast<double>(g.out_h * g.out_w * c * 9) * 1e-9 * state.iterations(),
                                                benchmark::Counter::kIsRate);
  state.SetLabel(q8::dwconv_qu8s8_target());
}
BENCHMARK(BM_Qu8s8Depthwise)
    ->Args({112, 32, 1})
    ->Args({112, 96, 2})
    ->Args({56, 144, 1})
    ->Args({28, 192, 1})
    ->Args({14, 576, 1})
    ->Args({7, 960, 1})
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
