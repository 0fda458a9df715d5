// Per-target building blocks of the packed fp32 GEMM (included once per Highway target by
// foreach_target.h from gemm_f32_packed.cpp and conv_f32_fast.cpp):
//
//   f32gemm_minmax_{MR}x{NV*lanes}__{target} microkernel  Tile<MR, NV>
//     broadcasts MR rows of a packed A panel (stride kGemmPanelRows floats per k) and multiplies
//     them with NV vectors of a packed B panel (width NV*lanes per k); MR*NV accumulators;
//     epilogue adds the bias (first K block) or the partial C (later blocks) and clamps (last block).
//   PackB: fills one K x N block of B into panels of NR = kNV*lanes columns ([k][NR] per panel,
//     the last panel only as wide as the columns it holds, rounded up to a vector, zero padded).
//   TileNarrow<MP, NB>: for narrow N (GemmBlocking::narrow_n, e.g. 49 pixels): 8-lane vectors run
//     along M (a packed A panel row is 8 contiguous floats), NB columns of B are broadcast, so no
//     lane is lost to N tails.
//   RunGemmItems: the blocked loop nest for a range of work items, with any B source.
//
// Loop order inside one item: for each K block, pack B (kc x nc, kept in L2); for each 8-row panel of
// A (kc x 8, kept in L1) sweep all B panels. On AVX-512 a panel's last <= 8 columns use a half
// (8-lane) vector.

// Per-target include guard (the Highway idiom).
#if defined(QINFER_OPS_HWY_GEMM_F32_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef QINFER_OPS_HWY_GEMM_F32_INL_H_
#undef QINFER_OPS_HWY_GEMM_F32_INL_H_
#else
#define QINFER_OPS_HWY_GEMM_F32_INL_H_
#endif

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "gemm_f32_packed.h"
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace qinfer::f32 {
namespace HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;
using DF = hn::ScalableTag<float>;
using VF = hn::Vec<DF>;

// Rows per microkernel: 8 (a whole panel) where 32 vector registers hold 24 accumulators, else 4
// (half a panel; 12 accumulators + 3 B vectors + 1 broadcast fit in 16 registers).
#if (HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3) || HWY_ARCH_ARM_A64
inline constexpr size_t kMR = 8;
#else
inline constexpr size_t kMR = 4;
#endif
inline constexpr size_t kNV = 3;  // vectors of N per microkernel (NR = 3 * lanes divides 48 on x86)
static_assert(kGemmPanelRows % kMR == 0, "microkernel rows must tile a panel");

struct TileEpilogue {
  bool first = true, last = true;
  GemmBias bias_kind = GemmBias::kNone;
  const float* bias = nullptr;  // per-row: bias of the tile's first row; per-column: of its first column
  float lo = 0, hi = 0;
};

// The first n (< lanes) floats at p, the other lanes zero, reading nothing past p + n.
// hn::MaskedLoad is not usable here: on 128-bit x86 targets it is an aligned full-width load.
template <class D>
HWY_INLINE hn::Vec<D> LoadPartial(D d, const float* HWY_RESTRICT p, size_t n) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
  return hn::MaskedLoad(hn::FirstN(d, n), d, p);  // hardware-masked: no fault, no alignment need
#else
  HWY_ALIGN float lanes[HWY_MAX_BYTES / sizeof(float)] = {};
  for (size_t i = 0; i < n; ++i) lanes[i] = p[i];
  return hn::Load(d, lanes);
#endif
}

// Stores row `r`'s vector j (columns j*L ..) of a tile after the epilogue.
template <class D>
HWY_INLINE void FinishVector(D d, hn::Vec<D> v, float* HWY_RESTRICT c, size_t col, size_t cols, size_t r,
                             const TileEpilogue& ep) {
  const size_t L = hn::Lanes(d);
  const bool full = col + L <= cols;
  const auto mask = hn::FirstN(d, cols - col);
  if (ep.first) {
    if (ep.bias_kind == GemmBias::kPerRow) {
      v = hn::Add(v, hn::Set(d, ep.bias[r]));
    } else if (ep.bias_kind == GemmBias::kPerColumn) {
      v = hn::Add(v, full ? hn::LoadU(d, ep.bias + col) : LoadPartial(d, ep.bias + col, cols - col));
    }
  } else {
    v = hn::Add(v, full ? hn::LoadU(d, c + col) : LoadPartial(d, c + col, cols - col));
  }
  if (ep.last) v = hn::Min(hn::Max(v, hn::Set(d, ep.lo)), hn::Set(d, ep.hi));
  if (full) {
    hn::StoreU(v, d, c + col);
  } else {
    hn::BlendedStore(v, mask, d, c + col);
  }
}

