// Fluent testers for the fp32 Highway kernels: build random operands for one shape, run the kernel
// (split into parts as threads would, each part with its own scratch), and compare every output
// with ops/reference. fp32 sums differ only in order, so the check is
//   |y - y_ref| <= kRelTol * sqrt(K) * sum(|x_k * w_k|) (+ |bias|)
// where the scale is the reference run on absolute values. Writes outside the output (row padding,
// past the end) and past each part's scratch are caught with sentinels. Failures print the shape.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "conv_f32_fast.h"
#include "gemm_f32_packed.h"
#include "reference/conv.h"
#include "reference/gemm.h"

namespace qinfer::testing {

inline constexpr float kRelTol = 2e-6f;
inline constexpr float kSentinel = -12345.5f;
inline constexpr float kInf = std::numeric_limits<float>::infinity();

inline std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

inline std::vector<float> abs_of(std::vector<float> v) {
  for (float& x : v) x = std::fabs(x);
  return v;
}

// 64-byte aligned float buffer with `guard` sentinel floats after `n` payload floats.
class GuardedBuffer {
 public:
  GuardedBuffer(size_t n, size_t guard = 64) : n_(n), guard_(guard) {
    const size_t bytes = ((n + guard) * sizeof(float) + 63) / 64 * 64;
    p_.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
    std::fill(p_.get(), p_.get() + n + guard, kSentinel);
  }
  float* data() { return p_.get(); }
  const float* data() const { return p_.get(); }
  bool guard_intact() const {
    for (size_t i = n_; i < n_ + guard_; ++i)
      if (p_.get()[i] != kSentinel) return false;
    return true;
  }

 private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  size_t n_, guard_;
  std::unique_ptr<float, Free> p_;
};

// Compares out[i] with ref[i] for every i; returns false (after reporting a few) on mismatch.
inline bool expect_close(const std::string& what, const float* out, const float* ref, const float* scale, size_t n,
                         int64_t k, const std::function<std::string(size_t)>& where) {
  int bad = 0;
  const float tol_k = kRelTol * std::sqrt(static_cast<float>(std::max<int64_t>(k, 1)));
  for (size_t i = 0; i < n; ++i) {
    const float tol = tol_k * scale[i] + 1e-30f;
    if (!(std::fabs(out[i] - ref[i]) <= tol)) {
      ADD_FAILURE() << what << " at " << where(i) << ": got " << out[i] << ", reference " << ref[i] << " (tol " << tol
                    << ")";
      if (++bad >= 5) break;
    }
  }
  return bad == 0;
}

class GemmF32Tester {
 public:
  GemmF32Tester& m(int64_t v) { m_ = v; return *this; }
  GemmF32Tester& n(int64_t v) { n_ = v; return *this; }
  GemmF32Tester& k(int64_t v) { k_ = v; return *this; }
  GemmF32Tester& bias(f32::GemmBias v) { bias_ = v; return *this; }
  GemmF32Tester& clamp(float lo, float hi) { lo_ = lo, hi_ = hi; return *this; }
  GemmF32Tester& transposed_a(bool v) { trans_a_ = v; return *this; }  // A stored [K, M]
  GemmF32Tester& transposed_b(bool v) { trans_b_ = v; return *this; }  // B stored [N, K] (column stride K)
  GemmF32Tester& ldb_pad(int64_t v) { ldb_pad_ = v; return *this; }
  GemmF32Tester& ldc_pad(int64_t v) { ldc_pad_ = v; return *this; }
  GemmF32Tester& threads(int v) { threads_ = v; return *this; }
  GemmF32Tester& concurrent(bool v) { concurrent_ = v; return *this; }

