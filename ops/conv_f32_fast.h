// Fast fp32 Conv2D on NCHW data (OIHW weights), Highway dynamic dispatch. Matches
// ref::conv2d_f32_nchw up to summation order.
//
//   * depthwise (in_c / groups == 1): its own vectorized kernel over zero-padded planes;
//   * everything else, per image and group, as a GEMM Y[oc, HW] = W[oc, K] * X[K, HW] with the
//     packed fp32 GEMM of gemm_f32_packed.h: 1x1 stride-1 unpadded convs read X directly; other
//     kernels build im2col panels block by block in scratch (never the whole im2col matrix).
//
// Use from a kernel:
//   construction:  packed.resize(conv2d_f32_packed_floats(g)); conv2d_f32_pack(g, w_oihw, packed.data());
//                  (only g.out_c, g.in_c, g.groups, g.kernel_h, g.kernel_w are read)
//   planning:      conv2d_f32_scratch_bytes(g, threads)
//   run:           ConvF32Plan plan = conv2d_f32_plan(g, pool.threads());
//                  pool.parallel_for(plan.parts, [&](int64_t b, int64_t e) {
//                    for (int64_t p = b; p < e; ++p) conv2d_f32_run_part(g, x, packed, bias, lo, hi, y, plan, p, scratch);
//                  });
#pragma once

#include <cstddef>
#include <cstdint>

#include "gemm_f32_packed.h"
#include "reference/conv.h"

namespace qinfer::f32 {

// True when the conv takes the depthwise kernel (one input channel per group).
bool conv2d_f32_is_depthwise(const ref::Conv2DGeometry& g);

// Floats of the packed weights; multiple of 16 (64 bytes).
int64_t conv2d_f32_packed_floats(const ref::Conv2DGeometry& g);
// Packs OIHW weights. Reads only out_c, in_c, groups, kernel_h, kernel_w of `g`.
void conv2d_f32_pack(const ref::Conv2DGeometry& g, const float* w_oihw, float* packed);

struct ConvF32Plan {
  bool depthwise = false;
  int parts = 1;                 // threads the work is planned for
  int64_t work_items = 0;        // items [0, work_items) are split among parts
  int64_t gemms = 0;             // GEMM path: batch * groups GEMMs of gemm.items() items each
  GemmBlocking gemm;             // GEMM path: M = out_c/groups, N = out_h*out_w, K = in_c/groups*kh*kw
  int64_t dw_rows = 0, dw_cols = 0;  // depthwise path: padded plane held in scratch
  size_t scratch_bytes_per_part = 0;  // multiple of 64
  size_t scratch_bytes() const { return scratch_bytes_per_part * static_cast<size_t>(parts); }
};
ConvF32Plan conv2d_f32_plan(const ref::Conv2DGeometry& g, int threads);
// Scratch one run of `g` split over `threads` threads needs (= conv2d_f32_plan(g, threads).scratch_bytes()).
size_t conv2d_f32_scratch_bytes(const ref::Conv2DGeometry& g, int threads);

// Computes work items [item_begin, item_end) of `plan` (all output channels of the images and
// positions those items cover). x: NCHW input, packed: conv2d_f32_pack output, bias: [out_c] or
// nullptr, y: NCHW output clamped to [out_min, out_max]. part_scratch: plan.scratch_bytes_per_part
// bytes, 64-byte aligned, private to this call.
void conv2d_f32_run(const ref::Conv2DGeometry& g, const float* x, const float* packed, const float* bias,
                    float out_min, float out_max, float* y, const ConvF32Plan& plan, int64_t item_begin,
                    int64_t item_end, void* part_scratch);
// Part `part` of plan.parts: an even share of the items, and the part-th slice of `scratch`
// (plan.scratch_bytes() bytes, 64-byte aligned).
void conv2d_f32_run_part(const ref::Conv2DGeometry& g, const float* x, const float* packed, const float* bias,
                         float out_min, float out_max, float* y, const ConvF32Plan& plan, int64_t part,
                         void* scratch);

}  // namespace qinfer::f32