// With 16-lane vectors a panel's last columns may take a half vector (8 lanes): N = 49 costs 56
// lanes instead of 64. Only where there are 32 registers (8 x (2 + 1/2) accumulators).
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
inline constexpr bool kHalfTail = true;
#else
inline constexpr bool kHalfTail = false;
#endif

// Width (floats per k row) of a packed B panel holding `cols` columns.
HWY_INLINE int64_t PanelWidth(int64_t cols) {
  const int64_t L = static_cast<int64_t>(hn::Lanes(DF()));
  const int64_t rem = cols % L;
  if (kHalfTail && rem != 0 && rem <= L / 2) return cols - rem + L / 2;
  return (cols + L - 1) / L * L;
}

// C[rows, cols] (+)= A panel rows x B panel over kc steps. a: packed A at the tile's first row and
// first k (stride kGemmPanelRows per k); b: packed B panel, NV full vectors (+ a half vector if
// HALF) per k.
template <size_t MR, size_t NV, bool HALF>
HWY_NOINLINE void Tile(const float* HWY_RESTRICT a, const float* HWY_RESTRICT b, size_t kc, float* HWY_RESTRICT c,
                       size_t ldc, size_t rows, size_t cols, const TileEpilogue& ep) {
  const DF d;
  const hn::Half<DF> dh;
  using VH = hn::Vec<decltype(dh)>;
  constexpr size_t kV = NV > 0 ? NV : 1;  // array extent (no zero-length arrays)
  constexpr size_t kH = HALF ? MR : 1;
  const size_t L = hn::Lanes(d);
  const size_t width = NV * L + (HALF ? L / 2 : 0);
  VF acc[MR][kV];
  VH acch[kH];
#pragma GCC unroll 8
  for (size_t i = 0; i < MR; ++i) {
#pragma GCC unroll 4
    for (size_t j = 0; j < NV; ++j) acc[i][j] = hn::Zero(d);
    if (HALF) acch[i] = hn::Zero(dh);
  }
  for (size_t k = 0; k < kc; ++k) {
    VF bv[kV];
#pragma GCC unroll 4
    for (size_t j = 0; j < NV; ++j) bv[j] = hn::LoadU(d, b + j * L);
    VH bh;
    if (HALF) bh = hn::LoadU(dh, b + NV * L);
#pragma GCC unroll 8
    for (size_t i = 0; i < MR; ++i) {
      const VF av = hn::Set(d, a[i]);
#pragma GCC unroll 4
      for (size_t j = 0; j < NV; ++j) acc[i][j] = hn::MulAdd(av, bv[j], acc[i][j]);
      if (HALF) acch[i] = hn::MulAdd(hn::Set(dh, a[i]), bh, acch[i]);
    }
    a += kGemmPanelRows;
    b += width;
  }
  for (size_t i = 0; i < MR; ++i) {
    if (i >= rows) break;
    float* HWY_RESTRICT crow = c + i * ldc;
#pragma GCC unroll 4
    for (size_t j = 0; j < NV; ++j) {
      if (j * L >= cols) break;
      FinishVector(d, acc[i][j], crow, j * L, cols, i, ep);
    }
    if (HALF && NV * L < cols) FinishVector(dh, acch[i], crow, NV * L, cols, i, ep);
  }
}

// Runs the microkernel matching a panel of `cols` columns (width PanelWidth(cols)).
HWY_INLINE void TileAnyWidth(const float* a, const float* b, size_t kc, float* c, size_t ldc, size_t rows, size_t cols,
                             const TileEpilogue& ep) {
  static_assert(kNV == 3, "dispatch below covers up to 3 vectors");
  const size_t L = hn::Lanes(DF());
  const size_t nv = cols / L, rem = cols % L;
  if (kHalfTail && rem != 0 && rem <= L / 2) {
    if (nv == 0) return Tile<kMR, 0, kHalfTail>(a, b, kc, c, ldc, rows, cols, ep);
    if (nv == 1) return Tile<kMR, 1, kHalfTail>(a, b, kc, c, ldc, rows, cols, ep);
    return Tile<kMR, 2, kHalfTail>(a, b, kc, c, ldc, rows, cols, ep);
  }
  const size_t vectors = nv + (rem != 0 ? 1 : 0);
  if (vectors == 3) return Tile<kMR, 3, false>(a, b, kc, c, ldc, rows, cols, ep);
  if (vectors == 2) return Tile<kMR, 2, false>(a, b, kc, c, ldc, rows, cols, ep);
  return Tile<kMR, 1, false>(a, b, kc, c, ldc, rows, cols, ep);
}

