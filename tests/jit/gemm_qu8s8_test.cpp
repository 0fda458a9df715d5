// Every packed qu8s8 GEMM variant against ref::gemm_qu8s8, byte for byte: sweeps of M, N and K
// (every tail width), zero points, clamps, multipliers, null bias, row slices, strides and
// non-default tiles. Variants this CPU cannot run are skipped with their name.
#include <gtest/gtest.h>

#include <random>

#include "gemm_qu8s8_tester.h"

namespace qinfer::testing {
namespace {

class GemmQu8s8 : public ::testing::TestWithParam<GemmVariant> {
 protected:
  void SetUp() override {
    if (!runs_here(GetParam()))
      GTEST_SKIP() << "variant " << GetParam().name << " (" << jit::isa_name(GetParam().isa)
                   << ") is not supported by this CPU";
  }
  const GemmVariant& variant() const { return GetParam(); }
};

const int64_t kNs[] = {15, 16, 17, 31, 32, 33, 63, 64, 65};

TEST_P(GemmQu8s8, KSweep) {
  std::vector<int64_t> ks;
  for (int64_t k = 1; k <= 70; ++k) ks.push_back(k);
  for (int64_t k : {127, 128, 129, 576, 1152}) ks.push_back(k);
  for (int64_t k : ks) {
    GemmTester().m(1 + k % 17).n(kNs[k % 9]).k(k).run(variant());
    GemmTester().m(9).n(1 + k % 70).k(k).a_zero_point(static_cast<int32_t>(k * 37 % 256)).run(variant());
  }
}

TEST_P(GemmQu8s8, NSweep) {
  for (int64_t n = 1; n <= 70; ++n) {
    for (int64_t k : {1, 4, 7, 19, 64})
      GemmTester().m(1 + (n + k) % 12).n(n).k(k).seed(static_cast<uint32_t>(n)).run(variant());
  }
}

TEST_P(GemmQu8s8, MSweep) {
  std::vector<int64_t> ms;
  for (int64_t m = 1; m <= 17; ++m) ms.push_back(m);
  for (int64_t m : {31, 64, 100}) ms.push_back(m);
  for (int64_t m : ms) {
    for (int64_t n : kNs) GemmTester().m(m).n(n).k(m % 2 ? 19 : 64).run(variant());
  }
}

TEST_P(GemmQu8s8, ZeroPointsAndClamps) {
  const int32_t zps[] = {0, 1, 127, 128, 255};
  for (int32_t a_zp : zps) {
    for (int32_t y_zp : zps) {
      GemmTester().m(5).n(37).k(23).a_zero_point(a_zp).y_zero_point(y_zp).run(variant());
      GemmTester().m(3).n(20).k(35).a_zero_point(a_zp).y_zero_point(y_zp).clamp(y_zp, 255).run(variant());
    }
  }
  // Narrow clamps, a single-value clamp, and ReLU6-like bounds.
  for (auto [lo, hi] : {std::pair{100, 101}, {7, 7}, {0, 0}, {255, 255}, {128, 230}, {0, 1}})
    GemmTester().m(11).n(49).k(41).y_zero_point(120).clamp(lo, hi).run(variant());
}

TEST_P(GemmQu8s8, Multipliers) {
  for (Mult mult : {Mult::kSpread, Mult::kTies, Mult::kSaturate, Mult::kHuge, Mult::kSpecial}) {
    for (int32_t y_zp : {0, 3, 255}) {
      GemmTester().m(13).n(67).k(29).y_zero_point(y_zp).multipliers(mult).run(variant());
      GemmTester().m(2).n(16).k(3).y_zero_point(y_zp).multipliers(mult).clamp(10, 200).run(variant());
    }
  }
  // Ties on small sums: K=1 and K=2 with a power-of-two multiplier hit x.5 often.
  for (int64_t k : {1, 2, 5})
    GemmTester().m(17).n(40).k(k).a_zero_point(0).multipliers(Mult::kTies).no_bias().run(variant());
}

// JIT kernels clamp with saturating packs when round(acc * multiplier) always fits
// int32 and the output zero point is 0..255; otherwise (huge, infinite or NaN multipliers, far
// zero points) with the float clamp. Both must give the reference's bytes.
TEST_P(GemmQu8s8, PackClampEpilogueOnlyWhenValuesFitInt32) {
  for (int64_t n : {1, 15, 16, 17, 32, 33, 47, 48, 63, 64, 65, 100, 128}) {
    GemmTester().m(7).n(n).k(37).expect_pack_clamp(true).run(variant());
    // Multipliers near 1: rounded values far outside int16, saturated by the packs.
    GemmTester().m(7).n(n).k(37).multipliers(Mult::kSaturate).y_zero_point(255).expect_pack_clamp(true).run(variant());
    GemmTester().m(7).n(n).k(37).multipliers(Mult::kSaturate).clamp(3, 250).expect_pack_clamp(true).run(variant());
    GemmTester().m(6).n(n).k(37).multipliers(Mult::kHuge).expect_pack_clamp(false).run(variant());
    // Every other multiplier special (0, -0, NaN, +-inf, denormal, FLT_MAX): N = 1 has none.
    GemmTester().m(6).n(n).k(37).multipliers(Mult::kSpecial).expect_pack_clamp(n == 1).run(variant());
  }
  for (int32_t y_zp : {-1, 256, 4000})
    GemmTester().m(9).n(64).k(20).y_zero_point(y_zp).expect_pack_clamp(false).run(variant());
  for (int32_t y_zp : {0, 128, 255})
    GemmTester().m(9).n(64).k(20).y_zero_point(y_zp).clamp(y_zp / 2, 200).expect_pack_clamp(true).run(variant());
  // With a residual Add: the Add's sum decides (its output zero point 0..255, finite bounded sums).
  for (int64_t n : {1, 15, 16, 17, 33, 48, 63, 64, 65, 128}) {
    for (AddKind kind : {AddKind::kSpread, AddKind::kTies, AddKind::kSaturate}) {
      GemmTester().m(7).n(n).k(37).residual(kind, 100, 90, 0, 255).expect_pack_clamp(true).run(variant());
      GemmTester().m(7).n(n).k(37).y_zero_point(3).clamp(3, 255).residual(kind, 255, 0, 5, 250).ldr_pad(3)
          .expect_pack_clamp(true).run(variant());
    }
    // The GEMM value's own float clamp stays: huge and special multipliers before the Add.
    GemmTester().m(5).n(n).k(37).multipliers(Mult::kHuge).residual(AddKind::kSpread, 60, 128, 0, 255)
        .expect_pack_clamp(true).run(variant());
    GemmTester().m(5).n(n).k(37).multipliers(Mult::kSpecial).residual(AddKind::kSaturate, 60, 128, 0, 255)
        .expect_pack_clamp(true).run(variant());
  }
  for (int32_t out_zp : {-3, 256, 1000})
    GemmTester().m(6).n(64).k(20).residual(AddKind::kSpread, 9, out_zp, 0, 255).expect_pack_clamp(false).run(variant());
}

TEST_P(GemmQu8s8, NullBias) {
  for (int64_t k : {1, 6, 33, 128}) GemmTester().m(10).n(45).k(k).no_bias().run(variant());
}

TEST_P(GemmQu8s8, RowSlicesAndStrides) {
  for (int parts : {2, 3, 7}) {
    GemmTester().m(31).n(33).k(37).parts(parts).run(variant());
    GemmTester().m(100).n(65).k(19).parts(parts).lda_pad(5).ldy_pad(3).run(variant());
  }
  GemmTester().m(17).n(17).k(1).lda_pad(1).ldy_pad(64).run(variant());
  GemmTester().m(9).n(70).k(576).lda_pad(64).ldy_pad(1).parts(4).run(variant());
}

// Column panel ranges (threads splitting N; the last range may end with the tail panel), and
// weights larger than the L2 block walked in blocks.
TEST_P(GemmQu8s8, ColumnPanelsAndBlocks) {
  for (int cols : {1, 2, 3}) {
    GemmTester().m(13).n(128).k(37).column_parts(cols).run(variant());
    GemmTester().m(21).n(70).k(19).column_parts(cols).parts(2).run(variant());  // ends with a tail panel
    GemmTester().m(1).n(1000).k(1280).column_parts(cols).run(variant());           // a classifier, blocks + tail
    GemmTester().m(5).n(10).k(33).column_parts(cols).run(variant());               // only a tail panel
    GemmTester().m(9).n(512).k(1200).column_parts(cols).lda_pad(3).ldy_pad(5).run(variant());
  }
}

// Every row count of a block (AMX: 1..32 rows in one or two tiles), with K tails of every size
// below 64 and whole tiles, and A rows ending exactly at their allocation.
TEST_P(GemmQu8s8, EveryRowCount) {
  for (int64_t m = 1; m <= 66; ++m) {
    GemmTester().m(m).n(m % 3 ? 48 : 32).k(m).seed(static_cast<uint32_t>(m)).run(variant());
    GemmTester().m(m).n(17).k(128 + m % 64).a_zero_point(static_cast<int32_t>(m * 7 % 256)).run(variant());
  }
}

TEST_P(GemmQu8s8, LargeK) {
  GemmTester().m(12).n(40).k(2304).run(variant());
  GemmTester().m(3).n(33).k(4611).a_zero_point(255).run(variant());
}

// Non-default tiles (the ones the benchmark compares) must be just as exact.
TEST_P(GemmQu8s8, OtherTiles) {
  std::vector<std::pair<int, int>> tiles;
  switch (variant().isa) {
    case Isa::kAvx512Vnni: tiles = {{1, 16}, {4, 64}, {6, 64}, {8, 48}, {12, 32}, {12, 16}}; break;
    case Isa::kAmx: tiles = {{1, 16}, {7, 32}, {16, 16}, {17, 32}, {32, 16}}; break;
    case Isa::kAvxVnni: tiles = {{1, 8}, {4, 16}, {12, 8}, {2, 32}}; break;
    case Isa::kAvx2: tiles = {{1, 8}, {4, 8}, {2, 16}, {10, 8}}; break;
    default: GTEST_SKIP() << "the reference has no tiles";
  }
  for (auto [mr, nr] : tiles) {
    for (int64_t m : {1, 5, 29}) {
      for (int64_t n : {1, 15, 47, 64, 65}) {
        GemmTester().m(m).n(n).k(m + n).tile(mr, nr).run(variant());
        GemmTester().m(m).n(n).k(67).tile(mr, nr).lda_pad(2).ldy_pad(2).parts(2).run(variant());
      }
    }
  }
}

// The fused residual Add: every N tail (partial ymm / zmm vectors of R), M tails, strides of R,
// row slices, zero points and clamps of both steps, tie-rounding and saturating Add multipliers,
// and the GEMM's special multipliers (huge, NaN, Inf) under the Add.
TEST_P(GemmQu8s8, ResidualAdd) {
  for (int64_t n = 1; n <= 70; ++n)
    GemmTester().m(1 + n % 13).n(n).k(5 + n % 40).residual(AddKind::kSpread, 100, 90, 0, 255).seed(uint32_t(n))
        .run(variant());
  for (AddKind kind : {AddKind::kSpread, AddKind::kTies, AddKind::kSaturate})
    for (int32_t zp : {0, 128, 255}) {
      GemmTester().m(13).n(67).k(29).y_zero_point(zp).residual(kind, 255 - zp, zp, 0, 255).run(variant());
      GemmTester().m(9).n(33).k(64).y_zero_point(zp).clamp(zp, 255).residual(kind, zp, 3, 3, 255).parts(3)
          .run(variant());  // ReLU before and after the Add
      GemmTester().m(20).n(40).k(19).y_zero_point(zp).residual(kind, 7, 200, 10, 240).lda_pad(3).ldy_pad(5)
          .ldr_pad(7).parts(4).run(variant());
    }
  for (Mult mult : {Mult::kHuge, Mult::kSpecial, Mult::kSaturate})
    GemmTester().m(11).n(50).k(23).multipliers(mult).residual(AddKind::kSpread, 60, 128, 0, 255).run(variant());
  GemmTester().m(100).n(256).k(64).residual(AddKind::kSpread, 128, 120, 120, 255).parts(3).ldr_pad(64).run(variant());
  GemmTester().m(4).n(16).k(0).residual(AddKind::kTies, 1, 2, 0, 255).run(variant());
}

// Weights beyond one L2 chunk run in column chunks of whole panels (N a multiple of NR), each over
// balanced row blocks; with a residual Add too, and with row slices and strides.
TEST_P(GemmQu8s8, ColumnChunksAndBalancedRowBlocks) {
  GemmTester().m(49).n(256).k(2304).parts(2).run(variant());
  GemmTester().m(17).n(512).k(1000).lda_pad(3).ldy_pad(5).run(variant());
  GemmTester().m(33).n(384).k(777).residual(AddKind::kSpread, 9, 130, 0, 255).ldr_pad(4).parts(3).run(variant());
  GemmTester().m(9).n(96).k(4611).y_zero_point(0).clamp(0, 200).run(variant());
}

TEST_P(GemmQu8s8, EmptyShapes) {
  GemmTester().m(0).n(16).k(8).run(variant());
  GemmTester().m(4).n(16).k(0).run(variant());   // acc = bias only
  GemmTester().m(4).n(0).k(8).run(variant());
}

// A random sample of the whole cross product (shape x zero points x clamp x multipliers x bias x
// strides x slices), fixed seed.
TEST_P(GemmQu8s8, RandomCrossProduct) {
  const int64_t ms[] = {1, 2, 3, 5, 7, 8, 9, 12, 13, 16, 17, 31, 64, 100};
  const int64_t ns[] = {1, 2, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 47, 48, 49, 63, 64, 65, 70};
  const int64_t ks[] = {1, 2, 3, 4, 5, 8, 13, 16, 17, 31, 32, 33, 64, 67, 127, 128, 129, 576};
  const int32_t zps[] = {0, 1, 127, 128, 255};
  const Mult mults[] = {Mult::kSpread, Mult::kSpread, Mult::kTies, Mult::kSaturate, Mult::kHuge, Mult::kSpecial};
  std::mt19937 rng(2024);
  auto pick = [&rng](const auto& list) { return list[rng() % (sizeof(list) / sizeof(list[0]))]; };
  for (int i = 0; i < 1500; ++i) {
    GemmTester t;
    t.m(pick(ms)).n(pick(ns)).k(pick(ks)).a_zero_point(pick(zps)).y_zero_point(pick(zps)).multipliers(pick(mults));
    const int32_t lo = static_cast<int32_t>(rng() % 3 == 0 ? rng() % 200 : 0);
    t.clamp(lo, rng() % 3 == 0 ? lo + static_cast<int32_t>(rng() % (256 - lo)) : 255);
    if (rng() % 4 == 0) t.no_bias();
    t.lda_pad(rng() % 3 == 0 ? rng() % 9 : 0).ldy_pad(rng() % 3 == 0 ? rng() % 9 : 0).parts(1 + rng() % 3);
    t.seed(static_cast<uint32_t>(i)).run(variant());
    if (HasFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, GemmQu8s8, ::testing::ValuesIn(gemm_variants()),
                         [](const ::testing::TestParamInfo<GemmVariant>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace qinfer::testing
