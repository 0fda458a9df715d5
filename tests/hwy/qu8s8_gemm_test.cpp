// Packed int8 GEMM (ops/gemm_qu8s8_hwy.h) against ref::gemm_qu8s8, byte for byte, on every target.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <random>
#include <vector>

#include "gemm_qu8s8_hwy.h"
#include "qu8s8_target_test.h"
#include "reference/gemm.h"

namespace qinfer::testing {
namespace {

class Qu8s8GemmTester {
 public:
  Qu8s8GemmTester& m(int64_t v) { m_ = v; return *this; }
  Qu8s8GemmTester& n(int64_t v) { n_ = v; return *this; }
  Qu8s8GemmTester& k(int64_t v) { k_ = v; return *this; }
  Qu8s8GemmTester& a_zero_point(int32_t v) { a_zp_ = v; return *this; }
  Qu8s8GemmTester& y_zero_point(int32_t v) { y_zp_ = v; return *this; }
  Qu8s8GemmTester& clamp(int32_t lo, int32_t hi) { lo_ = lo, hi_ = hi; return *this; }
  Qu8s8GemmTester& multiplier_scale(float v) { mscale_ = v; return *this; }
  Qu8s8GemmTester& no_bias() { bias_ = false; return *this; }
  Qu8s8GemmTester& pad(int64_t lda_pad, int64_t ldy_pad) { lda_pad_ = lda_pad, ldy_pad_ = ldy_pad; return *this; }
  Qu8s8GemmTester& splits(int v) { splits_ = v; return *this; }

  void Test() const {
    std::mt19937 rng(static_cast<uint32_t>(m_ * 7919 + n_ * 131 + k_ + a_zp_));
    std::uniform_int_distribution<int> u8(0, 255), s8(-128, 127), bd(-100000, 100000);
    std::uniform_real_distribution<float> mu(0.5f, 1.5f);
    const int64_t lda = k_ + lda_pad_, ldy = n_ + ldy_pad_;
    std::vector<uint8_t> a(static_cast<size_t>(m_ * lda)), a_dense(static_cast<size_t>(m_ * k_));
    for (auto& v : a) v = static_cast<uint8_t>(u8(rng));
    for (int64_t i = 0; i < m_; ++i)
      for (int64_t j = 0; j < k_; ++j) a_dense[i * k_ + j] = a[i * lda + j];
    std::vector<int8_t> b(static_cast<size_t>(n_ * k_));
    for (auto& v : b) v = static_cast<int8_t>(s8(rng));
    if (!b.empty()) b[0] = -128;
    std::vector<int32_t> bias(static_cast<size_t>(n_));
    for (auto& v : bias) v = bd(rng);
    std::vector<float> mult(static_cast<size_t>(n_));
    for (auto& v : mult) v = mscale_ * mu(rng);
    std::vector<uint8_t> expect(static_cast<size_t>(m_ * n_));
    ref::gemm_qu8s8(m_, n_, k_, a_dense.data(), a_zp_, b.data(), bias_ ? bias.data() : nullptr, mult.data(), y_zp_,
                    lo_, hi_, expect.data(), 0, m_);
    const q8::PackedQu8s8 packed = q8::qu8s8_gemm_pack(n_, k_, b.data(), k_, a_zp_, bias_ ? bias.data() : nullptr,
                                                      mult.data(), y_zp_, lo_, hi_);
    std::vector<uint8_t> scratch(q8::qu8s8_gemm_scratch_bytes(packed) + 64);
    void* sp = scratch.data() + (64 - reinterpret_cast<uintptr_t>(scratch.data()) % 64) % 64;
    std::vector<uint8_t> y(static_cast<size_t>(m_ * ldy), 0xAB);
    for (int s = 0; s < splits_; ++s)
      q8::qu8s8_gemm_run(packed, m_, a.data(), lda, y.data(), ldy, m_ * s / splits_, m_ * (s + 1) / splits_, sp);
    int failures = 0;
    for (int64_t i = 0; i < m_ && failures < 5; ++i) {
      for (int64_t j = 0; j < n_ && failures < 5; ++j)
        if (y[i * ldy + j] != expect[i * n_ + j]) {
          ++failures;
          ADD_FAILURE() << "M=" << m_ << " N=" << n_ << " K=" << k_ << " a_zp=" << a_zp_ << " y_zp=" << y_zp_
                        << " clamp=[" << lo_ << "," << hi_ << "] mscale=" << mscale_ << " at (" << i << "," << j
                        << "): got " << int(y[i * ldy + j]) << " expected " << int(expect[i * n_ + j]) << " on "
                        << q8::qu8s8_kernels_target();
        }
      for (int64_t j = n_; j < ldy; ++j)
        if (y[i * ldy + j] != 0xAB) { ADD_FAILURE() << "wrote past N at row " << i; ++failures; }
    }
  }