// Copies n floats (vectors, then a scalar tail).
HWY_INLINE void CopyFloats(const float* HWY_RESTRICT src, size_t n, float* HWY_RESTRICT dst) {
  const DF d;
  const size_t L = hn::Lanes(d);
  size_t i = 0;
  for (; i + L <= n; i += L) hn::StoreU(hn::LoadU(d, src + i), d, dst + i);
  if (i == n) return;
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
  // Hardware-masked load and store: lanes past n are neither read nor written.
  const auto m = hn::FirstN(d, n - i);
  hn::BlendedStore(hn::MaskedLoad(m, d, src + i), m, d, dst + i);
#else
  for (; i < n; ++i) dst[i] = src[i];
#endif
}

// Packs rows [k0, k0+kc) x columns [n0, n0+nc) of B into panels at dst. `source.Row(k)` returns a
// callable row(n, count, out) writing B[k, n .. n+count) to out (all columns < N).
// `nr` is the panel width in columns (kNV vectors for the microkernel; the whole block for the
// narrow-N kernel, which then sees one row-major [kc][PanelWidth(nc)] panel).
// A B source provides Pack(k0, kc, n0, nc, nr, dst) with this layout (RunGemmItems calls it).
template <class Source>
HWY_INLINE void PackB(const Source& source, int64_t k0, int64_t kc, int64_t n0, int64_t nc, int64_t nr,
                      float* HWY_RESTRICT dst) {
  for (int64_t kk = 0; kk < kc; ++kk) {
    const auto row = source.Row(k0 + kk);
    for (int64_t p0 = 0; p0 < nc; p0 += nr) {
      const int64_t cols = std::min(nr, nc - p0);
      const int64_t width = PanelWidth(cols);
      float* out = dst + p0 * kc + kk * width;
      row(n0 + p0, cols, out);
      for (int64_t j = cols; j < width; ++j) out[j] = 0.0f;
    }
  }
}

// B given by strides: B[k, n] = b[k * row_stride + n * col_stride].
struct StridedB {
  const float* b;
  int64_t row_stride, col_stride;
  struct RowRef {
    const float* p;
    int64_t col_stride;
    void operator()(int64_t n, int64_t count, float* HWY_RESTRICT out) const {
      if (col_stride == 1) {
        CopyFloats(p + n, static_cast<size_t>(count), out);
      } else {
        for (int64_t j = 0; j < count; ++j) out[j] = p[(n + j) * col_stride];
      }
    }
  };
  RowRef Row(int64_t k) const { return RowRef{b + k * row_stride, col_stride}; }
  void Pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, int64_t nr, float* HWY_RESTRICT dst) const {
    PackB(*this, k0, kc, n0, nc, nr, dst);
  }
};

// One GEMM: C = A * B (+ epilogue). Items are (N block, M chunk) pairs of `blk`.
struct GemmProblem {
  const GemmBlocking* blk;
  const float* packed_a;
  float* c;
  int64_t ldc;
  const float* bias;
  GemmBias bias_kind;
  float lo, hi;
};

// ---- Narrow N (e.g. the 7x7 = 49 pixels of ResNet's last stage): vectors run along M instead. ----
// f32gemm_minmax_{8*MP}x{NB}__{target}: MP panels of A (8 rows each, one 8-lane vector per k),
// NB columns of B broadcast per k; MP*NB accumulators hold columns of C. No lane is wasted on
// N tails; the epilogue writes columns with scalar stores (cheap: K blocks are long on this path).
using D8 = hn::CappedTag<float, 8>;
#if HWY_TARGET == HWY_SCALAR
inline constexpr bool kHaveNarrowKernel = false;  // 1-lane vectors: the row kernel is as good
inline constexpr size_t kNarrowMP = 1, kNarrowNB = 1;
#elif (HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3) || HWY_ARCH_ARM_A64
inline constexpr bool kHaveNarrowKernel = true;  // 32 registers: 2 x 12 accumulators
inline constexpr size_t kNarrowMP = 2, kNarrowNB = 12;
#elif HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
inline constexpr bool kHaveNarrowKernel = true;  // 16 registers: 2 x 6 accumulators
inline constexpr size_t kNarrowMP = 2, kNarrowNB = 6;
#else
inline constexpr bool kHaveNarrowKernel = true;  // 4-lane vectors, 2 per panel row: 2 x 6 accumulators
inline constexpr size_t kNarrowMP = 1, kNarrowNB = 6;
#endif

