// Dynamic quantization GEMM (ops/dynamic_gemm.h): per-row uint8 quantization of fp32 A (the
// reference's quantize_row_u8, so the integers are the same), an exact uint8 x int8 -> int32
// Highway GEMM over B packed like gemm_qu8s8_hwy (16-column panels of int16 pairs), and the
// reference's fp32 epilogue (int32 subtract, one float Mul for the scales, Mul, Add; no FMA).
#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <cstring>

#include "dynamic_gemm.h"
#include "reference/dynamic_gemm.h"

// Register-blocked accumulators live in arrays of vectors, which sizeless (SVE/RVV) vectors forbid.
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128 | HWY_RVV)
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "hwy/dynamic_gemm_hwy.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/qu8s8_common-inl.h"

HWY_BEFORE_NAMESPACE();
namespace qinfer::q8 {
namespace HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;
struct DynRow {
  float scale;
  int32_t zp;
};

// The epilogue of one row of one 16-column panel (ops/reference/dynamic_gemm.h: int32 subtract,
// scale product, Mul, Add; no FMA); stores `cols` floats at y.
HWY_INLINE void DynEpilogue(const hn::Vec<D32>* HWY_RESTRICT acc, const int32_t* HWY_RESTRICT colsum,
                            const float* HWY_RESTRICT wscale, const float* HWY_RESTRICT bias, const DynRow& row,
                            float* HWY_RESTRICT y, size_t cols) {
  const D32 d;
  const hn::RebindToFloat<D32> df;
  alignas(64) float buf[16];
  const auto zp = hn::Set(d, row.zp);
  const auto rs = hn::Set(df, row.scale);
  for (size_t v = 0; v < kVecs; ++v) {
    const auto corrected = hn::Sub(acc[v], hn::Mul(zp, hn::LoadU(d, colsum + v * kLanes)));
    const auto s = hn::Mul(rs, hn::LoadU(df, wscale + v * kLanes));
    const auto out = hn::Add(hn::Mul(hn::ConvertTo(df, corrected), s), hn::LoadU(df, bias + v * kLanes));
    hn::Store(out, df, buf + v * kLanes);
  }
  std::memcpy(y, buf, cols * sizeof(float));
}

// MR rows x 16 columns over all K pairs, then the epilogue; stores `rows` rows, `cols` columns.
template <size_t MR>
HWY_INLINE void DynMicro(const int32_t* HWY_RESTRICT ap, const int32_t* HWY_RESTRICT bp, int64_t kp,
                         const int32_t* HWY_RESTRICT colsum, const float* HWY_RESTRICT wscale,
                         const float* HWY_RESTRICT bias, const DynRow* HWY_RESTRICT rp, float* HWY_RESTRICT y,
                         int64_t ldy, size_t rows, size_t cols) {
  const D32 d;
  using V = hn::Vec<D32>;
  V acc[MR][kVecs];
  for (size_t r = 0; r < MR; ++r)
    for (size_t v = 0; v < kVecs; ++v) acc[r][v] = hn::Zero(d);
  for (int64_t kk = 0; kk < kp; ++kk) {
    V braw[kVecs];
    for (size_t v = 0; v < kVecs; ++v) braw[v] = hn::LoadU(d, bp + kk * 16 + v * kLanes);
    const int32_t* a = ap + kk * static_cast<int64_t>(MR);
    for (size_t r = 0; r < MR; ++r) {
      const PairBroadcast<D32> av(d, a[r]);
      for (size_t v = 0; v < kVecs; ++v) acc[r][v] = PairDot(d, av, PairOperand<D32>::From(braw[v]), acc[r][v]);
    }
  }
  for (size_t r = 0; r < rows; ++r) DynEpilogue(acc[r], colsum, wscale, bias, rp[r], y + static_cast<int64_t>(r) * ldy, cols);
}

// One row's more panels at a time (a GEMV: LSTM steps, batch-1 rows): kDGroup panels share each
// broadcast of A and give independent accumulator chains.
constexpr int64_t kDGroup = 4;
void DynGemvRow(const DynamicGemm& p, const int32_t* HWY_RESTRICT ap, const DynRow& rp, float* HWY_RESTRICT y) {
  const D32 d;
  using V = hn::Vec<D32>;
  const int64_t kp = p.kpairs_;
  for (int64_t pn0 = 0; pn0 < p.panels_; pn0 += kDGroup) {
    const int64_t group = std::min<int64_t>(kDGroup, p.panels_ - pn0);
    V acc[kDGroup][kVecs];
    for (int64_t g = 0; g < kDGroup; ++g)
      for (size_t v = 0; v < kVecs; ++v) acc[g][v] = hn::Zero(d);
    const int32_t* bp = p.b_pairs_.data() + pn0 * kp * 16;
    if (group == kDGroup) {
      for (int64_t kk = 0; kk < kp; ++kk) {
        const PairBroadcast<D32> av(d, ap[kk]);
        for (int64_t g = 0; g < kDGroup; ++g)
          for (size_t v = 0; v < kVecs; ++v)
            acc[g][v] = PairDot(d, av, PairOperand<D32>::Load(d, bp + (g * kp + kk) * 16 + v * kLanes), acc[g][v]);
      }
    } else {
      for (int64_t kk = 0; kk < kp; ++kk) {
        const PairBroadcast<D32> av(d, ap[kk]);
        for (int64_t g = 0; g < group; ++g)
          for (size_t v = 0; v < kVecs; ++v)
            acc[g][v] = PairDot(d, av, PairOperand<D32>::Load(d, bp + (g * kp + kk) * 16 + v * kLanes), acc[g][v]);
      }
    }
    for (int64_t g = 0; g < group; ++g) {
      const int64_t pn = pn0 + g;
      DynEpilogue(acc[g], p.colsum_.data() + pn * 16, p.w_scale_.data() + pn * 16, p.bias_.data() + pn * 16, rp,
                  y + pn * 16, static_cast<size_t>(std::min<int64_t>(16, p.n_ - pn * 16)));
    }
  }
}

template <size_t MR>
void DynChunk(const DynamicGemm& p, const int32_t* apack, int64_t rows, const DynRow* rp, float* y, int64_t ldy) {
  const int64_t kp = p.kpairs_;
  const int64_t blocks = (rows + static_cast<int64_t>(MR) - 1) / static_cast<int64_t>(MR);
  for (int64_t pn = 0; pn < p.panels_; ++pn) {
    const int32_t* bp = p.b_pairs_.data() + pn * kp * 16;
    const size_t cols = static_cast<size_t>(std::min<int64_t>(16, p.n_ - pn * 16));
    for (int64_t blk = 0; blk < blocks; ++blk) {
      const size_t brows = static_cast<size_t>(std::min<int64_t>(MR, rows - blk * static_cast<int64_t>(MR)));
      DynMicro<MR>(apack + blk * kp * static_cast<int64_t>(MR), bp, kp, p.colsum_.data() + pn * 16,
                   p.w_scale_.data() + pn * 16, p.bias_.data() + pn * 16, rp + blk * static_cast<int64_t>(MR),
                   y + blk * static_cast<int64_t>(MR) * ldy + pn * 16, ldy, brows, cols);
    }
  }
}

void DynGemmRun(const DynamicGemm& p, const float* a, int64_t lda, float* y, int64_t ldy, int64_t row_begin,
                int64_t row_end, void* scratch) {
  if (row_end <= row_begin || p.n_ <= 0) return;
  const int64_t kp = p.kpairs_;
  // Scratch: packed A chunk | quantized rows of the chunk | row parameters.
  auto* apack = static_cast<int32_t*>(scratch);
  auto* q = reinterpret_cast<uint8_t*>(apack + p.chunk_rows_ * kp);
  auto* rp = reinterpret_cast<DynRow*>(q + (p.chunk_rows_ * p.k_ + 63) / 64 * 64);
  for (int64_t r0 = row_begin; r0 < row_end; r0 += p.chunk_rows_) {
    const int64_t rows = std::min(p.chunk_rows_, row_end - r0);
    for (int64_t r = 0; r < rows; ++r) {
      const ref::RowQuant rq = ref::quantize_row_u8(a + (r0 + r) * lda, p.k_, q + r * p.k_);
      rp[r] = DynRow{rq.scale, rq.zero_point};
    }
    if (rows < static_cast<int64_t>(kMr)) {  // few rows (an LSTM step): one row at a time, no padded rows
      PackA<1>(q, p.k_, p.k_, kp, rows, apack);
      for (int64_t r = 0; r < rows; ++r) DynGemvRow(p, apack + r * kp, rp[r], y + (r0 + r) * ldy);
    } else {
      PackA<kMr>(q, p.k_, p.k_, kp, rows, apack);
      DynChunk<kMr>(p, apack, rows, rp, y + r0 * ldy, ldy);
    }
  }
}

int64_t DynActiveTarget() { return HWY_TARGET; }

}  // namespace HWY_NAMESPACE
}  // namespace qinfer::q8
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qinfer {

namespace q8 {
HWY_EXPORT(DynGemmRun);
HWY_EXPORT(DynActiveTarget);
// Dispatch from inside q8: with a single compiled target (aarch64: NEON only) Highway dispatches
// statically to HWY_NAMESPACE::FUNC, which a qualified q8::FUNC would turn into N_NEON::q8::FUNC.
void dyn_gemm_run(const DynamicGemm& p, const float* a, int64_t lda, float* y, int64_t ldy, int64_t row_begin,
                  int64_t row_end, void* scratch) {
  HWY_DYNAMIC_DISPATCH(DynGemmRun)(p, a, lda, y, ldy, row_begin, row_end, scratch);
}
int64_t dyn_active_target() { return HWY_DYNAMIC_DISPATCH(DynActiveTarget)(); }
}  // namespace q8

namespace {
constexpr int64_t kAChunkBytes = 128 * 1024;  // packed A chunk stays in L2 while every panel passes
constexpr int64_t kMaxChunkRows = 256;
}  // namespace

void DynamicGemm::pack(int64_t n, int64_t k, const int8_t* b, const float* w_scale, const float* bias) {
  const char* isa = std::getenv("QINFER_ISA");
  pack(n, k, b, w_scale, bias, isa && std::strcmp(isa, "ref") == 0);
}

void DynamicGemm::pack(int64_t n, int64_t k, const int8_t* b, const float* w_scale, const float* bias,
                       bool reference) {
  assert(n >= 0 && k >= 1 && k <= ref::kDynamicGemmMaxK);
  n_ = n, k_ = k, reference_ = reference;
  kpairs_ = (k + 1) / 2;
  panels_ = (n + 15) / 16;
  const int64_t by_cache = kAChunkBytes / (std::max<int64_t>(kpairs_, 1) * 4) / 8 * 8;
  chunk_rows_ = std::clamp<int64_t>(by_cache, 8, kMaxChunkRows);
  if (reference) {
    ref_b_.assign(b, b + n * k);
    ref_scale_.assign(w_scale, w_scale + n);
    if (bias) ref_bias_.assign(bias, bias + n);
    return;
  }
  b_pairs_.assign(static_cast<size_t>(panels_ * kpairs_ * 16), 0);
  colsum_.assign(static_cast<size_t>(panels_ * 16), 0);
  w_scale_.assign(static_cast<size_t>(panels_ * 16), 0.0f);
  bias_.assign(static_cast<size_t>(panels_ * 16), 0.0f);
  ref::weight_column_sums(b, n, k, colsum_.data());
  for (int64_t j = 0; j < n; ++j) {
    const int8_t* row = b + j * k;
    int32_t* out = b_pairs_.data() + (j / 16) * kpairs_ * 16 + j % 16;
    for (int64_t kk = 0; kk < kpairs_; ++kk) {
      const int32_t lo = row[2 * kk];
      const int32_t hi = 2 * kk + 1 < k ? row[2 * kk + 1] : 0;
      out[kk * 16] = static_cast<int32_t>((static_cast<uint32_t>(hi) << 16) | (static_cast<uint32_t>(lo) & 0xFFFFu));
    }
    w_scale_[static_cast<size_t>(j)] = w_scale[j];
    bias_[static_cast<size_t>(j)] = bias ? bias[j] : 0.0f;
  }
}

size_t DynamicGemm::scratch_bytes() const {
  if (reference_) return static_cast<size_t>((k_ + 63) / 64 * 64);
  const int64_t apack = chunk_rows_ * std::max<int64_t>(kpairs_, 1) * 4;
  const int64_t q = (chunk_rows_ * k_ + 63) / 64 * 64;
  const int64_t rows = chunk_rows_ * 8;
  return static_cast<size_t>((apack + 63) / 64 * 64 + q + (rows + 63) / 64 * 64);
}

void DynamicGemm::run(const float* a, int64_t lda, float* y, int64_t ldy, int64_t row_begin, int64_t row_end,
                      void* scratch) const {
  if (reference_) {
    ref::dynamic_gemm_f32(n_, k_, a, lda, ref_b_.data(), ref_scale_.data(), ref_bias_.empty() ? nullptr : ref_bias_.data(),
                          y, ldy, row_begin, row_end, static_cast<uint8_t*>(scratch));
    return;
  }
  q8::dyn_gemm_run(*this, a, lda, y, ldy, row_begin, row_end, scratch);
}

const char* DynamicGemm::kernel_name() const {
  return reference_ ? "qu8s8_dynamic_gemm_f32__ref" : hwy::TargetName(q8::dyn_active_target());
}

}  // namespace qinfer
#endif  // HWY_ONCE
