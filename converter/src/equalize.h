// Cross-layer equalization (Nagel et al., 2019, "Data-Free Quantization Through Weight
// Equalization and Bias Correction", section 4.1), on the fp32 graph before calibration.
//
// For Conv A -> Conv B where B is A's only reader, y = B(act(A(x))) does not change when A's output
// channel i (weights and bias) is divided by s_i and B's weights reading channel i are multiplied
// by s_i, as long as act(y / s) = act(y) / s (positive homogeneity: none, Relu). With
// s_i = sqrt(r1_i / r2_i) (r1_i: A's largest |weight| of output channel i, r2_i: B's largest
// |weight| reading channel i) both become sqrt(r1_i r2_i): per-channel weight ranges even out,
// which is what per-tensor activations and narrow per-channel weight grids need. For a depthwise
// B the channel it reads is its own output channel. Sweeps repeat so chains A -> B -> C settle.
//
// Clip (ReLU6) is not homogeneous: clip(y / s, 0, 6) = clip(y, 0, 6 s) / s moves the bound. Such
// a pair is equalized only when the calibration data never reached the bound (observed maximum
// M < 6) and every cumulative s_i >= M / 6: then the model is unchanged on the calibration data
// and differs only where an input drives a channel past the maximum seen. Otherwise it is skipped
// and the reason is reported.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ir.h"

namespace qinfer {

struct EqualizeStats {
  std::vector<std::string> equalized;  // "A -> B"
  std::vector<std::string> skipped;    // "A -> B: reason"
};

// `observed_max`: the largest value calibration saw in each tensor (may lack entries: Clip pairs
// whose output is missing are skipped). `sweeps`: passes over all pairs.
EqualizeStats equalize_layers(ir::Graph& g, const std::map<std::string, float>& observed_max, int sweeps = 8);

}  // namespace qinfer