// C[rows, NB] (+)= A (MP panels from `a`, panel stride a_stride, k stride 8) x B (row stride bw).
template <size_t MP, size_t NB>
HWY_NOINLINE void TileNarrow(const float* HWY_RESTRICT a, size_t a_stride, const float* HWY_RESTRICT b, size_t bw,
                             size_t kc, float* HWY_RESTRICT c, size_t ldc, size_t rows, const TileEpilogue& ep) {
  const D8 d;
  constexpr size_t kLanes = hn::MaxLanes(D8());
  constexpr size_t kPerPanel = kGemmPanelRows / kLanes;
  constexpr size_t kRowsV = MP * kPerPanel;  // vectors along M
  using V = hn::Vec<D8>;
  V acc[kRowsV][NB];
#pragma GCC unroll 4
  for (size_t v = 0; v < kRowsV; ++v)
#pragma GCC unroll 12
    for (size_t j = 0; j < NB; ++j) acc[v][j] = hn::Zero(d);
  for (size_t k = 0; k < kc; ++k) {
    V av[kRowsV];
#pragma GCC unroll 4
    for (size_t v = 0; v < kRowsV; ++v) av[v] = hn::LoadU(d, a + (v / kPerPanel) * a_stride + (v % kPerPanel) * kLanes);
#pragma GCC unroll 12
    for (size_t j = 0; j < NB; ++j) {
      const V bj = hn::Set(d, b[j]);
#pragma GCC unroll 4
      for (size_t v = 0; v < kRowsV; ++v) acc[v][j] = hn::MulAdd(av[v], bj, acc[v][j]);
    }
    a += kGemmPanelRows;
    b += bw;
  }
  HWY_ALIGN float col[kLanes];
  for (size_t v = 0; v < kRowsV; ++v) {
    const size_t r0 = v * kLanes;
    if (r0 >= rows) break;
    const size_t nr = std::min(kLanes, rows - r0);
    for (size_t j = 0; j < NB; ++j) {
      hn::Store(acc[v][j], d, col);
      for (size_t r = 0; r < nr; ++r) {
        float* out = c + (r0 + r) * ldc + j;
        float y = col[r];
        if (ep.first) {
          if (ep.bias_kind == GemmBias::kPerRow) y += ep.bias[r0 + r];
          if (ep.bias_kind == GemmBias::kPerColumn) y += ep.bias[j];
        } else {
          y += *out;
        }
        if (ep.last) y = std::min(std::max(y, ep.lo), ep.hi);
        *out = y;
      }
    }
  }
}

template <size_t MP, size_t NB>
HWY_INLINE void TileNarrowUpTo(size_t nb, const float* a, size_t a_stride, const float* b, size_t bw, size_t kc, float* c,
                               size_t ldc, size_t rows, const TileEpilogue& ep) {
  if constexpr (NB > 1) {
    if (nb < NB) return TileNarrowUpTo<MP, NB - 1>(nb, a, a_stride, b, bw, kc, c, ldc, rows, ep);
  }
  TileNarrow<MP, NB>(a, a_stride, b, bw, kc, c, ldc, rows, ep);
}

