// Fluent tester for the packed qu8s8 GEMM (ops/gemm_qu8s8_packed.h): builds random operands for one
// shape, packs them for one variant, runs the rows in several slices (as threads would) on a
// strided A and Y, and compares every output byte with ref::gemm_qu8s8. Bytes of Y outside the
// M x N result (row padding) must keep their sentinel. Failures print the shape and the kernel.
// With .residual(...) the GEMM fuses an int8 Add with a random strided R (Qu8s8GemmOptions::residual)
// and the reference is ref::gemm_qu8s8 followed by ref::add_qu8_flat.
//
//   GemmTester().m(7).n(33).k(19).a_zero_point(128).y_zero_point(3).clamp(0, 255).run(variant);
//   GemmTester().m(7).n(33).k(19).residual(AddKind::kSpread, 77, 90, 0, 255).ldr_pad(3).run(variant);
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "gemm_qu8s8_packed.h"
#include "jit/cpu.h"
#include "reference/elementwise.h"
#include "reference/gemm.h"

namespace qinfer::testing {

// Every kernel variant; "avxvnni_evex" is the AVX-VNNI kernel with EVEX-encoded vpdpbusd, which
// runs (and so tests that kernel's logic) on AVX512-VNNI CPUs without AVX-VNNI.
struct GemmVariant {
  const char* name;
  Isa isa;
  bool evex;
};
inline std::vector<GemmVariant> gemm_variants() {
  return {{"ref", Isa::kRef, false},
          {"avx2", Isa::kAvx2, false},
          {"avxvnni", Isa::kAvxVnni, false},
          {"avxvnni_evex", Isa::kAvxVnni, true},
          {"avx512vnni", Isa::kAvx512Vnni, false},
          {"amx", Isa::kAmx, false}};
}
inline void PrintTo(const GemmVariant& v, std::ostream* os) { *os << v.name; }
inline bool runs_here(const GemmVariant& v) {
  return v.evex ? jit::isa_supported(Isa::kAvx512Vnni) : jit::isa_supported(v.isa);
}

// Multipliers: kSpread puts most outputs inside [0, 255]; kTies uses one power of two, so that
// products land exactly on .5 (round half to even); kSaturate (~1) and kHuge (beyond the int32
// range of vcvtps2dq) clamp almost everything; kSpecial mixes 0, -0, negative, denormal, NaN, +-Inf
// and FLT_MAX with spread values.
enum class Mult { kSpread, kTies, kSaturate, kHuge, kSpecial };
// Multipliers of the fused residual Add: kSpread (typical s_a / s_y, s_b / s_y), kTies (0.5 and
// 0.25: sums land exactly on .5), kSaturate (large: most outputs clamp).
enum class AddKind { kNone, kSpread, kTies, kSaturate };

class GemmTester {
 public:
  GemmTester& m(int64_t v) { m_ = v; return *this; }
  GemmTester& n(int64_t v) { n_ = v; return *this; }
  GemmTester& k(int64_t v) { k_ = v; return *this; }
  GemmTester& a_zero_point(int32_t v) { a_zp_ = v; return *this; }
  GemmTester& y_zero_point(int32_t v) { y_zp_ = v; return *this; }
  GemmTester& clamp(int32_t lo, int32_t hi) { y_min_ = lo, y_max_ = hi; return *this; }
  GemmTester& multipliers(Mult v) { mult_ = v; return *this; }
  GemmTester& no_bias() { bias_ = false; return *this; }
  GemmTester& lda_pad(int64_t v) { lda_pad_ = v; return *this; }   // lda = K + pad
  GemmTester& ldy_pad(int64_t v) { ldy_pad_ = v; return *this; }   // ldy = N + pad
  GemmTester& parts(int v) { parts_ = v; return *this; }           // row slices, random cuts
  GemmTester& tile(int mr, int nr) { mr_ = mr, nr_ = nr; return *this; }
  GemmTester& column_parts(int v) { column_parts_ = v; return *this; }  // panel ranges per row slice
  GemmTester& seed(uint32_t v) { seed_ = v; return *this; }
  // Fused residual Add: R's zero point, the Add output's zero point and clamp.
  GemmTester& residual(AddKind kind, int32_t r_zp, int32_t out_zp, int32_t lo, int32_t hi) {
    add_ = kind, r_zp_ = r_zp, add_zp_ = out_zp, add_min_ = lo, add_max_ = hi;
    return *this;
  }
  GemmTester& ldr_pad(int64_t v) { ldr_pad_ = v; return *this; }  // ld_residual = N + pad
  // Checks which epilogue the JIT kernels got (the reference has none).
  GemmTester& expect_pack_clamp(bool v) { expect_pack_clamp_ = v; return *this; }