 private:
  int64_t m_ = 1, n_ = 1, k_ = 1, lda_pad_ = 0, ldy_pad_ = 0;
  int32_t a_zp_ = 128, y_zp_ = 128, lo_ = 0, hi_ = 255;
  float mscale_ = 1.0f / 4096;
  bool bias_ = true;
  int splits_ = 1;
};

TEST(Qu8s8Kernels, ReportsTargets) {
  hwy::SetSupportedTargetsForTest(0);
  std::string compiled, supported;
  for (int64_t t : qu8s8_compiled_targets()) {
    compiled += std::string(" ") + hwy::TargetName(t);
    if (hwy::SupportedTargets() & t) supported += std::string(" ") + hwy::TargetName(t);
  }
  std::cout << "[   INFO   ] int8 kernels compiled for:" << compiled << "; this CPU runs:" << supported
            << "; default dispatch: " << q8::qu8s8_kernels_target() << "\n";
  EXPECT_FALSE(supported.empty());
}

QINFER_QU8S8_TARGET_SUITE(Qu8s8Gemm);

TEST_P(Qu8s8Gemm, SmallShapesEveryTail) {
  for (int64_t m : {1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17})
    for (int64_t n : {1, 2, 3, 5, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 70})
      for (int64_t k : {1, 2, 3, 7, 16, 33})
        Qu8s8GemmTester().m(m).n(n).k(k).Test();
}

TEST_P(Qu8s8Gemm, KSweep) {
  for (int64_t k = 1; k <= 70; ++k) Qu8s8GemmTester().m(9).n(19).k(k).Test();
  for (int64_t k : {127, 128, 129, 576, 1152}) Qu8s8GemmTester().m(31).n(33).k(k).multiplier_scale(1.0f / 65536).Test();
}

TEST_P(Qu8s8Gemm, NSweep) {
  for (int64_t n = 1; n <= 70; ++n) Qu8s8GemmTester().m(6).n(n).k(11).Test();
}

TEST_P(Qu8s8Gemm, ZeroPointsClampsMultipliers) {
  for (int32_t azp : {0, 1, 127, 128, 255})
    for (int32_t yzp : {0, 1, 127, 128, 255}) {
      Qu8s8GemmTester().m(5).n(17).k(29).a_zero_point(azp).y_zero_point(yzp).Test();
      Qu8s8GemmTester().m(3).n(33).k(64).a_zero_point(azp).y_zero_point(yzp).clamp(100, 140).Test();
    }
  for (float ms : {1e-9f, 1e-6f, 1.0f / 4096, 0.01f, 0.97f, 1.0f, 1.3f, 1e6f, 1e20f})
    Qu8s8GemmTester().m(7).n(21).k(45).multiplier_scale(ms).Test();
  Qu8s8GemmTester().m(4).n(16).k(64).a_zero_point(255).no_bias().multiplier_scale(1.0f).Test();
  Qu8s8GemmTester().m(4).n(16).k(64).clamp(0, 0).Test();
  Qu8s8GemmTester().m(4).n(16).k(64).clamp(255, 255).Test();
}

TEST_P(Qu8s8Gemm, LargeStridedSplit) {
  for (int64_t m : {31, 64, 100})
    Qu8s8GemmTester().m(m).n(65).k(129).pad(7, 5).splits(3).no_bias().Test();
  Qu8s8GemmTester().m(100).n(70).k(576).pad(1, 3).splits(4).multiplier_scale(1.0f / 30000).Test();
  Qu8s8GemmTester().m(300).n(40).k(1152).splits(2).multiplier_scale(1.0f / 100000).Test();  // several A chunks
  Qu8s8GemmTester().m(17).n(3).k(5000).multiplier_scale(1.0f / 300000).Test();
}

}  // namespace
}  // namespace qinfer::testing