template <class Source>
HWY_INLINE void RunNarrowItem(const GemmProblem& pr, const Source& source, int64_t n0, int64_t nc, int64_t m0,
                              int64_t m1, float* HWY_RESTRICT scratch) {
  const GemmBlocking& b = *pr.blk;
  const int64_t K = b.k;
  const int64_t bw = PanelWidth(nc);
  const int64_t tiles = (nc + static_cast<int64_t>(kNarrowNB) - 1) / static_cast<int64_t>(kNarrowNB);
  constexpr int64_t kTileRows = static_cast<int64_t>(kNarrowMP) * kGemmPanelRows;
  for (int64_t kb = 0; kb < b.k_blocks; ++kb) {
    const int64_t k0 = kb * b.kc, kc = std::min(b.kc, K - k0);
    source.Pack(k0, kc, n0, nc, nc, scratch);  // one row-major panel [kc][bw]
    TileEpilogue ep;
    ep.first = kb == 0;
    ep.last = k0 + kc >= K;
    ep.bias_kind = pr.bias ? pr.bias_kind : GemmBias::kNone;
    ep.lo = pr.lo, ep.hi = pr.hi;
    for (int64_t m = m0; m < m1; m += kTileRows) {
      const float* a = pr.packed_a + (m / kGemmPanelRows) * K * kGemmPanelRows + k0 * kGemmPanelRows;
      const int64_t rows = std::min(kTileRows, m1 - m);
      for (int64_t t = 0, j0 = 0; t < tiles; ++t) {  // even split of nc columns into tiles
        const int64_t j1 = nc * (t + 1) / tiles;
        if (ep.bias_kind == GemmBias::kPerRow) ep.bias = pr.bias + m;
        if (ep.bias_kind == GemmBias::kPerColumn) ep.bias = pr.bias + n0 + j0;
        float* c = pr.c + m * pr.ldc + n0 + j0;
        const size_t nb = static_cast<size_t>(j1 - j0);
        if (rows > kGemmPanelRows) {
          TileNarrowUpTo<kNarrowMP, kNarrowNB>(nb, a, static_cast<size_t>(K * kGemmPanelRows), scratch + j0,
                                               static_cast<size_t>(bw), static_cast<size_t>(kc), c,
                                               static_cast<size_t>(pr.ldc), static_cast<size_t>(rows), ep);
        } else {  // last rows: a single panel (the next one does not exist)
          TileNarrowUpTo<1, kNarrowNB>(nb, a, static_cast<size_t>(K * kGemmPanelRows), scratch + j0,
                                       static_cast<size_t>(bw), static_cast<size_t>(kc), c,
                                       static_cast<size_t>(pr.ldc), static_cast<size_t>(rows), ep);
        }
        j0 = j1;
      }
    }
  }
}

template <class Source>
HWY_INLINE void RunGemmItems(const GemmProblem& pr, const Source& source, int64_t item_begin, int64_t item_end,
                             float* HWY_RESTRICT scratch) {
  const DF d;
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  const int64_t nr = static_cast<int64_t>(kNV) * L;
  const GemmBlocking& b = *pr.blk;
  const int64_t M = b.m, N = b.n, K = b.k;
  for (int64_t item = item_begin; item < item_end; ++item) {
    const int64_t nb = item / b.m_chunks, mcb = item % b.m_chunks;
    const int64_t n0 = nb * b.nc, nc = std::min(b.nc, N - n0);
    const int64_t m0 = mcb * b.mc, m1 = std::min(M, m0 + b.mc);
    if (nc <= 0 || m0 >= m1) continue;
    if (kHaveNarrowKernel && b.narrow_n) {
      RunNarrowItem(pr, source, n0, nc, m0, m1, scratch);
      continue;
    }
    for (int64_t kb = 0; kb < b.k_blocks; ++kb) {
      const int64_t k0 = kb * b.kc, kc = std::min(b.kc, K - k0);
      source.Pack(k0, kc, n0, nc, nr, scratch);
      TileEpilogue ep;
      ep.first = kb == 0;
      ep.last = k0 + kc >= K;
      ep.bias_kind = pr.bias ? pr.bias_kind : GemmBias::kNone;
      ep.lo = pr.lo, ep.hi = pr.hi;
      for (int64_t mp = m0; mp < m1; mp += kGemmPanelRows) {
        const float* a_panel = pr.packed_a + (mp / kGemmPanelRows) * K * kGemmPanelRows + k0 * kGemmPanelRows;
        for (int64_t r0 = 0; r0 < kGemmPanelRows && mp + r0 < m1; r0 += static_cast<int64_t>(kMR)) {
          const int64_t m = mp + r0;
          const size_t rows = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(kMR), m1 - m));
          float* c_rows = pr.c + m * pr.ldc + n0;
          for (int64_t p0 = 0; p0 < nc; p0 += nr) {
            const int64_t cols = std::min(nr, nc - p0);
            if (ep.bias_kind == GemmBias::kPerRow) ep.bias = pr.bias + m;
            if (ep.bias_kind == GemmBias::kPerColumn) ep.bias = pr.bias + n0 + p0;
            TileAnyWidth(a_panel + r0, scratch + p0 * kc, static_cast<size_t>(kc), c_rows + p0,
                         static_cast<size_t>(pr.ldc), rows, static_cast<size_t>(cols), ep);
          }
        }
      }
    }
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace qinfer::f32
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