  std::string describe() const {
    std::ostringstream s;
    s << "M=" << m_ << " N=" << n_ << " K=" << k_ << " a_zp=" << a_zp_ << " y_zp=" << y_zp_ << " clamp=[" << y_min_
      << "," << y_max_ << "] mult=" << static_cast<int>(mult_) << (bias_ ? "" : " no-bias") << " lda=K+" << lda_pad_
      << " ldy=N+" << ldy_pad_ << " parts=" << parts_ << " column_parts=" << column_parts_ << " seed=" << seed_;
    if (mr_) s << " tile=" << mr_ << "x" << nr_;
    if (add_ != AddKind::kNone)
      s << " residual add=" << static_cast<int>(add_) << " r_zp=" << r_zp_ << " out_zp=" << add_zp_ << " clamp=["
        << add_min_ << "," << add_max_ << "] ldr=N+" << ldr_pad_;
    return s.str();
  }

  void run(const GemmVariant& variant) const {
    std::mt19937 rng(seed_ * 2654435761u + static_cast<uint32_t>(m_ * 131 + n_ * 31 + k_));
    const int64_t lda = k_ + lda_pad_, ldy = n_ + ldy_pad_;
    // A exactly as large as its last row needs: no slack to read into.
    std::vector<uint8_t> a(static_cast<size_t>(m_ > 0 ? (m_ - 1) * lda + k_ : 0));
    std::vector<uint8_t> a_dense(static_cast<size_t>(m_ * k_));
    std::uniform_int_distribution<int> byte(0, 255);
    for (auto& v : a) v = static_cast<uint8_t>(byte(rng));
    for (int64_t i = 0; i < m_; ++i)
      std::copy(a.begin() + i * lda, a.begin() + i * lda + k_, a_dense.begin() + i * k_);
    std::vector<int8_t> b(static_cast<size_t>(n_ * k_));
    for (auto& v : b) v = static_cast<int8_t>(byte(rng) - 128);
    std::vector<int32_t> bias(static_cast<size_t>(n_));
    const int32_t bias_range = static_cast<int32_t>(accumulator_spread());  // as large as the sums
    std::uniform_int_distribution<int32_t> bias_dist(-bias_range, bias_range);
    for (auto& v : bias) v = bias_dist(rng);
    const std::vector<float> mult = make_multipliers(rng);

    const int32_t* bias_ptr = bias_ ? bias.data() : nullptr;
    Qu8s8GemmOptions options;
    options.isa = variant.isa;
    options.avxvnni_as_evex = variant.evex;
    options.mr = mr_, options.nr = nr_;
    const int64_t ldr = n_ + ldr_pad_;
    std::vector<uint8_t> r;  // R exactly as large as its last row needs
    if (add_ != AddKind::kNone) {
      options.residual = true;
      options.residual_add = add_params(rng);
      r.resize(static_cast<size_t>(m_ > 0 ? (m_ - 1) * ldr + n_ : 0));
      for (auto& v : r) v = static_cast<uint8_t>(byte(rng));
    }
    const PackedQu8s8Gemm packed = pack_qu8s8_gemm(b.data(), bias_ptr, mult.data(), n_, k_, a_zp_, y_zp_, y_min_,
                                                   y_max_, options);
    const std::string where = std::string(variant.name) + " (" + qu8s8_gemm_variant_name(packed) + ") " + describe();
    if (n_ > 0 && qu8s8_gemm_isa(packed) != variant.isa) {
      ADD_FAILURE() << where << ": fell back: " << qu8s8_gemm_fallback_reason(packed);
      return;
    }
    if (expect_pack_clamp_) {
      // With a residual Add only the zmm kernels (AVX-512 VNNI, AMX) have the pack clamp form.
      const bool has_form = add_ == AddKind::kNone ? variant.isa != Isa::kRef
                                                   : variant.isa == Isa::kAvx512Vnni || variant.isa == Isa::kAmx;
      EXPECT_EQ(packed.pack_clamp, has_form && *expect_pack_clamp_) << where << ": epilogue choice";
    }

    constexpr uint8_t kSentinel = 0xA7;
    std::vector<uint8_t> y(static_cast<size_t>(m_ > 0 ? (m_ - 1) * ldy + n_ : 0), kSentinel);
    std::vector<int64_t> cuts = {0, m_};
    std::uniform_int_distribution<int64_t> cut(0, m_);
    for (int i = 1; i < parts_; ++i) cuts.push_back(cut(rng));
    std::sort(cuts.begin(), cuts.end());
    const int64_t panels = qu8s8_gemm_column_panels(packed);
    const uint8_t* rp = r.empty() ? nullptr : r.data();
    for (size_t i = 0; i + 1 < cuts.size(); ++i) {
      if (column_parts_ <= 1) {
        run_qu8s8_gemm(packed, m_, a.data(), lda, y.data(), ldy, cuts[i], cuts[i + 1], rp, ldr);
        continue;
      }
      for (int c = 0; c < column_parts_; ++c)  // as threads splitting the columns would
        run_qu8s8_gemm_panels(packed, m_, a.data(), lda, y.data(), ldy, cuts[i], cuts[i + 1], panels * c / column_parts_,
                              panels * (c + 1) / column_parts_, rp, ldr);
    }

    std::vector<uint8_t> y_ref(static_cast<size_t>(m_ * n_));
    ref::gemm_qu8s8(m_, n_, k_, a_dense.data(), a_zp_, b.data(), bias_ptr, mult.data(), y_zp_, y_min_, y_max_,
                    y_ref.data(), 0, m_);
    if (add_ != AddKind::kNone)
      for (int64_t i = 0; i < m_; ++i)
        ref::add_qu8_flat(n_, y_ref.data() + i * n_, r.data() + i * ldr, options.residual_add, y_ref.data() + i * n_);
    int reported = 0;
    for (int64_t i = 0; i < m_ && reported < 5; ++i) {
      for (int64_t j = 0; j < ldy && i * ldy + j < static_cast<int64_t>(y.size()) && reported < 5; ++j) {
        const uint8_t got = y[i * ldy + j];
        const uint8_t want = j < n_ ? y_ref[i * n_ + j] : kSentinel;
        EXPECT_EQ(int{got}, int{want}) << where << " at row " << i << " col " << j
                                       << (j < n_ ? "" : " (row padding: must stay untouched)")
                                       << " multiplier " << (j < n_ ? mult[j] : 0.0f);
        if (got != want) ++reported;
      }
    }
  }

