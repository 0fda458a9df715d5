#include "linalg.h"

#include <cmath>
#include <cstdlib>
#include <memory>

#include "gemm_f32_packed.h"

namespace qinfer::linalg {

namespace {

struct AlignedFree {
  void operator()(void* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<float[], AlignedFree>;

Buffer aligned_floats(int64_t count) {
  const size_t bytes = (static_cast<size_t>(count) * sizeof(float) + 63) / 64 * 64;
  return Buffer(static_cast<float*>(std::aligned_alloc(64, bytes > 0 ? bytes : 64)));
}

// A mutable square block of a row-major matrix.
struct Block {
  float* data;
  int64_t ld;
  float& at(int64_t r, int64_t c) const { return data[r * ld + c]; }
  Block sub(int64_t r, int64_t c) const { return {data + r * ld + c, ld}; }
  View view() const { return {data, ld, 1}; }
  View transposed() const { return {data, 1, ld}; }
};

// Cholesky (H = L L^T) and L^-1 of a small block, in double.
bool small_cholesky_inverse(Block h, int64_t n, Block l, Block li) {
  std::vector<double> a(static_cast<size_t>(n * n), 0.0), inv(static_cast<size_t>(n * n), 0.0);
  for (int64_t j = 0; j < n; ++j) {
    for (int64_t i = j; i < n; ++i) {
      double s = h.at(i, j);
      for (int64_t k = 0; k < j; ++k) s -= a[i * n + k] * a[j * n + k];
      if (i == j) {
        if (!(s > 0.0)) return false;
        a[j * n + j] = std::sqrt(s);
      } else {
        a[i * n + j] = s / a[j * n + j];
      }
    }
  }
  for (int64_t c = 0; c < n; ++c) {  // forward substitution, L inv[:, c] = e_c
    for (int64_t i = c; i < n; ++i) {
      double s = i == c ? 1.0 : 0.0;
      for (int64_t k = c; k < i; ++k) s -= a[i * n + k] * inv[k * n + c];
      inv[i * n + c] = s / a[i * n + i];
    }
  }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      l.at(i, j) = static_cast<float>(a[i * n + j]);
      li.at(i, j) = static_cast<float>(inv[i * n + j]);
    }
  return true;
}

// Recursive 2x2 block Cholesky: [[H11, .], [H21, H22]] = L L^T with
//   L11 = chol(H11), L21 = H21 L11^-T, L22 = chol(H22 - L21 L21^T),
//   (L^-1)21 = -L22^-1 L21 L11^-1.  Almost all the work is in matmul.
bool cholesky_inverse(Block h, int64_t n, Block l, Block li) {
  if (n <= 96) return small_cholesky_inverse(h, n, l, li);
  const int64_t n1 = (n / 2 + 15) / 16 * 16, n2 = n - n1;
  if (!cholesky_inverse(h, n1, l, li)) return false;
  const Block l21 = l.sub(n1, 0), li21 = li.sub(n1, 0);
  matmul(n2, n1, n1, h.sub(n1, 0).view(), li.transposed(), l21.data, l.ld);
  Buffer t = aligned_floats(n2 * std::max(n1, n2));
  matmul(n2, n2, n1, l21.view(), l21.transposed(), t.get(), n2);
  const Block s = h.sub(n1, n1);  // H22 is no longer needed as it was: overwrite it with the Schur complement
  for (int64_t i = 0; i < n2; ++i)
    for (int64_t j = 0; j < n2; ++j) s.at(i, j) -= t[i * n2 + j];
  if (!cholesky_inverse(s, n2, l.sub(n1, n1), li.sub(n1, n1))) return false;
  matmul(n2, n1, n1, l21.view(), li.view(), t.get(), n1);
  matmul(n2, n1, n2, li.sub(n1, n1).view(), View{t.get(), n1, 1}, li21.data, li.ld);
  for (int64_t i = 0; i < n2; ++i)
    for (int64_t j = 0; j < n1; ++j) li21.at(i, j) = -li21.at(i, j);
  for (int64_t i = 0; i < n1; ++i)
    for (int64_t j = n1; j < n; ++j) l.at(i, j) = li.at(i, j) = 0.0f;
  return true;
}

}  // namespace

void matmul(int64_t m, int64_t n, int64_t k, View a, View b, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = 0.0f;
    return;
  }
  Buffer packed = aligned_floats(f32::gemm_packed_a_floats(m, k));
  f32::gemm_pack_a(m, k, a.data, a.row_stride, a.col_stride, packed.get());
  const f32::GemmF32Plan plan = f32::gemm_f32_plan(m, n, k, 1);
  Buffer scratch = aligned_floats(static_cast<int64_t>(plan.scratch_bytes() / sizeof(float)) + 16);
  f32::GemmF32Args args;
  args.m = m, args.n = n, args.k = k;
  args.packed_a = packed.get();
  args.b = b.data, args.b_row_stride = b.row_stride, args.b_col_stride = b.col_stride;
  args.c = c, args.ldc = ldc;
  f32::gemm_f32_run_part(args, plan, 0, scratch.get());
}

bool inverse_upper_cholesky(const std::vector<float>& h, int64_t n, std::vector<float>* u) {
  // With P the reversal permutation and P H P = L L^T: H^-1 = (P L^-1 P)^T (P L^-1 P), and
  // P L^-1 P is upper triangular. So one Cholesky of the reversed H and one inverse suffice.
  std::vector<float> rev(static_cast<size_t>(n * n)), l(rev.size()), li(rev.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) rev[i * n + j] = h[(n - 1 - i) * n + (n - 1 - j)];
  if (!cholesky_inverse({rev.data(), n}, n, {l.data(), n}, {li.data(), n})) return false;
  u->assign(rev.size(), 0.0f);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i; j < n; ++j) (*u)[i * n + j] = li[(n - 1 - i) * n + (n - 1 - j)];
  for (float v : *u)
    if (!std::isfinite(v)) return false;
  return true;
}

}  // namespace qinfer::linalg