  void Test() const {
    const int64_t M = m_, N = n_, K = k_;
    std::ostringstream os;
    os << "gemm M=" << M << " N=" << N << " K=" << K << " bias=" << static_cast<int>(bias_) << " clamp=[" << lo_ << ","
       << hi_ << "] trans_a=" << trans_a_ << " trans_b=" << trans_b_ << " threads=" << threads_;
    const std::string what = os.str();
    SCOPED_TRACE(what);
    const uint32_t seed = static_cast<uint32_t>(M * 7919 + N * 131 + K);
    const std::vector<float> a = random_floats(static_cast<size_t>(M * K), seed);  // dense row-major [M, K]
    const std::vector<float> b = random_floats(static_cast<size_t>(K * N), seed + 1);  // dense [K, N]
    const int64_t bias_len = bias_ == f32::GemmBias::kPerRow ? M : bias_ == f32::GemmBias::kPerColumn ? N : 0;
    const std::vector<float> bias = random_floats(static_cast<size_t>(bias_len), seed + 2);

    // Operands in the layout under test.
    std::vector<float> a_store(a.size());
    for (int64_t i = 0; i < M; ++i)
      for (int64_t kk = 0; kk < K; ++kk) a_store[trans_a_ ? kk * M + i : i * K + kk] = a[i * K + kk];
    const int64_t ldb = (trans_b_ ? K : N) + ldb_pad_;
    std::vector<float> b_store(static_cast<size_t>((trans_b_ ? N : K) * ldb), kSentinel);
    for (int64_t kk = 0; kk < K; ++kk)
      for (int64_t j = 0; j < N; ++j) b_store[trans_b_ ? j * ldb + kk : kk * ldb + j] = b[kk * N + j];

    GuardedBuffer packed(static_cast<size_t>(f32::gemm_packed_a_floats(M, K)));
    f32::gemm_pack_a(M, K, a_store.data(), trans_a_ ? 1 : K, trans_a_ ? M : 1, packed.data());
    ASSERT_TRUE(packed.guard_intact()) << "pack_a wrote past gemm_packed_a_floats";

    const f32::GemmF32Plan plan = f32::gemm_f32_plan(M, N, K, threads_);
    GuardedBuffer scratch(plan.scratch_bytes() / sizeof(float));
    const int64_t ldc = N + ldc_pad_;
    GuardedBuffer c(static_cast<size_t>(M * ldc));
    f32::GemmF32Args args;
    args.m = M, args.n = N, args.k = K;
    args.packed_a = packed.data();
    args.b = b_store.data();
    args.b_row_stride = trans_b_ ? 1 : ldb;
    args.b_col_stride = trans_b_ ? ldb : 1;
    args.c = c.data(), args.ldc = ldc;
    args.bias = bias.empty() ? nullptr : bias.data();
    args.bias_kind = bias_;
    args.out_min = lo_, args.out_max = hi_;
    if (concurrent_) {
      std::vector<std::thread> pool;
      for (int p = 0; p < plan.parts; ++p)
        pool.emplace_back([&, p] { f32::gemm_f32_run_part(args, plan, p, scratch.data()); });
      for (std::thread& t : pool) t.join();
    } else {
      for (int p = 0; p < plan.parts; ++p) f32::gemm_f32_run_part(args, plan, p, scratch.data());
    }
    ASSERT_TRUE(scratch.guard_intact()) << "wrote past plan.scratch_bytes()";
    ASSERT_TRUE(c.guard_intact()) << "wrote past the end of C";

    // Reference, and the error scale (reference on absolute values, no clamp).
    ref::GemmF32Args r;
    r.m = M, r.n = N, r.k = K;
    r.c = bias.empty() ? nullptr : bias.data();
    r.c_stride_m = bias_ == f32::GemmBias::kPerRow ? 1 : 0;
    r.c_stride_n = bias_ == f32::GemmBias::kPerColumn ? 1 : 0;
    r.out_min = lo_, r.out_max = hi_;
    std::vector<float> y_ref(static_cast<size_t>(M * N)), scale(y_ref.size());
    ref::gemm_f32(r, a.data(), b.data(), y_ref.data(), 0, M);
    const std::vector<float> abs_bias = abs_of(bias);
    r.c = abs_bias.empty() ? nullptr : abs_bias.data();
    r.out_min = -kInf, r.out_max = kInf;
    ref::gemm_f32(r, abs_of(a).data(), abs_of(b).data(), scale.data(), 0, M);

    std::vector<float> y(y_ref.size());
    for (int64_t i = 0; i < M; ++i) {
      for (int64_t j = 0; j < N; ++j) y[i * N + j] = c.data()[i * ldc + j];
      for (int64_t j = N; j < ldc; ++j)
        ASSERT_EQ(c.data()[i * ldc + j], kSentinel) << "wrote into C's row padding at row " << i << " column " << j;
    }
    expect_close(what, y.data(), y_ref.data(), scale.data(), y.size(), K, [&](size_t i) {
      return "(m=" + std::to_string(i / N) + ", n=" + std::to_string(i % N) + ")";
    });
  }