 private:
  // Rough spread of the accumulators: sqrt(K) * rms(a - zp) * rms(b).
  double accumulator_spread() const {
    return std::sqrt(static_cast<double>(std::max<int64_t>(k_, 1))) * 110.0 * 74.0;
  }
  ref::AddQu8Params add_params(std::mt19937& rng) const {
    std::uniform_real_distribution<double> jitter(0.5, 2.0);
    float ma = 0.5f, mb = 0.25f;
    if (add_ == AddKind::kSpread) ma = static_cast<float>(jitter(rng) * 0.6), mb = static_cast<float>(jitter(rng) * 0.4);
    if (add_ == AddKind::kSaturate) ma = static_cast<float>(jitter(rng) * 40.0), mb = static_cast<float>(jitter(rng) * 30.0);
    return {y_zp_, r_zp_, add_zp_, ma, mb, add_min_, add_max_};
  }
  std::vector<float> make_multipliers(std::mt19937& rng) const {
    const double spread = accumulator_spread();
    std::uniform_real_distribution<double> jitter(0.5, 2.0);
    std::vector<float> mult(static_cast<size_t>(n_));
    const float special[] = {0.0f, -0.0f, -1e-3f, std::numeric_limits<float>::quiet_NaN(),
                             std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                             1e-45f, std::numeric_limits<float>::max()};
    for (size_t j = 0; j < mult.size(); ++j) {
      switch (mult_) {
        case Mult::kSpread: mult[j] = static_cast<float>(jitter(rng) * 60.0 / spread); break;
        case Mult::kTies: mult[j] = std::ldexp(1.0f, -static_cast<int>(std::round(std::log2(spread / 40.0)))); break;
        case Mult::kSaturate: mult[j] = static_cast<float>(jitter(rng)); break;
        case Mult::kHuge: mult[j] = static_cast<float>(jitter(rng) * 1e7); break;
        case Mult::kSpecial:
          mult[j] = j % 2 ? special[(j / 2) % 8] : static_cast<float>(jitter(rng) * 60.0 / spread);
          break;
      }
    }
    return mult;
  }

  int64_t m_ = 1, n_ = 1, k_ = 1;
  int32_t a_zp_ = 128, y_zp_ = 128, y_min_ = 0, y_max_ = 255;
  Mult mult_ = Mult::kSpread;
  bool bias_ = true;
  int64_t lda_pad_ = 0, ldy_pad_ = 0;
  int parts_ = 1;
  int column_parts_ = 1;
  int mr_ = 0, nr_ = 0;
  uint32_t seed_ = 1;
  std::optional<bool> expect_pack_clamp_;
  AddKind add_ = AddKind::kNone;
  int32_t r_zp_ = 0, add_zp_ = 0, add_min_ = 0, add_max_ = 255;
  int64_t ldr_pad_ = 0;
};

}  // namespace qinfer::testing
