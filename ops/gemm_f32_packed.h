// Packed fp32 GEMM with Highway dynamic dispatch (AVX-512 / AVX2 / SSE4 / ... chosen at run time).
//
//   C[M,N] = clamp(A[M,K] * B[K,N] + bias, out_min, out_max)
//
// A is the constant operand (conv weights [oc, ic*kh*kw], FC weights): it is packed once, at load
// time, into panels of kGemmPanelRows rows, k-major inside a panel:
//     packed[(m / 8) * K * 8 + k * 8 + m % 8] = A[m, k]   (rows >= M are zero)
// The layout does not depend on the CPU, so a packed buffer stays valid for every target.
// B (activations) is read with arbitrary strides and repacked per thread, block by block, into
// scratch memory, so run() never allocates. The microkernel broadcasts A and vectorizes along N:
// C rows stay contiguous, which is what NCHW convolution wants (Y[oc, HW] = W[oc, K] * X[K, HW]).
//
// Work is cut into items (an N block x a chunk of M rows); callers split [0, plan.work_items())
// across threads, each thread with its own plan.scratch_bytes_per_part() of scratch. Results do
// not depend on how items are split (every item computes the same sums in the same order).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

namespace qinfer::f32 {

inline constexpr int64_t kGemmPanelRows = 8;

// Floats of a packed A for an M x K matrix (a multiple of 16, i.e. 64 bytes).
int64_t gemm_packed_a_floats(int64_t m, int64_t k);
// Packs A[m, k] = a[m * a_row_stride + k * a_col_stride] (row-major A: strides (K, 1); a
// transposed A stored [K, M]: strides (1, M)). `packed` holds gemm_packed_a_floats(m, k) floats.
void gemm_pack_a(int64_t m, int64_t k, const float* a, int64_t a_row_stride, int64_t a_col_stride, float* packed);

enum class GemmBias : int { kNone, kPerRow, kPerColumn };

// Cache blocking, independent of the CPU target (every target's panel width divides nc).
struct GemmBlocking {
  int64_t m = 0, n = 0, k = 0;
  int64_t kc = 0, k_blocks = 0;  // K split into k_blocks blocks of <= kc
  int64_t nc = 0, n_blocks = 0;  // N split into n_blocks blocks of <= nc (nc a multiple of 48)
  int64_t mc = 0, m_chunks = 0;  // M split into m_chunks chunks of <= mc rows (mc a multiple of 8)
  bool narrow_n = false;         // N is small and no multiple of 16: vectors run along M instead
  int64_t items() const { return n_blocks * m_chunks; }
  size_t scratch_bytes() const { return static_cast<size_t>(kc * nc) * sizeof(float); }  // packed B block
};
// `min_items`: make at least this many work items if the shape allows (more chunks of M), so that
// that many threads find work; 1 for a single thread.
GemmBlocking gemm_blocking(int64_t m, int64_t n, int64_t k, int64_t min_items);

struct GemmF32Plan {
  GemmBlocking blocking;
  int parts = 1;  // threads the work is planned for
  int64_t work_items() const { return blocking.items(); }
  size_t scratch_bytes_per_part() const { return (blocking.scratch_bytes() + 63) / 64 * 64; }
  size_t scratch_bytes() const { return scratch_bytes_per_part() * static_cast<size_t>(parts); }
};
GemmF32Plan gemm_f32_plan(int64_t m, int64_t n, int64_t k, int threads);

struct GemmF32Args {
  int64_t m = 0, n = 0, k = 0;
  const float* packed_a = nullptr;               // gemm_pack_a output
  const float* b = nullptr;                      // B[k, n] = b[k * b_row_stride + n * b_col_stride]
  int64_t b_row_stride = 0, b_col_stride = 1;
  float* c = nullptr;                            // C[m, n] = c[m * ldc + n]
  int64_t ldc = 0;
  const float* bias = nullptr;                   // [M] (kPerRow) or [N] (kPerColumn)
  GemmBias bias_kind = GemmBias::kNone;
  float out_min = -std::numeric_limits<float>::infinity();
  float out_max = std::numeric_limits<float>::infinity();
};

// Computes work items [item_begin, item_end) of `plan`. `part_scratch`: plan.scratch_bytes_per_part()
// bytes, 64-byte aligned, private to this call. Never allocates, never throws.
void gemm_f32_run(const GemmF32Args& args, const GemmF32Plan& plan, int64_t item_begin, int64_t item_end,
                  void* part_scratch);
// Convenience for thread pools: part `part` of plan.parts takes an even share of the items and the
// part-th slice of `scratch` (plan.scratch_bytes() bytes).
void gemm_f32_run_part(const GemmF32Args& args, const GemmF32Plan& plan, int part, void* scratch);

// Name of the Highway target the fp32 kernels dispatch to now ("AVX3", "AVX2", ...).
const char* f32_kernels_target();
// Highway targets compiled into the fp32 kernels (bitmask of HWY_* target bits), for tests that
// force each one in turn with hwy::SetSupportedTargetsForTest.
int64_t f32_kernels_compiled_targets();

}  // namespace qinfer::f32
