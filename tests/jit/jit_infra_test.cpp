// The JIT infrastructure: ISA names and QINFER_ISA, kernel generation for every variant (also the
// ones this CPU cannot run), the kernel cache, status instead of exceptions, packing validation.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

#include "gemm_qu8s8_packed.h"
#include "jit/cpu.h"
#include "jit/kernel_cache.h"
#if defined(__x86_64__)
#include "jit/gemm_qu8s8_vnni.h"
#include "jit/generator.h"
#define QINFER_TEST_X86 1
#endif

namespace qinfer::testing {
namespace {

using jit::GemmQu8s8Config;

TEST(JitCpu, NamesRoundTripAndBestIsSupported) {
  for (Isa isa : {Isa::kRef, Isa::kAvx2, Isa::kAvxVnni, Isa::kAvx512Vnni, Isa::kAmx}) {
    Isa parsed = Isa::kBest;
    ASSERT_TRUE(jit::parse_isa(jit::isa_name(isa), &parsed));
    EXPECT_EQ(parsed, isa);
  }
  Isa untouched = Isa::kAvx2;
  EXPECT_FALSE(jit::parse_isa("AVX2", &untouched));
  EXPECT_FALSE(jit::parse_isa("best", &untouched));
  EXPECT_EQ(untouched, Isa::kAvx2);
  EXPECT_TRUE(jit::isa_supported(Isa::kRef));
  EXPECT_TRUE(jit::isa_supported(jit::best_isa()));
  EXPECT_FALSE(jit::isa_supported(Isa::kBest));
}

// Sets QINFER_ISA for one scope.
class ScopedIsaEnv {
 public:
  explicit ScopedIsaEnv(const char* value) {
    if (const char* old = std::getenv("QINFER_ISA")) old_ = old, had_ = true;
    setenv("QINFER_ISA", value, 1);
  }
  ~ScopedIsaEnv() {
    if (had_) setenv("QINFER_ISA", old_.c_str(), 1);
    else unsetenv("QINFER_ISA");
  }

