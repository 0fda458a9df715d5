#include "gemm_qu8s8_packed.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "jit/kernel_cache.h"
#include "reference/gemm.h"

namespace qinfer {

void PackedQu8s8Gemm::AlignedFree::operator()(uint8_t* p) const { std::free(p); }

namespace {
constexpr int64_t kMaxExactBound = int64_t{1} << 24;  // |bound| up to here is an exact float
constexpr int64_t kAmxMinK = 48;                        // shorter K: the AVX-512 VNNI kernel (below)

void check_args(const int8_t* b, const float* multiplier, int64_t n, int64_t k, int32_t y_zero_point,
                int32_t y_min, int32_t y_max) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("pack_qu8s8_gemm: " + what); };
  if (n < 0 || k < 0) fail("negative shape N=" + std::to_string(n) + " K=" + std::to_string(k));
  if (n > 0 && (!multiplier || (k > 0 && !b))) fail("null weights or multipliers");
  if (!(0 <= y_min && y_min <= y_max && y_max <= 255))
    fail("output clamp [" + std::to_string(y_min) + ", " + std::to_string(y_max) + "] is not within [0, 255]");
  const int64_t lo = int64_t{y_min} - y_zero_point, hi = int64_t{y_max} - y_zero_point;
  if (lo < -kMaxExactBound || hi > kMaxExactBound)
    fail("output zero point " + std::to_string(y_zero_point) + " is too far from the clamp range");
}

void check_residual(const Qu8s8GemmOptions& o, int32_t y_zero_point) {
  if (!o.residual) return;
  auto fail = [](const std::string& what) { throw std::invalid_argument("pack_qu8s8_gemm: residual Add " + what); };
  const ref::AddQu8Params& r = o.residual_add;
  if (r.a_zero_point != y_zero_point)
    fail("operand zero point " + std::to_string(r.a_zero_point) + " is not the GEMM output's " + std::to_string(y_zero_point));
  if (!std::isfinite(r.a_multiplier) || !std::isfinite(r.b_multiplier)) fail("multipliers must be finite");
  if (!(0 <= r.y_min && r.y_min <= r.y_max && r.y_max <= 255))
    fail("clamp [" + std::to_string(r.y_min) + ", " + std::to_string(r.y_max) + "] is not within [0, 255]");
  if (int64_t{r.y_min} - r.y_zero_point < -kMaxExactBound || int64_t{r.y_max} - r.y_zero_point > kMaxExactBound)
    fail("zero point " + std::to_string(r.y_zero_point) + " is too far from the clamp range");
}

jit::GemmQu8s8Residual broadcast_residual(const ref::AddQu8Params& r) {
  jit::GemmQu8s8Residual c;
  for (int i = 0; i < 16; ++i) {
    c.a_multiplier[i] = r.a_multiplier, c.b_multiplier[i] = r.b_multiplier;
    c.lo[i] = static_cast<float>(int64_t{r.y_min} - r.y_zero_point);
    c.hi[i] = static_cast<float>(int64_t{r.y_max} - r.y_zero_point);
    c.b_zero_point[i] = r.b_zero_point, c.y_zero_point[i] = r.y_zero_point;
  }
  c.y_min = r.y_min, c.y_max = r.y_max;
  return c;
}

void use_reference(PackedQu8s8Gemm& p, const int8_t* b, const int32_t* bias, const float* multiplier) {
  p.isa = Isa::kRef;
  p.mr = 1, p.nr = 0, p.full_panels = 0;
  p.packed.reset();
  for (auto& fn : p.kernels) fn = nullptr;
  for (auto& fn : p.body_kernels) fn = nullptr;
  p.ref_b.assign(b, b + (p.k > 0 ? p.n * p.k : 0));
  if (bias) p.ref_bias.assign(bias, bias + p.n);
  p.ref_multiplier.assign(multiplier, multiplier + p.n);
  p.variant = "qu8s8_gemm_minmax_fp32__ref";
}

