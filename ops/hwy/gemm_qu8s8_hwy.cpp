// Packed uint8 x int8 GEMM: packing and the dispatched entry point (see gemm_qu8s8_hwy.h).
#include "gemm_qu8s8_hwy.h"

#include <algorithm>
#include <cassert>
#include <cstring>

// Register-blocked accumulators live in arrays of vectors, which sizeless (SVE/RVV) vectors forbid.
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128 | HWY_RVV)
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "hwy/gemm_qu8s8_hwy.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/qu8s8_common-inl.h"

HWY_BEFORE_NAMESPACE();
namespace qinfer::q8 {
namespace HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;
// kMr rows x 16 columns over all K pairs; stores `rows` rows and `cols` columns.
HWY_INLINE void Micro(const int32_t* HWY_RESTRICT ap, const int32_t* HWY_RESTRICT bp, int64_t kp,
                      const int32_t* HWY_RESTRICT bias, const float* HWY_RESTRICT mult, const Requant& rq,
                      uint8_t* HWY_RESTRICT y, int64_t ldy, size_t rows, size_t cols) {
  const D32 d;
  using V = hn::Vec<D32>;
  V acc[kMr][kVecs];
  for (size_t v = 0; v < kVecs; ++v) {
    const V b0 = hn::LoadU(d, bias + v * kLanes);
    for (size_t r = 0; r < kMr; ++r) acc[r][v] = b0;
  }
  for (int64_t kk = 0; kk < kp; ++kk) {
    V braw[kVecs];  // (arrays of the helper structs would need their constructors outside HWY_ATTR)
    for (size_t v = 0; v < kVecs; ++v) braw[v] = hn::LoadU(d, bp + kk * 16 + v * kLanes);
    const int32_t* a = ap + kk * kMr;
    for (size_t r = 0; r < kMr; ++r) {
      const PairBroadcast<D32> av(d, a[r]);
      for (size_t v = 0; v < kVecs; ++v) acc[r][v] = PairDot(d, av, PairOperand<D32>::From(braw[v]), acc[r][v]);
    }
  }
  alignas(64) uint8_t buf[16];
  for (size_t r = 0; r < rows; ++r) {
    for (size_t v = 0; v < kVecs; ++v) RequantStore(d, acc[r][v], mult + v * kLanes, rq, buf + v * kLanes);
    if (cols == 16)
      std::memcpy(y + r * ldy, buf, 16);
    else
      std::memcpy(y + r * ldy, buf, cols);
  }
}

void GemmRun(const PackedQu8s8& p, const uint8_t* a, int64_t lda, uint8_t* y, int64_t ldy, int64_t row_begin,
             int64_t row_end, void* scratch) {
  if (row_end <= row_begin || p.n <= 0) return;
  const Requant rq(p.y_zero_point, p.y_min, p.y_max);
  int32_t* apack = static_cast<int32_t*>(scratch);
  const int64_t kp = p.kpairs;
  for (int64_t r0 = row_begin; r0 < row_end; r0 += p.chunk_rows) {
    const int64_t rows = std::min(p.chunk_rows, row_end - r0);
    PackA<kMr>(a + r0 * lda, lda, p.k, kp, rows, apack);
    const int64_t blocks = (rows + kMr - 1) / kMr;
    for (int64_t pn = 0; pn < p.panels; ++pn) {
      const int32_t* bp = p.b.data() + pn * kp * 16;
      const size_t cols = static_cast<size_t>(std::min<int64_t>(16, p.n - pn * 16));
      for (int64_t blk = 0; blk < blocks; ++blk) {
        const size_t brows = static_cast<size_t>(std::min<int64_t>(kMr, rows - blk * kMr));
        Micro(apack + blk * kp * kMr, bp, kp, p.bias.data() + pn * 16, p.multiplier.data() + pn * 16, rq,
              y + (r0 + blk * kMr) * ldy + pn * 16, ldy, brows, cols);
      }
    }
  }
}

int64_t ActiveTarget() { return HWY_TARGET; }

}  // namespace HWY_NAMESPACE
}  // namespace qinfer::q8
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qinfer::q8 {

HWY_EXPORT(GemmRun);
HWY_EXPORT(ActiveTarget);

namespace {
constexpr int64_t kAChunkBytes = 128 * 1024;  // packed A chunk stays in L2 while every panel passes
constexpr int64_t kMaxChunkRows = 256;
}  // namespace

PackedQu8s8 qu8s8_gemm_pack(int64_t n, int64_t k, const int8_t* b, int64_t ldb, int32_t a_zero_point,
                            const int32_t* bias, const float* multiplier, int32_t y_zero_point, int32_t y_min,
                            int32_t y_max) {
  PackedQu8s8 p;
  p.n = n, p.k = k;
  p.kpairs = (k + 1) / 2;
  p.panels = (n + 15) / 16;
  const int64_t by_cache = kAChunkBytes / (std::max<int64_t>(p.kpairs, 1) * 4) / 8 * 8;
  p.chunk_rows = std::clamp<int64_t>(by_cache, 8, kMaxChunkRows);
  p.y_zero_point = y_zero_point, p.y_min = y_min, p.y_max = y_max;
  p.b.assign(static_cast<size_t>(p.panels * p.kpairs * 16), 0);
  p.bias.assign(static_cast<size_t>(p.panels * 16), 0);
  p.multiplier.assign(static_cast<size_t>(p.panels * 16), 0.0f);
  for (int64_t j = 0; j < n; ++j) {
    const int8_t* row = b + j * ldb;
    int64_t sum = 0;
    for (int64_t kk = 0; kk < k; ++kk) sum += row[kk];
    int32_t* out = p.b.data() + (j / 16) * p.kpairs * 16 + j % 16;
    for (int64_t kk = 0; kk < p.kpairs; ++kk) {
      const int32_t lo = row[2 * kk];
      const int32_t hi = 2 * kk + 1 < k ? row[2 * kk + 1] : 0;
      out[kk * 16] = static_cast<int32_t>((static_cast<uint32_t>(hi) << 16) | (static_cast<uint32_t>(lo) & 0xFFFFu));
    }
    // Wraps mod 2^32 like the reference's int32 accumulator.
    const int64_t folded = static_cast<int64_t>(bias ? bias[j] : 0) - static_cast<int64_t>(a_zero_point) * sum;
    p.bias[static_cast<size_t>(j)] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(folded)));
    p.multiplier[static_cast<size_t>(j)] = multiplier[j];
  }
  return p;
}

size_t qu8s8_gemm_scratch_bytes(const PackedQu8s8& p) {
  const size_t bytes = static_cast<size_t>(p.chunk_rows * std::max<int64_t>(p.kpairs, 1)) * sizeof(int32_t);
  return (bytes + 63) / 64 * 64;
}

void qu8s8_gemm_run(const PackedQu8s8& packed, int64_t m, const uint8_t* a, int64_t lda, uint8_t* y, int64_t ldy,
                    int64_t row_begin, int64_t row_end, void* scratch) {
  assert(row_begin >= 0 && row_end <= m);
  (void)m;
  HWY_DYNAMIC_DISPATCH(GemmRun)(packed, a, lda, y, ldy, row_begin, row_end, scratch);
}

const char* qu8s8_kernels_target() { return hwy::TargetName(HWY_DYNAMIC_DISPATCH(ActiveTarget)()); }

int64_t qu8s8_kernels_compiled_targets() { return HWY_TARGETS; }

}  // namespace qinfer::q8
#endif  // HWY_ONCE
