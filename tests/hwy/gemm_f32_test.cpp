// Packed fp32 GEMM (ops/gemm_f32_packed.h) against ref::gemm_f32, on every compiled Highway target.
#include <gtest/gtest.h>

#include <iostream>

#include "f32_target_test.h"
#include "f32_testers.h"
#include "hwy/targets.h"

namespace qinfer::testing {
namespace {

using f32::GemmBias;

// Which targets this binary can run; printed once so logs show what was covered.
TEST(F32Kernels, ReportsTargets) {
  hwy::SetSupportedTargetsForTest(0);
  std::string compiled, supported;
  for (int64_t t : f32_compiled_targets()) {
    compiled += std::string(" ") + hwy::TargetName(t);
    if (hwy::SupportedTargets() & t) supported += std::string(" ") + hwy::TargetName(t);
  }
  std::cout << "[   INFO   ] fp32 kernels compiled for:" << compiled << "; this CPU runs:" << supported
            << "; default dispatch: " << f32::f32_kernels_target() << "\n";
  RecordProperty("compiled_targets", compiled);
  RecordProperty("supported_targets", supported);
  EXPECT_FALSE(supported.empty());
}

QINFER_F32_TARGET_SUITE(GemmF32);

// Every M tail of an 8-row panel and every N tail of 1..3 vectors of 4, 8 and 16 lanes.
TEST_P(GemmF32, SmallShapesEveryTail) {
  for (int64_t m : {1, 2, 3, 4, 5, 7, 8, 9, 11, 13, 16, 17})
    for (int64_t n : {1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 15, 16, 17, 23, 24, 25, 31, 32, 33, 47, 48, 49, 50, 63, 64, 65, 97})
      for (int64_t k : {1, 3, 16})
        GemmF32Tester().m(m).n(n).k(k).Test();
}

TEST_P(GemmF32, PrimeShapes) {
  for (int64_t m : {19, 37, 67})
    for (int64_t n : {29, 53, 101, 131})
      for (int64_t k : {2, 7, 61, 127})
        GemmF32Tester().m(m).n(n).k(k).bias(GemmBias::kPerRow).Test();
}

// K split into several cache blocks: partial sums go through C between blocks.
TEST_P(GemmF32, KBlocks) {
  for (int64_t k : {255, 256, 257, 300, 511, 513, 1031})
    for (auto mn : {std::pair<int64_t, int64_t>{5, 17}, {19, 53}, {8, 48}, {1, 1}})
      GemmF32Tester().m(mn.first).n(mn.second).k(k).bias(GemmBias::kPerRow).clamp(-3.0f, 2.5f).Test();
}

// Several N blocks and M chunks.
TEST_P(GemmF32, LargeBlocked) {
  GemmF32Tester().m(67).n(1000).k(300).bias(GemmBias::kPerColumn).Test();
  GemmF32Tester().m(131).n(389).k(613).bias(GemmBias::kPerRow).Test();
  GemmF32Tester().m(64).n(3136).k(27).Test();
}

TEST_P(GemmF32, BiasAndClamp) {
  for (GemmBias bias : {GemmBias::kNone, GemmBias::kPerRow, GemmBias::kPerColumn})
    for (auto lohi : {std::pair<float, float>{-kInf, kInf}, {0.0f, kInf}, {0.0f, 6.0f}, {-0.5f, 0.25f}})
      for (auto mn : {std::pair<int64_t, int64_t>{13, 37}, {8, 64}, {3, 5}})
        GemmF32Tester().m(mn.first).n(mn.second).k(29).bias(bias).clamp(lohi.first, lohi.second).Test();
}

TEST_P(GemmF32, StridedOperands) {
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (int64_t pad : {0, 3})
        GemmF32Tester().m(21).n(45).k(70).transposed_a(ta).transposed_b(tb).ldb_pad(pad).ldc_pad(pad + 1).Test();
}

// Parts of a multi-thread plan, run one after another and concurrently.
TEST_P(GemmF32, ThreadSplits) {
  for (int threads : {2, 3, 5, 8}) {
    GemmF32Tester().m(50).n(200).k(300).threads(threads).bias(GemmBias::kPerRow).Test();
    GemmF32Tester().m(512).n(49).k(80).threads(threads).Test();
    GemmF32Tester().m(3).n(7).k(5).threads(threads).Test();
  }
  GemmF32Tester().m(96).n(500).k(260).threads(4).concurrent(true).Test();
}

}  // namespace
}  // namespace qinfer::testing