 private:
  std::string old_;
  bool had_ = false;
};

PackedQu8s8Gemm small_gemm(const Qu8s8GemmOptions& opt = {}, int64_t k = 64) {
  static const std::vector<int8_t> b(40 * 256, 3);
  static const std::vector<float> mult(40, 0.01f);
  return pack_qu8s8_gemm(b.data(), nullptr, mult.data(), 40, k, 128, 128, 0, 255, opt);
}

TEST(JitCpu, QinferIsaForcesAVariantOrFallsBackWithAReason) {
  for (Isa isa : {Isa::kRef, Isa::kAvx2, Isa::kAvxVnni, Isa::kAvx512Vnni, Isa::kAmx}) {
    const ScopedIsaEnv env(jit::isa_name(isa));
    const PackedQu8s8Gemm p = small_gemm();
    if (jit::isa_supported(isa)) {
      EXPECT_EQ(qu8s8_gemm_isa(p), isa) << qu8s8_gemm_variant_name(p);
      EXPECT_STREQ(qu8s8_gemm_fallback_reason(p), "");
    } else {
      EXPECT_EQ(qu8s8_gemm_isa(p), Isa::kRef);
      EXPECT_NE(std::strstr(qu8s8_gemm_fallback_reason(p), "lacks"), nullptr) << qu8s8_gemm_fallback_reason(p);
    }
  }
  if (jit::isa_supported(Isa::kAmx)) {  // short K: AVX-512 VNNI is faster, unless AMX is asked for explicitly
    const ScopedIsaEnv env("amx");
    EXPECT_EQ(qu8s8_gemm_isa(small_gemm({}, 47)), Isa::kAvx512Vnni);
    Qu8s8GemmOptions opt;
    opt.isa = Isa::kAmx;
    EXPECT_EQ(qu8s8_gemm_isa(small_gemm(opt, 47)), Isa::kAmx);
  }
  {
    const ScopedIsaEnv env("sse9");
    const PackedQu8s8Gemm p = small_gemm();
    EXPECT_EQ(qu8s8_gemm_isa(p), jit::best_isa());
    EXPECT_NE(std::strstr(qu8s8_gemm_fallback_reason(p), "ignored"), nullptr);
  }
  // An explicit request ignores QINFER_ISA.
  const ScopedIsaEnv env("ref");
  Qu8s8GemmOptions opt;
  opt.isa = jit::best_isa();
  EXPECT_EQ(qu8s8_gemm_isa(small_gemm(opt)), jit::best_isa());
}

TEST(JitCpu, VariantNamesStateTheContract) {
  Qu8s8GemmOptions opt;
  opt.isa = Isa::kRef;
  EXPECT_STREQ(qu8s8_gemm_variant_name(small_gemm(opt)), "qu8s8_gemm_minmax_fp32__ref");
  std::string error;
  EXPECT_EQ(GemmQu8s8Config::init(Isa::kAvx512Vnni, 8, 32, 64, 64, false, &error).kernel_name(),
            "qu8s8_gemm_minmax_fp32_8x32c4__avx512vnni");
  EXPECT_EQ(GemmQu8s8Config::init(Isa::kAvx2, 4, 16, 64, 64, false, &error).kernel_name(),
            "qu8s8_gemm_xw_minmax_fp32_4x16c4__avx2");
  EXPECT_EQ(GemmQu8s8Config::init(Isa::kAvxVnni, 6, 16, 64, 70, false, &error).code_name(),
            "qu8s8_gemm_minmax_fp32_6x16c4__avxvnni_k64_nt6");
}

#ifdef QINFER_TEST_X86
// Generation needs no CPU support, so the AVX-VNNI kernels are generated (not run) here too.
TEST(JitGemm, EveryVariantGeneratesForEveryRowCountAndTail) {
  for (Isa isa : {Isa::kAvx2, Isa::kAvxVnni, Isa::kAvx512Vnni, Isa::kAmx}) {
    int mr = 0, nr = 0;
    GemmQu8s8Config::default_tile(isa, &mr, &nr);
    for (int rows = 1; rows <= mr; ++rows) {
      for (int64_t k : {0, 1, 3, 4, 17, 64, 67}) {
        for (int64_t n : {int64_t{nr}, int64_t{nr + 1}, int64_t{2 * nr - 1}}) {
          std::string error;
          const GemmQu8s8Config cfg = GemmQu8s8Config::init(isa, rows, nr, k, n, false, &error);
          ASSERT_EQ(error, "");
          EXPECT_NE(jit::gemm_qu8s8_kernel(cfg, &error), nullptr) << cfg.code_name() << ": " << error;
        }
      }
    }
  }
}

// The AVX-VNNI kernel must use the VEX form of vpdpbusd (C4 prefix, map 0F38, pp=66, L=256,
// opcode 50): the EVEX form would need AVX512-VNNI, which AVX-VNNI CPUs may lack.
TEST(JitGemm, AvxVnniKernelUsesVexEncodedVpdpbusd) {
  std::string error;
  const GemmQu8s8Config cfg = GemmQu8s8Config::init(Isa::kAvxVnni, 6, 16, 64, 16, false, &error);
  auto gen = jit::make_generated<jit::GemmQu8s8VnniGenerator>(&error, cfg);
  ASSERT_NE(gen, nullptr) << error;
  const uint8_t* code = gen->getCode();
  int vex_vpdpbusd = 0;
  for (size_t i = 0; i + 3 < gen->code_bytes(); ++i)
    if (code[i] == 0xC4 && (code[i + 1] & 0x1F) == 0x02 && (code[i + 2] & 0x07) == 0x05 && code[i + 3] == 0x50)
      ++vex_vpdpbusd;
  EXPECT_GE(vex_vpdpbusd, 6 * 2 * 4) << "one per row, vector and unrolled group";
}

#endif  // QINFER_TEST_X86

TEST(JitGemm, TileTooLargeForTheRegistersFallsBackWithAReason) {
  if (!jit::isa_supported(Isa::kAvx512Vnni)) GTEST_SKIP() << "variant avx512vnni is not supported by this CPU";
  Qu8s8GemmOptions opt;
  opt.isa = Isa::kAvx512Vnni;
  opt.mr = 12, opt.nr = 64;  // 48 accumulators
  const PackedQu8s8Gemm p = small_gemm(opt);
  EXPECT_EQ(qu8s8_gemm_isa(p), Isa::kRef);
  EXPECT_NE(std::strstr(qu8s8_gemm_fallback_reason(p), "registers"), nullptr) << qu8s8_gemm_fallback_reason(p);
}

TEST(JitGemm, CacheReusesKernelsAcrossPacksAndThreads) {
  const Isa isa = jit::best_isa();
  if (isa == Isa::kRef) GTEST_SKIP() << "no JIT variant on this CPU";
  const std::vector<int8_t> b(77 * 53, 1);
  const std::vector<float> mult(77, 0.5f);
  const PackedQu8s8Gemm first = pack_qu8s8_gemm(b.data(), nullptr, mult.data(), 77, 53, 0, 0, 0, 255);
  const size_t cached = jit::jit_kernel_cache_size();
  std::vector<PackedQu8s8Gemm> packs(4);
  std::vector<std::thread> threads;
  for (auto& p : packs)
    threads.emplace_back([&] { p = pack_qu8s8_gemm(b.data(), nullptr, mult.data(), 77, 53, 9, 1, 0, 255); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(jit::jit_kernel_cache_size(), cached) << "same (ISA, tile, K, N tail): no new kernels";
  for (const auto& p : packs)
    for (int rows = 1; rows <= first.mr; ++rows) EXPECT_EQ(p.kernels[rows], first.kernels[rows]);
}

#ifdef QINFER_TEST_X86
// A generator whose code cannot be finished (a jump to a label never placed) reports a status.
class BrokenGenerator : public jit::Generator {
 public:
  BrokenGenerator() : Generator("broken") {}

 private:
  void generate() override {
    Xbyak::Label nowhere;
    jmp(nowhere);
  }
};

TEST(JitGenerator, FailuresAreAStatusNotAnException) {
  BrokenGenerator g;
  EXPECT_FALSE(g.create());
  EXPECT_FALSE(g.error().empty());
  EXPECT_EQ(g.entry<void (*)()>(), nullptr);
  std::string error;
  EXPECT_EQ(jit::make_generated<BrokenGenerator>(&error), nullptr);
  EXPECT_NE(error.find("broken"), std::string::npos) << error;
}

#endif  // QINFER_TEST_X86

TEST(PackQu8s8Gemm, RejectsClampsOutsideUint8AndFarZeroPoints) {
  const std::vector<int8_t> b(8, 1);
  const std::vector<float> mult(2, 1.0f);
  EXPECT_THROW(pack_qu8s8_gemm(b.data(), nullptr, mult.data(), 2, 4, 0, 0, 0, 256), std::invalid_argument);
  EXPECT_THROW(pack_qu8s8_gemm(b.data(), nullptr, mult.data(), 2, 4, 0, 0, 10, 9), std::invalid_argument);
  EXPECT_THROW(pack_qu8s8_gemm(b.data(), nullptr, mult.data(), 2, 4, 0, 1 << 30, 0, 255), std::invalid_argument);
  EXPECT_THROW(pack_qu8s8_gemm(b.data(), nullptr, mult.data(), -1, 4, 0, 0, 0, 255), std::invalid_argument);
}

}  // namespace
}  // namespace qinfer::testing
