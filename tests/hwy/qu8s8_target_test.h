// Runs a test once per Highway target compiled into the int8 kernels (like f32_target_test.h).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "gemm_qu8s8_hwy.h"
#include "hwy/targets.h"

namespace qinfer::testing {

inline std::vector<int64_t> target_bits(int64_t targets) {
  std::vector<int64_t> out;
  for (int64_t bits = targets; bits != 0; bits &= bits - 1) out.push_back(bits & -bits);
  return out;
}

inline std::vector<int64_t> qu8s8_compiled_targets() { return target_bits(q8::qu8s8_kernels_compiled_targets()); }

// One test per target of a kernel file: `Active` names the target that file dispatches to.
template <const char* (*Active)()>
class KernelTargetTest : public ::testing::TestWithParam<int64_t> {
 protected:
  void SetUp() override {
    hwy::SetSupportedTargetsForTest(0);
    if ((hwy::SupportedTargets() & GetParam()) == 0)
      GTEST_SKIP() << "this CPU lacks Highway target " << hwy::TargetName(GetParam());
    hwy::SetSupportedTargetsForTest(GetParam());
    ASSERT_STREQ(Active(), hwy::TargetName(GetParam())) << "dispatch did not pick the forced target";
  }
  void TearDown() override { hwy::SetSupportedTargetsForTest(0); }
};
using Qu8s8TargetTest = KernelTargetTest<q8::qu8s8_kernels_target>;

inline std::string qu8s8_target_param_name(const ::testing::TestParamInfo<int64_t>& info) {
  return hwy::TargetName(info.param);
}

}  // namespace qinfer::testing

// A suite over the targets `compiled()` lists, checked with `active()` (see KernelTargetTest).
#define QINFER_KERNEL_TARGET_SUITE(suite, compiled, active)                                              \
  class suite : public ::qinfer::testing::KernelTargetTest<active> {};                                   \
  INSTANTIATE_TEST_SUITE_P(Targets, suite, ::testing::ValuesIn(::qinfer::testing::target_bits(compiled())), \
                           ::qinfer::testing::qu8s8_target_param_name)

#define QINFER_QU8S8_TARGET_SUITE(suite) \
  QINFER_KERNEL_TARGET_SUITE(suite, ::qinfer::q8::qu8s8_kernels_compiled_targets, ::qinfer::q8::qu8s8_kernels_target)