// Whether round(float(acc) * multiplier[j]) fits int32 for every A (bytes 0..255) and column j,
// with room for float rounding: acc = bias[j] + sum_k (a - a_zero_point) * B[j, k] is bounded by
// |bias[j]| + max|a - a_zero_point| * sum_k |B[j, k]|. Then the kernels may clamp with saturating
// packs instead of in float (GemmQu8s8Config::pack_clamp); that also needs y_zero_point in 0..255.
bool requantized_values_fit_int32(const int8_t* b, const int32_t* bias, const float* multiplier, int64_t n,
                                  int64_t k, int32_t a_zero_point, int32_t y_zero_point) {
  if (y_zero_point < 0 || y_zero_point > 255) return false;
  const double max_a = std::max(std::abs(static_cast<double>(a_zero_point)), std::abs(255.0 - a_zero_point));
  for (int64_t j = 0; j < n; ++j) {
    if (!std::isfinite(multiplier[j])) return false;
    int64_t abs_sum = 0;
    for (int64_t i = 0; i < k; ++i) abs_sum += std::abs(int{b[j * k + i]});
    const double bound = (bias ? std::abs(static_cast<double>(bias[j])) : 0.0) + max_a * static_cast<double>(abs_sum);
    if (bound >= 0x1p31 || bound * std::abs(static_cast<double>(multiplier[j])) >= 0x1p30) return false;
  }
  return true;
}

// The same for a fused residual Add: its sum float(a - za) * ma + float(b - zb) * mb, with a - za
// the GEMM's output minus its zero point (within [y_min - y_zp, y_max - y_zp]) and b a byte, fits
// int32 with room for rounding, and the Add's output zero point is 0..255.
bool residual_sums_fit_int32(const ref::AddQu8Params& r, int32_t y_min, int32_t y_max, int32_t y_zero_point) {
  if (r.y_zero_point < 0 || r.y_zero_point > 255) return false;
  const double max_a = std::max(std::abs(static_cast<double>(y_min) - y_zero_point),
                                std::abs(static_cast<double>(y_max) - y_zero_point));
  const double max_b = std::max(std::abs(static_cast<double>(r.b_zero_point)), std::abs(255.0 - r.b_zero_point));
  const double bound = max_a * std::abs(static_cast<double>(r.a_multiplier)) +
                       max_b * std::abs(static_cast<double>(r.b_multiplier));
  return std::isfinite(bound) && bound < 0x1p30;
}

// Packs for `isa`; false (with `why`) when the tile is invalid or a kernel failed to generate.
bool pack_jit(PackedQu8s8Gemm& p, Isa isa, const Qu8s8GemmOptions& opt, const int8_t* b, const int32_t* bias,
              const float* multiplier, std::string* why) {
  int mr = 0, nr = 0;
  jit::GemmQu8s8Config::tile_for(isa, p.n, &mr, &nr);
  if (opt.mr > 0) mr = opt.mr;
  if (opt.nr > 0) nr = opt.nr;
  const jit::GemmQu8s8Config tile = jit::GemmQu8s8Config::init(isa, mr, nr, p.k, p.n, opt.avxvnni_as_evex, why);
  if (!why->empty()) return false;
  if (tile.panel_bytes() > (int64_t{1} << 30)) {
    *why = "K=" + std::to_string(p.k) + " is too large for one panel";
    return false;
  }
  jit::GemmQu8s8Config with_epilogue = tile;
  with_epilogue.residual = opt.residual;
  with_epilogue.pack_clamp =
      with_epilogue.pack_clamp_fits() &&
      (opt.residual ? residual_sums_fit_int32(opt.residual_add, p.y_min, p.y_max, p.y_zero_point)
                    : requantized_values_fit_int32(b, bias, multiplier, p.n, p.k, p.a_zero_point, p.y_zero_point));
  for (int rows = 1; rows <= mr; ++rows) {
    jit::GemmQu8s8Config cfg = with_epilogue;
    cfg.mr = rows;
    p.kernels[rows] = jit::gemm_qu8s8_kernel(cfg, why);
    if (!p.kernels[rows]) return false;
    cfg.n_tail = 0;  // the same kernel without the tail panel (column ranges that end before it)
    p.body_kernels[rows] = tile.n_tail == 0 ? p.kernels[rows] : jit::gemm_qu8s8_kernel(cfg, why);
    if (!p.body_kernels[rows]) return false;
  }
  const int64_t panels = (p.n + nr - 1) / nr;
  const size_t bytes = static_cast<size_t>(std::max<int64_t>(panels, 1) * tile.panel_bytes());
  p.packed.reset(static_cast<uint8_t*>(std::aligned_alloc(64, bytes)));
  if (!p.packed) throw std::bad_alloc();
  std::memset(p.packed.get(), 0, bytes);
  jit::pack_gemm_qu8s8_weights(tile, b, bias, multiplier, p.n, p.a_zero_point, p.packed.get());
  p.isa = isa;
  p.mr = mr, p.nr = nr;
  p.full_panels = p.n / nr;
  p.panel_bytes = tile.panel_bytes();
  p.variant = tile.kernel_name();
  p.pack_clamp = with_epilogue.pack_clamp;
  return true;
}
}  // namespace

