// Runs a test once per Highway target compiled into the fp32 kernels: each instance forces its
// target with hwy::SetSupportedTargetsForTest, checks that dispatch really lands there, and skips
// (with a message) targets this CPU lacks.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "gemm_f32_packed.h"
#include "hwy/targets.h"

namespace qinfer::testing {

inline std::vector<int64_t> f32_compiled_targets() {
  std::vector<int64_t> out;
  for (int64_t bits = f32::f32_kernels_compiled_targets(); bits != 0; bits &= bits - 1) out.push_back(bits & -bits);
  return out;
}

class F32TargetTest : public ::testing::TestWithParam<int64_t> {
 protected:
  void SetUp() override {
    hwy::SetSupportedTargetsForTest(0);
    if ((hwy::SupportedTargets() & GetParam()) == 0)
      GTEST_SKIP() << "this CPU lacks Highway target " << hwy::TargetName(GetParam());
    hwy::SetSupportedTargetsForTest(GetParam());
    ASSERT_STREQ(f32::f32_kernels_target(), hwy::TargetName(GetParam())) << "dispatch did not pick the forced target";
  }
  void TearDown() override { hwy::SetSupportedTargetsForTest(0); }
  std::string target() const { return hwy::TargetName(GetParam()); }
};

inline std::string f32_target_param_name(const ::testing::TestParamInfo<int64_t>& info) {
  return hwy::TargetName(info.param);
}

}  // namespace qinfer::testing

#define QINFER_F32_TARGET_SUITE(suite)                                                                \
  class suite : public ::qinfer::testing::F32TargetTest {};                                           \
  INSTANTIATE_TEST_SUITE_P(Targets, suite, ::testing::ValuesIn(::qinfer::testing::f32_compiled_targets()), \
                           ::qinfer::testing::f32_target_param_name)
