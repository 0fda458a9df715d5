// Runs a test once per Highway target compiled into the int8 kernels (like f32_target_test.h).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "gemm_qu8s8_hwy.h"
#include "hwy/targets.h"

namespace qinfer::testing {

inline std::vector<int64_t> qu8s8_compiled_targets() {
  std::vector<int64_t> out;
  for (int64_t bits = q8::qu8s8_kernels_compiled_targets(); bits != 0; bits &= bits - 1) out.push_back(bits & -bits);
  return out;
}

class Qu8s8TargetTest : public ::testing::TestWithParam<int64_t> {
 protected:
  void SetUp() override {
    hwy::SetSupportedTargetsForTest(0);
    if ((hwy::SupportedTargets() & GetParam()) == 0)
      GTEST_SKIP() << "this CPU lacks Highway target " << hwy::TargetName(GetParam());
    hwy::SetSupportedTargetsForTest(GetParam());
    ASSERT_STREQ(q8::qu8s8_kernels_target(), hwy::TargetName(GetParam())) << "dispatch did not pick the forced target";
  }
  void TearDown() override { hwy::SetSupportedTargetsForTest(0); }
};

inline std::string qu8s8_target_param_name(const ::testing::TestParamInfo<int64_t>& info) {
  return hwy::TargetName(info.param);
}

}  // namespace qinfer::testing

#define QINFER_QU8S8_TARGET_SUITE(suite)                                                                  \
  class suite : public ::qinfer::testing::Qu8s8TargetTest {};                                             \
  INSTANTIATE_TEST_SUITE_P(Targets, suite, ::testing::ValuesIn(::qinfer::testing::qu8s8_compiled_targets()), \
                           ::qinfer::testing::qu8s8_target_param_name)