PackedQu8s8Gemm pack_qu8s8_gemm(const int8_t* b, const int32_t* bias, const float* multiplier, int64_t n, int64_t k,
                                int32_t a_zero_point, int32_t y_zero_point, int32_t y_min, int32_t y_max,
                                const Qu8s8GemmOptions& options) {
  check_args(b, multiplier, n, k, y_zero_point, y_min, y_max);
  check_residual(options, y_zero_point);
  PackedQu8s8Gemm p;
  p.residual = options.residual;
  p.residual_add = options.residual_add;
  if (p.residual) p.residual_consts = broadcast_residual(options.residual_add);
  p.n = n, p.k = k;
  p.a_zero_point = a_zero_point, p.y_zero_point = y_zero_point, p.y_min = y_min, p.y_max = y_max;
  p.lo = static_cast<float>(int64_t{y_min} - y_zero_point);
  p.hi = static_cast<float>(int64_t{y_max} - y_zero_point);
  // The EVEX test hook needs AVX512-VNNI (+VL), not AVX-VNNI.
  const bool evex_hook = options.isa == Isa::kAvxVnni && options.avxvnni_as_evex && jit::isa_supported(Isa::kAvx512Vnni);
  jit::IsaChoice choice = evex_hook ? jit::IsaChoice{Isa::kAvxVnni, ""} : jit::resolve_isa(options.isa);
  // AMX pays a fixed cost per output (tiles stored and reloaded for the epilogue) that short dot
  // products do not amortise: measured on a Xeon (perf/bench/README.md), AVX-512 VNNI is faster
  // up to K = 32 and even at 48; an explicit Isa::kAmx request (tests) is honoured as given.
  if (options.isa == Isa::kBest && choice.isa == Isa::kAmx && k < kAmxMinK) choice.isa = Isa::kAvx512Vnni;
  p.fallback_reason = choice.note;
  std::string why;
  if (choice.isa != Isa::kRef && n > 0 && pack_jit(p, choice.isa, options, b, bias, multiplier, &why)) return p;
  if (!why.empty()) p.fallback_reason = std::string(jit::isa_name(choice.isa)) + " kernel unavailable (" + why +
                                        "): using the reference";
  use_reference(p, b, bias, multiplier);
  return p;
}

