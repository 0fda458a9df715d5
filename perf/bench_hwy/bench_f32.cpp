// fp32 Highway kernels: FMA peak of this core, the packed GEMM at 1024^3 and at ResNet-50 conv
// shapes (as im2col GEMMs, M = out channels, N = out pixels, K = in channels * kh * kw), the conv
// entry point on the same layers, and every conv of ResNet-50 (224x224, batch 1) in sequence.
// All single-threaded; each reports GFLOP/s and pct_of_peak (of the FMA peak measured first, in
// this binary, on the same Highway target).
#include <benchmark/benchmark.h>

#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "conv_f32_fast.h"
#include "fma_peak.h"
#include "gemm_f32_packed.h"
#include "reference/conv.h"

namespace qinfer::bench {
namespace {

double g_peak_gflops = 0;

struct AlignedFloats {
  explicit AlignedFloats(size_t n, float fill_lo = -1.0f, float fill_hi = 1.0f) : size(n) {
    p.reset(static_cast<float*>(std::aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64 + 64)));
    std::mt19937 rng(static_cast<uint32_t>(n));
    std::uniform_real_distribution<float> dist(fill_lo, fill_hi);
    for (size_t i = 0; i < n; ++i) p.get()[i] = dist(rng);
  }
  float* data() { return p.get(); }
  struct Free {
    void operator()(float* q) const { std::free(q); }
  };
  size_t size;
  std::unique_ptr<float, Free> p;
};

// Times the benchmark loop itself and reports GFLOP/s and % of the FMA peak. Both the peak and
// the kernels are timed in this thread's CPU time, so that other processes sharing the cores
// (descheduling) do not count; wall-clock ms are reported too.
template <class Fn>
void run_timed(benchmark::State& state, double flops_per_iter, Fn&& fn) {
  int64_t iters = 0;
  const double c0 = thread_cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    fn();
    ++iters;
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = thread_cpu_seconds() - c0;
  const double gflops = flops_per_iter * static_cast<double>(iters) / cpu * 1e-9;
  state.counters["GFLOPs"] = gflops;
  state.counters["pct_of_peak"] = 100.0 * gflops / g_peak_gflops;
  state.counters["cpu_ms"] = cpu / static_cast<double>(iters) * 1e3;
  state.counters["wall_ms"] = wall / static_cast<double>(iters) * 1e3;
  state.SetLabel(f32::f32_kernels_target());
}

void BM_FmaPeak(benchmark::State& state) {
  FmaPeak p;
  for (auto _ : state) p = measure_fma_peak(0.05);
  state.counters["GFLOPs"] = p.gflops;
  state.counters["pct_of_peak"] = 100.0 * p.gflops / g_peak_gflops;
  state.SetLabel(p.target);
}

void BM_GemmPacked(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  AlignedFloats a(static_cast<size_t>(m * k)), b(static_cast<size_t>(k * n)), c(static_cast<size_t>(m * n));
  AlignedFloats bias(static_cast<size_t>(m));
  AlignedFloats packed(static_cast<size_t>(f32::gemm_packed_a_floats(m, k)));
  f32::gemm_pack_a(m, k, a.data(), k, 1, packed.data());
  const f32::GemmF32Plan plan = f32::gemm_f32_plan(m, n, k, 1);
  AlignedFloats scratch(plan.scratch_bytes() / sizeof(float) + 16);
  f32::GemmF32Args args;
  args.m = m, args.n = n, args.k = k;
  args.packed_a = packed.data();
  args.b = b.data(), args.b_row_stride = n, args.b_col_stride = 1;
  args.c = c.data(), args.ldc = n;
  args.bias = bias.data(), args.bias_kind = f32::GemmBias::kPerRow;
  args.out_min = 0.0f;  // fused ReLU, as conv layers use it
  run_timed(state, 2.0 * static_cast<double>(m * n * k), [&] {
    f32::gemm_f32_run(args, plan, 0, plan.work_items(), scratch.data());
    benchmark::DoNotOptimize(c.data());
  });
}

struct ConvLayer {
  const char* name;
  int64_t in_c, out_c, in_hw, kernel, stride, count;  // count: how often the model has this conv
  int64_t groups = 1;
};

// The depthwise 3x3 convs of MobileNetV2 (224x224), one of each shape.
const std::vector<ConvLayer>& mobilenet_v2_depthwise() {
  static const std::vector<ConvLayer> layers = {
      {"dw32_112", 32, 32, 112, 3, 1, 1, 32},    {"dw96_112s2", 96, 96, 112, 3, 2, 1, 96},
      {"dw144_56", 144, 144, 56, 3, 1, 1, 144},  {"dw144_56s2", 144, 144, 56, 3, 2, 1, 144},
      {"dw192_28", 192, 192, 28, 3, 1, 1, 192},  {"dw384_14", 384, 384, 14, 3, 1, 1, 384},
      {"dw576_14s2", 576, 576, 14, 3, 2, 1, 576}, {"dw960_7", 960, 960, 7, 3, 1, 1, 960},
  };
  return layers;
}

// torchvision ResNet-50 (v1.5: stride on the 3x3), 224x224 input.
const std::vector<ConvLayer>& resnet50_convs() {
  static const std::vector<ConvLayer> layers = {
      {"conv1_7x7s2", 3, 64, 224, 7, 2, 1},
      {"l1_1x1_64_64", 64, 64, 56, 1, 1, 1},
      {"l1_3x3_64", 64, 64, 56, 3, 1, 3},
      {"l1_1x1_64_256", 64, 256, 56, 1, 1, 4},  // 3 expand + downsample
      {"l1_1x1_256_64", 256, 64, 56, 1, 1, 2},
      {"l2_1x1_256_128", 256, 128, 56, 1, 1, 1},
      {"l2_3x3_128s2", 128, 128, 56, 3, 2, 1},
      {"l2_1x1_128_512", 128, 512, 28, 1, 1, 4},
      {"l2_ds_256_512s2", 256, 512, 56, 1, 2, 1},
      {"l2_1x1_512_128", 512, 128, 28, 1, 1, 3},
      {"l2_3x3_128", 128, 128, 28, 3, 1, 3},
      {"l3_1x1_512_256", 512, 256, 28, 1, 1, 1},
      {"l3_3x3_256s2", 256, 256, 28, 3, 2, 1},
      {"l3_1x1_256_1024", 256, 1024, 14, 1, 1, 6},
      {"l3_ds_512_1024s2", 512, 1024, 28, 1, 2, 1},
      {"l3_1x1_1024_256", 1024, 256, 14, 1, 1, 5},
      {"l3_3x3_256", 256, 256, 14, 3, 1, 5},
      {"l4_1x1_1024_512", 1024, 512, 14, 1, 1, 1},
      {"l4_3x3_512s2", 512, 512, 14, 3, 2, 1},
      {"l4_1x1_512_2048", 512, 2048, 7, 1, 1, 3},
      {"l4_ds_1024_2048s2", 1024, 2048, 14, 1, 2, 1},
      {"l4_1x1_2048_512", 2048, 512, 7, 1, 1, 2},
      {"l4_3x3_512", 512, 512, 7, 3, 1, 2},
  };
  return layers;
}

ref::Conv2DGeometry geometry(const ConvLayer& l) {
  ref::Conv2DGeometry g;
  g.in_c = l.in_c, g.out_c = l.out_c, g.in_h = g.in_w = l.in_hw;
  g.groups = l.groups;
  g.kernel_h = g.kernel_w = l.kernel;
  g.stride_h = g.stride_w = l.stride;
  g.pad_top = g.pad_left = l.kernel / 2;
  g.out_h = g.out_w = ref::conv_out_extent(l.in_hw, l.kernel, l.stride, l.kernel / 2, l.kernel / 2, 1);
  return g;
}

// One conv layer, ready to run (packed weights, plan, scratch, buffers).
struct ConvCase {
  explicit ConvCase(const ConvLayer& l)
      : g(geometry(l)),
        x(static_cast<size_t>(g.in_c * g.in_h * g.in_w)),
        w(static_cast<size_t>(g.out_c * g.in_c_per_group() * g.kernel_h * g.kernel_w), -0.1f, 0.1f),
        bias(static_cast<size_t>(g.out_c)),
        y(static_cast<size_t>(g.out_c * g.out_h * g.out_w)),
        packed(static_cast<size_t>(f32::conv2d_f32_packed_floats(g))),
        plan(f32::conv2d_f32_plan(g, 1)),
        scratch(plan.scratch_bytes() / sizeof(float) + 16) {
    f32::conv2d_f32_pack(g, w.data(), packed.data());
  }
  void run() {
    f32::conv2d_f32_run(g, x.data(), packed.data(), bias.data(), 0.0f, 1e30f, y.data(), plan, 0, plan.work_items,
                        scratch.data());
  }
  double flops() const {
    return 2.0 * static_cast<double>(g.out_c * g.out_h * g.out_w * g.in_c_per_group() * g.kernel_h * g.kernel_w);
  }
  ref::Conv2DGeometry g;
  AlignedFloats x, w, bias, y, packed;
  f32::ConvF32Plan plan;
  AlignedFloats scratch;
};

void BM_Conv(benchmark::State& state, ConvLayer layer) {
  ConvCase c(layer);
  run_timed(state, c.flops(), [&] {
    c.run();
    benchmark::DoNotOptimize(c.y.data());
  });
}

void BM_ResNet50Convs(benchmark::State& state) {
  std::vector<std::unique_ptr<ConvCase>> cases;
  double flops = 0;
  for (const ConvLayer& l : resnet50_convs()) {
    cases.push_back(std::make_unique<ConvCase>(l));
    flops += cases.back()->flops() * static_cast<double>(l.count);
  }
  run_timed(state, flops, [&] {
    for (size_t i = 0; i < cases.size(); ++i)
      for (int64_t r = 0; r < resnet50_convs()[i].count; ++r) cases[i]->run();
    benchmark::ClobberMemory();
  });
}

void register_all() {
  benchmark::RegisterBenchmark("BM_FmaPeak", BM_FmaPeak)->Iterations(1);
  auto* gemm = benchmark::RegisterBenchmark("BM_GemmPacked", BM_GemmPacked);
  gemm->ArgNames({"M", "N", "K"});
  gemm->Args({1024, 1024, 1024});
  gemm->Args({64, 3136, 576});    // layer1 3x3
  gemm->Args({128, 784, 1152});   // layer2 3x3
  gemm->Args({256, 196, 2304});   // layer3 3x3
  gemm->Args({512, 49, 4608});    // layer4 3x3
  gemm->Args({256, 3136, 64});    // layer1 1x1 expand
  gemm->Args({64, 3136, 256});    // layer1 1x1 reduce
  gemm->Args({1024, 196, 256});   // layer3 1x1 expand
  gemm->Args({512, 49, 2048});    // layer4 1x1 reduce
  gemm->Args({2048, 49, 512});    // layer4 1x1 expand
  gemm->Unit(benchmark::kMillisecond);
  for (const ConvLayer& l : resnet50_convs())
    benchmark::RegisterBenchmark((std::string("BM_Conv/") + l.name).c_str(), BM_Conv, l)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_ResNet50Convs", BM_ResNet50Convs)->Unit(benchmark::kMillisecond);
  for (const ConvLayer& l : mobilenet_v2_depthwise())
    benchmark::RegisterBenchmark((std::string("BM_Depthwise/") + l.name).c_str(), BM_Conv, l)
        ->Unit(benchmark::kMicrosecond);
}

}  // namespace
}  // namespace qinfer::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const qinfer::bench::FmaPeak peak = qinfer::bench::measure_fma_peak(0.3);
  qinfer::bench::g_peak_gflops = peak.gflops;
  std::printf("fp32 FMA peak (1 core, %s): %.1f GFLOP/s\n", peak.target.c_str(), peak.gflops);
  benchmark::AddCustomContext("fp32_fma_peak_gflops", std::to_string(peak.gflops));
  benchmark::AddCustomContext("fp32_fma_peak_target", peak.target);
  qinfer::bench::register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
