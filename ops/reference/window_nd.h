// Reference N-D windowed ops (spatial rank 1..3) on fp32 N, C, spatial... data: Conv,
// ConvTranspose, MaxPool and AveragePool with ONNX semantics. The 2-D kernels (conv.h, pool.h,
// conv_transpose.h) stay the fast path for images; these cover volumes (3-D) and state the rule
// once for any rank.
#pragma once

#include <cstdint>

namespace qinfer::ref {

struct WindowGeometryNd {
  static constexpr int kMaxRank = 3;
  int rank = 0;  // spatial rank
  int64_t batch = 1, in_c = 0, out_c = 0, groups = 1;
  int64_t in[kMaxRank] = {}, out[kMaxRank] = {};
  int64_t kernel[kMaxRank] = {}, stride[kMaxRank] = {}, pad_begin[kMaxRank] = {}, dilation[kMaxRank] = {};

  int64_t in_size() const { return product(in); }
  int64_t out_size() const { return product(out); }
  int64_t kernel_size() const { return product(kernel); }
  // Work splits by output planes (n, c): planes() = batch * out_c.
  int64_t planes() const { return batch * out_c; }

 private:
  int64_t product(const int64_t* v) const {
    int64_t p = 1;
    for (int a = 0; a < rank; ++a) p *= v[a];
    return p;
  }
};

// y[n, oc, o] = bias[oc] + sum over ic in oc's group and k of x[n, ic, o * stride - pad + k * dilation]
// * w[oc, ic', k] (out-of-bounds taps read 0), clamped to [out_min, out_max]. Weights
// [out_c, in_c / groups, k...]; bias [out_c] or nullptr. Summed in double, like conv2d_f32_nchw.
void conv_nd_f32(const WindowGeometryNd& g, const float* x, const float* w, const float* bias, float out_min,
                 float out_max, float* y, int64_t plane_begin, int64_t plane_end);

// Transposed convolution: y[n, oc, o] = bias[oc] + sum over ic in oc's group and k with
// o + pad - k * dilation = i * stride, 0 <= i < in, of x[n, ic, i] * w[ic, oc', k]; clamped.
// Weights [in_c, out_c / groups, k...].
void conv_transpose_nd_f32(const WindowGeometryNd& g, const float* x, const float* w, const float* bias, float out_min,
                           float out_max, float* y, int64_t plane_begin, int64_t plane_end);

// Pools (in_c == out_c; groups unused). Padded positions are ignored by MaxPool; AveragePool
// divides by the in-bounds taps, or by every tap of the window with count_include_pad.
void maxpool_nd_f32(const WindowGeometryNd& g, const float* x, float* y, int64_t plane_begin, int64_t plane_end);
void avgpool_nd_f32(const WindowGeometryNd& g, bool count_include_pad, const float* x, float* y, int64_t plane_begin,
                    int64_t plane_end);

}  // namespace qinfer::ref
