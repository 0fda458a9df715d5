// A rows are not padded in memory: the last row may end exactly where the allocation (and the
// mapped memory) ends. The kernels must read exactly K bytes per row, and write exactly N bytes
// per Y row. A and Y are placed right before a PROT_NONE page, so any overrun faults.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <random>
#include <vector>

#include "gemm_qu8s8_tester.h"

namespace qinfer::testing {
namespace {

// `bytes` usable bytes that end exactly at a PROT_NONE guard page.
class GuardedBytes {
 public:
  explicit GuardedBytes(size_t bytes) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t usable = (bytes + page - 1) / page * page;
    total_ = usable + page;
    void* p = mmap(nullptr, total_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    base_ = static_cast<uint8_t*>(p);
    if (mprotect(base_ + usable, page, PROT_NONE) != 0) return;
    data_ = base_ + usable - bytes;
  }
  ~GuardedBytes() {
    if (base_) munmap(base_, total_);
  }
  uint8_t* data() const { return data_; }

 private:
  uint8_t* base_ = nullptr;
  uint8_t* data_ = nullptr;
  size_t total_ = 0;
};

class GemmQu8s8GuardPage : public ::testing::TestWithParam<GemmVariant> {
 protected:
  void SetUp() override {
    if (!runs_here(GetParam()))
      GTEST_SKIP() << "variant " << GetParam().name << " is not supported by this CPU";
  }
  // Random B [n, k] with multipliers 1/512, and the options selecting this variant.
  struct Weights {
    std::vector<int8_t> b;
    std::vector<float> mult;
    Qu8s8GemmOptions opt;
  };
  Weights random_weights(int64_t n, int64_t k, std::mt19937& rng) const {
    std::uniform_int_distribution<int> byte(0, 255);
    Weights w;
    w.b.resize(static_cast<size_t>(n * k));
    for (auto& v : w.b) v = static_cast<int8_t>(byte(rng) - 128);
    w.mult.assign(static_cast<size_t>(n), 1.0f / 512);
    w.opt.isa = GetParam().isa;
    w.opt.avxvnni_as_evex = GetParam().evex;
    return w;
  }
};

TEST_P(GemmQu8s8GuardPage, RowsEndingAtAPageBoundaryDoNotFault) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int64_t k : {1, 2, 3, 5, 6, 7, 19, 64, 67}) {
    for (int64_t m : {1, 7, 9, 13}) {
      for (int64_t n : {1, 17, 33}) {
        for (int64_t pad : {0, 3}) {  // lda = K (dense) and lda = K + 3
          const int64_t lda = k + pad, ldy = n + pad;
          const size_t a_bytes = static_cast<size_t>((m - 1) * lda + k), y_bytes = static_cast<size_t>((m - 1) * ldy + n);
          GuardedBytes a(a_bytes), y(y_bytes);
          ASSERT_NE(a.data(), nullptr);
          ASSERT_NE(y.data(), nullptr);
          for (size_t i = 0; i < a_bytes; ++i) a.data()[i] = static_cast<uint8_t>(byte(rng));
          const Weights w = random_weights(n, k, rng);
          const std::vector<int8_t>& b = w.b;
          const std::vector<float>& mult = w.mult;
          const PackedQu8s8Gemm p = pack_qu8s8_gemm(b.data(), nullptr, mult.data(), n, k, 100, 128, 0, 255, w.opt);
          run_qu8s8_gemm(p, m, a.data(), lda, y.data(), ldy, 0, m);  // a fault kills the test

          std::vector<uint8_t> a_dense(static_cast<size_t>(m * k)), y_ref(static_cast<size_t>(m * n));
          for (int64_t i = 0; i < m; ++i) std::memcpy(&a_dense[i * k], a.data() + i * lda, static_cast<size_t>(k));
          ref::gemm_qu8s8(m, n, k, a_dense.data(), 100, b.data(), nullptr, mult.data(), 128, 0, 255, y_ref.data(), 0, m);
          for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j)
              ASSERT_EQ(int{y.data()[i * ldy + j]}, int{y_ref[i * n + j]})
                  << qu8s8_gemm_variant_name(p) << " M=" << m << " N=" << n << " K=" << k << " pad=" << pad;
        }
      }
    }
  }
}

// A fused residual Add reads exactly N bytes of each R row: R ends at the guard page, for every
// N tail of the ymm and zmm kernels.
TEST_P(GemmQu8s8GuardPage, ResidualRowsEndingAtAPageBoundaryDoNotFault) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> byte(0, 255);
  const int64_t k = 19;
  for (int64_t m : {1, 9}) {
    for (int64_t n = 1; n <= 33; ++n) {
      for (int64_t pad : {0, 5}) {
        const int64_t ldr = n + pad;
        const size_t r_bytes = static_cast<size_t>((m - 1) * ldr + n);
        GuardedBytes r(r_bytes);
        ASSERT_NE(r.data(), nullptr);
        for (size_t i = 0; i < r_bytes; ++i) r.data()[i] = static_cast<uint8_t>(byte(rng));
        std::vector<uint8_t> a(static_cast<size_t>(m * k));
        for (auto& v : a) v = static_cast<uint8_t>(byte(rng));
        Weights w = random_weights(n, k, rng);
        const std::vector<int8_t>& b = w.b;
        const std::vector<float>& mult = w.mult;
        Qu8s8GemmOptions& opt = w.opt;
        opt.residual = true;
        opt.residual_add = {128, 30, 100, 0.7f, 0.3f, 0, 255};
        const PackedQu8s8Gemm p = pack_qu8s8_gemm(b.data(), nullptr, mult.data(), n, k, 100, 128, 0, 255, opt);
        std::vector<uint8_t> y(static_cast<size_t>(m * n)), y_ref(y.size());
        run_qu8s8_gemm(p, m, a.data(), k, y.data(), n, 0, m, r.data(), ldr);  // a fault kills the test
        ref::gemm_qu8s8(m, n, k, a.data(), 100, b.data(), nullptr, mult.data(), 128, 0, 255, y_ref.data(), 0, m);
        for (int64_t i = 0; i < m; ++i)
          ref::add_qu8_flat(n, &y_ref[i * n], r.data() + i * ldr, opt.residual_add, &y_ref[i * n]);
        ASSERT_EQ(y, y_ref) << qu8s8_gemm_variant_name(p) << " M=" << m << " N=" << n << " pad=" << pad;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, GemmQu8s8GuardPage, ::testing::ValuesIn(gemm_variants()),
                         [](const ::testing::TestParamInfo<GemmVariant>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace qinfer::testing