 private:
  int64_t m_ = 1, n_ = 1, k_ = 1;
  f32::GemmBias bias_ = f32::GemmBias::kNone;
  float lo_ = -kInf, hi_ = kInf;
  bool trans_a_ = false, trans_b_ = false, concurrent_ = false;
  int64_t ldb_pad_ = 0, ldc_pad_ = 0;
  int threads_ = 1;
};

class ConvF32Tester {
 public:
  ConvF32Tester& batch(int64_t v) { g_.batch = v; return *this; }
  ConvF32Tester& channels(int64_t in, int64_t out) { g_.in_c = in, g_.out_c = out; return *this; }
  ConvF32Tester& groups(int64_t v) { g_.groups = v; return *this; }
  // groups == channels, `multiplier` outputs per channel.
  ConvF32Tester& depthwise(int64_t channels, int64_t multiplier = 1) {
    g_.in_c = g_.groups = channels, g_.out_c = channels * multiplier;
    return *this;
  }
  ConvF32Tester& input(int64_t h, int64_t w) { g_.in_h = h, g_.in_w = w; return *this; }
  ConvF32Tester& kernel(int64_t h, int64_t w) { g_.kernel_h = h, g_.kernel_w = w; return *this; }
  ConvF32Tester& kernel(int64_t s) { return kernel(s, s); }
  ConvF32Tester& stride(int64_t h, int64_t w) { g_.stride_h = h, g_.stride_w = w; return *this; }
  ConvF32Tester& stride(int64_t s) { return stride(s, s); }
  ConvF32Tester& dilation(int64_t h, int64_t w) { g_.dilation_h = h, g_.dilation_w = w; return *this; }
  ConvF32Tester& dilation(int64_t d) { return dilation(d, d); }
  ConvF32Tester& pads(int64_t top, int64_t left, int64_t bottom, int64_t right) {
    g_.pad_top = top, g_.pad_left = left, pad_bottom_ = bottom, pad_right_ = right;
    return *this;
  }
  ConvF32Tester& pad(int64_t p) { return pads(p, p, p, p); }
  ConvF32Tester& bias(bool v) { bias_ = v; return *this; }
  ConvF32Tester& clamp(float lo, float hi) { lo_ = lo, hi_ = hi; return *this; }
  ConvF32Tester& threads(int v) { threads_ = v; return *this; }

