// Input Hessians of Conv/Gemm layers for GPTQ (weight_rounding.h): H_g = sum over output
// positions of x x^T, where x is the im2col column a group g of the layer multiplies with its
// weights, in the order (input channel, kernel row, kernel column) of the OIHW weight
// (Gemm: the input row). Collected by running the fp32 model on calibration samples.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir.h"
#include "qinfer/tensor.h"

namespace qinfer {

struct LayerHessian {
  std::string node;
  int64_t groups = 1, k = 0;  // `groups` Hessians of k x k
  std::vector<double> h;      // groups * k * k, row-major per group
  int64_t positions = 0;      // im2col columns summed (per group)
  const double* group(int64_t g) const { return h.data() + g * k * k; }
};

// Whether Hessians (and so GPTQ) apply to `n` of the fp32 graph `g`: a Conv with a constant 4-D
// weight and a 4-D input, or a Gemm with a constant weight and a 2-D input (transA 0).
bool has_layer_hessian(const ir::Graph& g, const ir::Node& n);
// Bytes of the Hessians of `n` (has_layer_hessian): for bounding the memory of one pass.
int64_t layer_hessian_bytes(const ir::Graph& g, const ir::Node& n);

// One pass of the fp32 qbin of `g` over `samples` (dim 0 = samples, `batch` per run) that sums
// the Hessians of the named nodes (has_layer_hessian ones).
std::vector<LayerHessian> collect_hessians(const ir::Graph& g, const std::vector<uint8_t>& fp32_qbin,
                                           const Tensor& samples, int64_t batch, const std::vector<std::string>& nodes);

// Adds the im2col outer products of one NCHW input batch `x` of Conv `n` (Gemm: rows of [N, K]) to `h`.
void accumulate_hessian(const ir::Graph& g, const ir::Node& n, const float* x, const std::vector<int64_t>& shape,
                        LayerHessian* h);

}  // namespace qinfer
