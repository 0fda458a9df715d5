// Small dense linear algebra for the quantizer (GPTQ's Hessians): products on the runtime's packed
// fp32 GEMM, and a Cholesky factorization with its inverse built from those products. Single
// threaded and deterministic (the GEMM sums in a fixed order).
#pragma once

#include <cstdint>
#include <vector>

namespace qinfer::linalg {

// A strided view of a float matrix: element (r, c) = data[r * row_stride + c * col_stride].
struct View {
  const float* data;
  int64_t row_stride, col_stride;
};

// C[m, n] = A[m, k] * B[k, n] (C row-major with leading dimension ldc; overwritten).
void matmul(int64_t m, int64_t n, int64_t k, View a, View b, float* c, int64_t ldc);

// For symmetric positive definite H [n, n] (row-major): the upper triangular U with
// H^-1 = U^T U (what GPTQ walks row by row). Returns false when H is not positive definite in
// float precision. U is row-major [n, n], zeros below the diagonal.
bool inverse_upper_cholesky(const std::vector<float>& h, int64_t n, std::vector<float>* u);

}  // namespace qinfer::linalg
