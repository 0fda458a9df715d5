// Packed fp32 GEMM: packing, blocking and the dispatched entry point (see gemm_f32_packed.h).
#include "gemm_f32_packed.h"

#include <algorithm>
#include <cassert>

// Register-blocked accumulators live in arrays of vectors, which sizeless (SVE/RVV) vectors forbid.
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128 | HWY_RVV)
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "hwy/gemm_f32_packed.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/gemm_f32-inl.h"

HWY_BEFORE_NAMESPACE();
namespace qinfer::f32 {
namespace HWY_NAMESPACE {

void GemmRun(const GemmF32Args& a, const GemmF32Plan& plan, int64_t item_begin, int64_t item_end, void* scratch) {
  const GemmProblem pr{&plan.blocking, a.packed_a, a.c, a.ldc, a.bias, a.bias_kind, a.out_min, a.out_max};
  RunGemmItems(pr, StridedB{a.b, a.b_row_stride, a.b_col_stride}, item_begin, item_end, static_cast<float*>(scratch));
}

int64_t ActiveTarget() { return HWY_TARGET; }

}  // namespace HWY_NAMESPACE
}  // namespace qinfer::f32
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qinfer::f32 {

HWY_EXPORT(GemmRun);
HWY_EXPORT(ActiveTarget);

namespace {
int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

constexpr int64_t kTargetKc = 256;                 // A panel kc x 8 floats = 8 KiB stays in L1
constexpr int64_t kNarrowKc = 1024;               // narrow N: B block kc x N, A tile kc x 16
constexpr int64_t kBBlockBytes = 384 * 1024;       // packed B block kc x nc stays in L2
constexpr int64_t kNcQuantum = 48;                 // every target's panel width (3 vectors) divides this
}  // namespace

int64_t gemm_packed_a_floats(int64_t m, int64_t k) {
  return round_up(ceil_div(m, kGemmPanelRows) * kGemmPanelRows * k, 16);
}

void gemm_pack_a(int64_t m, int64_t k, const float* a, int64_t a_row_stride, int64_t a_col_stride, float* packed) {
  const int64_t panels = ceil_div(m, kGemmPanelRows);
  for (int64_t p = 0; p < panels; ++p) {
    float* out = packed + p * k * kGemmPanelRows;
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t r = 0; r < kGemmPanelRows; ++r) {
        const int64_t row = p * kGemmPanelRows + r;
        out[kk * kGemmPanelRows + r] = row < m ? a[row * a_row_stride + kk * a_col_stride] : 0.0f;
      }
  }
  std::fill(packed + panels * kGemmPanelRows * k, packed + gemm_packed_a_floats(m, k), 0.0f);
}

GemmBlocking gemm_blocking(int64_t m, int64_t n, int64_t k, int64_t min_items) {
  GemmBlocking b;
  b.m = m, b.n = n, b.k = k;
  // Narrow N: the column kernel writes C with scalar stores after each K block, so blocks are long.
  b.narrow_n = n < 64 && n % 16 != 0;
  b.k_blocks = std::max<int64_t>(1, ceil_div(k, b.narrow_n ? kNarrowKc : kTargetKc));
  b.kc = ceil_div(k, b.k_blocks);
  const int64_t nc_max = std::max(kNcQuantum, kBBlockBytes / (std::max<int64_t>(b.kc, 1) * 4) / kNcQuantum * kNcQuantum);
  const int64_t n_cap = std::max<int64_t>(1, n);
  int64_t n_blocks = ceil_div(n_cap, nc_max);
  b.nc = round_up(ceil_div(n_cap, n_blocks), kNcQuantum);
  b.n_blocks = ceil_div(n_cap, b.nc);
  // More threads than N blocks: cut M into chunks (each re-packs its B block), then N finer.
  const int64_t panels = std::max<int64_t>(1, ceil_div(m, kGemmPanelRows));
  const int64_t want_m = std::clamp<int64_t>(ceil_div(min_items, b.n_blocks), 1, panels);
  b.mc = ceil_div(panels, want_m) * kGemmPanelRows;
  b.m_chunks = std::max<int64_t>(1, ceil_div(m, b.mc));
  if (b.items() < min_items && b.nc > kNcQuantum) {
    n_blocks = std::min(ceil_div(n_cap, kNcQuantum), ceil_div(min_items, b.m_chunks));
    b.nc = round_up(ceil_div(n_cap, n_blocks), kNcQuantum);
    b.n_blocks = ceil_div(n_cap, b.nc);
  }
  return b;
}

GemmF32Plan gemm_f32_plan(int64_t m, int64_t n, int64_t k, int threads) {
  GemmF32Plan p;
  p.parts = std::max(1, threads);
  p.blocking = gemm_blocking(m, n, k, p.parts == 1 ? 1 : 3 * p.parts);
  return p;
}

void gemm_f32_run(const GemmF32Args& args, const GemmF32Plan& plan, int64_t item_begin, int64_t item_end,
                  void* part_scratch) {
  assert(args.m == plan.blocking.m && args.n == plan.blocking.n && args.k == plan.blocking.k);
  HWY_DYNAMIC_DISPATCH(GemmRun)(args, plan, item_begin, item_end, part_scratch);
}

void gemm_f32_run_part(const GemmF32Args& args, const GemmF32Plan& plan, int part, void* scratch) {
  const int64_t items = plan.work_items(), parts = plan.parts;
  const int64_t base = items / parts, extra = items % parts;
  const int64_t begin = part * base + std::min<int64_t>(part, extra);
  const int64_t end = begin + base + (part < extra ? 1 : 0);
  if (begin >= end) return;
  gemm_f32_run(args, plan, begin, end, static_cast<char*>(scratch) + plan.scratch_bytes_per_part() * part);
}

const char* f32_kernels_target() { return hwy::TargetName(HWY_DYNAMIC_DISPATCH(ActiveTarget)()); }

int64_t f32_kernels_compiled_targets() { return HWY_TARGETS; }

}  // namespace qinfer::f32
#endif  // HWY_ONCE