  void Test() const {
    ref::Conv2DGeometry g = g_;
    g.out_h = ref::conv_out_extent(g.in_h, g.kernel_h, g.stride_h, g.pad_top, pad_bottom_, g.dilation_h);
    g.out_w = ref::conv_out_extent(g.in_w, g.kernel_w, g.stride_w, g.pad_left, pad_right_, g.dilation_w);
    std::ostringstream os;
    os << "conv N=" << g.batch << " C=" << g.in_c << " OC=" << g.out_c << " groups=" << g.groups << " in=" << g.in_h
       << "x" << g.in_w << " out=" << g.out_h << "x" << g.out_w << " kernel=" << g.kernel_h << "x" << g.kernel_w
       << " stride=" << g.stride_h << "x" << g.stride_w << " pads=" << g.pad_top << "," << g.pad_left << ","
       << pad_bottom_ << "," << pad_right_ << " dilation=" << g.dilation_h << "x" << g.dilation_w
       << " bias=" << bias_ << " clamp=[" << lo_ << "," << hi_ << "] threads=" << threads_
       << (f32::conv2d_f32_is_depthwise(g) ? " (depthwise)" : "");
    const std::string what = os.str();
    SCOPED_TRACE(what);
    ASSERT_GT(g.out_h, 0);
    ASSERT_GT(g.out_w, 0);
    ASSERT_EQ(g.in_c % g.groups, 0);
    ASSERT_EQ(g.out_c % g.groups, 0);
    const int64_t icg = g.in_c_per_group(), K = icg * g.kernel_h * g.kernel_w;
    const uint32_t seed = static_cast<uint32_t>(g.in_c * 1009 + g.out_c * 101 + g.in_h * 13 + g.kernel_h * 7 + g.stride_w);
    const std::vector<float> x = random_floats(static_cast<size_t>(g.batch * g.in_c * g.in_h * g.in_w), seed);
    const std::vector<float> w = random_floats(static_cast<size_t>(g.out_c * K), seed + 1);
    const std::vector<float> bias = bias_ ? random_floats(static_cast<size_t>(g.out_c), seed + 2) : std::vector<float>();

    // Packing sees only the weight's geometry, as at load time.
    ref::Conv2DGeometry gw;
    gw.in_c = g.in_c, gw.out_c = g.out_c, gw.groups = g.groups, gw.kernel_h = g.kernel_h, gw.kernel_w = g.kernel_w;
    gw.in_h = gw.in_w = gw.out_h = gw.out_w = -1;
    GuardedBuffer packed(static_cast<size_t>(f32::conv2d_f32_packed_floats(gw)));
    f32::conv2d_f32_pack(gw, w.data(), packed.data());
    ASSERT_TRUE(packed.guard_intact()) << "conv2d_f32_pack wrote past conv2d_f32_packed_floats";

    const f32::ConvF32Plan plan = f32::conv2d_f32_plan(g, threads_);
    ASSERT_EQ(f32::conv2d_f32_scratch_bytes(g, threads_), plan.scratch_bytes());
    GuardedBuffer scratch(plan.scratch_bytes() / sizeof(float));
    const size_t y_size = static_cast<size_t>(g.batch * g.out_c * g.out_h * g.out_w);
    GuardedBuffer y(y_size);
    for (int64_t p = 0; p < plan.parts; ++p)
      f32::conv2d_f32_run_part(g, x.data(), packed.data(), bias_ ? bias.data() : nullptr, lo_, hi_, y.data(), plan, p,
                               scratch.data());
    ASSERT_TRUE(scratch.guard_intact()) << "wrote past plan.scratch_bytes()";
    ASSERT_TRUE(y.guard_intact()) << "wrote past the end of the output";

    std::vector<float> y_ref(y_size), scale(y_size);
    ref::conv2d_f32_nchw(g, x.data(), w.data(), bias_ ? bias.data() : nullptr, lo_, hi_, y_ref.data(), 0, g.rows());
    const std::vector<float> abs_bias = abs_of(bias);
    ref::conv2d_f32_nchw(g, abs_of(x).data(), abs_of(w).data(), bias_ ? abs_bias.data() : nullptr, -kInf, kInf,
                         scale.data(), 0, g.rows());
    const int64_t plane = g.out_h * g.out_w;
    expect_close(what, y.data(), y_ref.data(), scale.data(), y_size, K, [&](size_t i) {
      const int64_t idx = static_cast<int64_t>(i);
      return "(n=" + std::to_string(idx / (g.out_c * plane)) + ", oc=" + std::to_string(idx / plane % g.out_c) +
             ", oy=" + std::to_string(idx % plane / g.out_w) + ", ox=" + std::to_string(idx % g.out_w) + ")";
    });
  }

 private:
  ref::Conv2DGeometry g_;
  int64_t pad_bottom_ = 0, pad_right_ = 0;
  bool bias_ = true;
  float lo_ = -kInf, hi_ = kInf;
  int threads_ = 1;
};

}  // namespace qinfer::testing