void run_qu8s8_gemm(const PackedQu8s8Gemm& p, int64_t m, const uint8_t* a, int64_t lda, uint8_t* y, int64_t ldy,
                    int64_t row_begin, int64_t row_end, const uint8_t* residual, int64_t ld_residual) {
  assert(0 <= row_begin && row_begin <= row_end && row_end <= m);
  assert(!p.residual || residual);
  (void)m;
  if (p.n == 0 || row_begin >= row_end) return;
  if (p.isa == Isa::kRef) {
    const int32_t* bias = p.ref_bias.empty() ? nullptr : p.ref_bias.data();
    for (int64_t i = row_begin; i < row_end; ++i)
      ref::gemm_qu8s8(1, p.n, p.k, a + i * lda, p.a_zero_point, p.ref_b.data(), bias, p.ref_multiplier.data(),
                      p.y_zero_point, p.y_min, p.y_max, y + i * ldy, 0, 1);
    if (p.residual)
      for (int64_t i = row_begin; i < row_end; ++i)
        ref::add_qu8_flat(p.n, y + i * ldy, residual + i * ld_residual, p.residual_add, y + i * ldy);
    return;
  }
  run_qu8s8_gemm_panels(p, m, a, lda, y, ldy, row_begin, row_end, 0, qu8s8_gemm_column_panels(p), residual,
                        ld_residual);
}

int64_t qu8s8_gemm_column_panels(const PackedQu8s8Gemm& p) {
  return p.isa == Isa::kRef ? 1 : (p.n + p.nr - 1) / p.nr;
}

void run_qu8s8_gemm_panels(const PackedQu8s8Gemm& p, int64_t m, const uint8_t* a, int64_t lda, uint8_t* y,
                           int64_t ldy, int64_t row_begin, int64_t row_end, int64_t panel_begin, int64_t panel_end,
                           const uint8_t* residual, int64_t ld_residual) {
  assert(0 <= panel_begin && panel_begin <= panel_end && panel_end <= qu8s8_gemm_column_panels(p));
  assert(!p.residual || residual);
  if (p.n == 0 || row_begin >= row_end || panel_begin >= panel_end) return;
  if (p.isa == Isa::kRef) return run_qu8s8_gemm(p, m, a, lda, y, ldy, row_begin, row_end, residual, ld_residual);
  // Blocks of panels of about kBlockBytes: B streams from L3 once per call instead of once per MR rows.
  constexpr int64_t kBlockBytes = 512 * 1024;
  const int64_t block = std::max<int64_t>(1, kBlockBytes / std::max<int64_t>(p.panel_bytes, 1));
  jit::GemmQu8s8Args args;
  args.lda = lda;
  args.ldy = ldy;
  args.lo = p.lo, args.hi = p.hi;
  args.y_zero_point = p.y_zero_point;
  args.y_min = p.y_min, args.y_max = p.y_max;
  if (p.residual) {
    args.ld_residual = ld_residual;
    args.add = p.residual_consts;
  }
  // Row blocks of balanced sizes (49 rows with MR 8: 7 x 7, not 6 x 8 + 1): a block streams the
  // panel block's weights once whatever its height.
  const int64_t blocks = (row_end - row_begin + p.mr - 1) / p.mr;
  const int64_t base = (row_end - row_begin) / blocks, taller = (row_end - row_begin) % blocks;
  for (int64_t p0 = panel_begin; p0 < panel_end; p0 += block) {
    const int64_t p1 = std::min(panel_end, p0 + block);
    const bool tail = p1 > p.full_panels;  // this block ends with the tail panel
    const jit::GemmQu8s8KernelFn* kernels = tail ? p.kernels : p.body_kernels;
    const int64_t col = p0 * p.nr;
    args.w = p.packed.get() + p0 * p.panel_bytes;
    args.full_panels = std::min(p1, p.full_panels) - p0;
    for (int64_t bi = 0, i = row_begin; bi < blocks; ++bi) {
      const int64_t rows = base + (bi < taller ? 1 : 0);
      args.a = a + i * lda;
      args.y = y + i * ldy + col;
      if (p.residual) args.residual = residual + i * ld_residual + col;
      kernels[rows](&args);
      i += rows;
    }
  }
}

const char* qu8s8_gemm_variant_name(const PackedQu8s8Gemm& p) { return p.variant.c_str(); }
Isa qu8s8_gemm_isa(const PackedQu8s8Gemm& p) { return p.isa; }
const char* qu8s8_gemm_fallback_reason(const PackedQu8s8Gemm& p) { return p.fallback_reason.c_str(); }

}  // namespace qinfer
