// Error-compensating weight rounding (GPTQ: Frantar et al., 2022, "GPTQ: Accurate Post-Training
// Quantization for Generative Pre-trained Transformers", after OBQ). Rounding to nearest treats
// every weight alone; GPTQ rounds a layer's input columns one by one and moves each column's
// rounding error onto the columns not rounded yet, along the inverse Hessian of the layer input
// (H = sum x x^T, hessian.h), so that the layer *output* error ||(W - Q) X|| stays small. The scales
// stay the nearest-rounding ones (per output channel, from the float weights).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ir.h"
#include "qinfer/tensor.h"
#include "quantizer.h"

namespace qinfer {

enum class WeightRounding { Nearest, Gptq };
WeightRounding parse_weight_rounding(const std::string& name);  // Error naming the value when unknown

// GPTQ on one group: w [o, k] row-major float weights, h [k, k] their input's Hessian,
// scales[o]. Returns the int8 weights [o, k] in [-wmax, wmax]. `damp`: the fraction of the mean
// Hessian diagonal added to it (0.01 in the paper). Returns false (and `q` nearest-rounded) when
// H is zero or not positive definite even with 100x the dampening.
bool gptq_quantize(const float* w, int64_t o, int64_t k, const double* h, const float* scales, int32_t wmax,
                   double damp, std::vector<int8_t>* q);

// sum over rows of (w - s q)^T H (w - s q): the output error of rounding one group's weights (for
// tests and statistics).
double hessian_weighted_error(const float* w, int64_t o, int64_t k, const double* h, const float* scales, const int8_t* q);

struct GptqStats {
  int layers = 0;                 // layers rounded with GPTQ
  std::vector<std::string> fell_back;  // layers left to nearest rounding (Hessian not usable)
  double error_ratio = 0.0;       // sum of H-weighted errors, GPTQ / nearest, over all layers
};

// GPTQ int8 weights (canonical, quantizer.h) of every Conv/Gemm of the fp32 graph `g` that is not
// in `skip`, from Hessians collected on `samples` with the fp32 model (a few passes, each holding
// at most about `memory_bytes` of Hessians). Keyed by node name, for quantize_graph's `rounded`.
std::map<std::string, RoundedWeight> round_weights_gptq(const ir::Graph& g, const Tensor& samples, int64_t batch,
                                                 const QuantizeScheme& scheme, const std::set<std::string>& skip,
                                                 GptqStats* stats, int64_t memory_bytes = int64_t{1} << 29);

}  // namespace qinfer
