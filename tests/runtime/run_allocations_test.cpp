// run() makes no heap allocation after the first call for an input shape (DESIGN.md, memory plan):
// global operator new is counted while a window is open.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <new>
#include <string>
#include <vector>

#include "qinfer/npy.h"
#include "qinfer/runtime.h"
#include "test_support.h"
#include "tiny_models.h"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
}  // namespace

// Every unaligned form is replaced, so that whatever pairs a library uses (std::stable_sort's buffer:
// nothrow new with plain delete) allocates and frees through the same malloc (ASan checks the pairing).
namespace {
void* counted_malloc(std::size_t n) noexcept {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
}  // namespace

void* operator new(std::size_t n) {
  if (void* p = counted_malloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = counted_malloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_malloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_malloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace qinfer {
namespace {

// Heap allocations of the `runs` calls of fn() after two warm-up calls.
template <class Fn>
long allocations_after_warmup(Fn fn, int runs = 5) {
  fn();
  fn();
  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < runs; ++i) fn();
  g_counting = false;
  return g_allocations.load();
}

Tensor mnist_batch(int64_t n) {
  const Tensor all = read_npy(testing::source_dir() + "/examples/mnist/data/test_images.npy");
  Tensor x(DType::Float32, {n, 1, 28, 28});
  std::memcpy(x.raw_data(), all.raw_data(), x.byte_size());
  return x;
}

TEST(RunAllocations, Int8MnistRunsIntoOutputsWithoutHeapAllocation) {
  for (int threads : {1, 2})
    for (int64_t batch : {1, 16}) {
      Runtime::Options o;
      o.threads = threads;
      Runtime rt(testing::source_dir() + "/tests/data/golden/mnist_int8.qbin", o);
      const Tensor x = mnist_batch(batch);
      std::vector<Tensor> outs;
      EXPECT_EQ(allocations_after_warmup([&] { rt.run(x, outs); }), 0) << threads << " threads, batch " << batch;
      const std::map<std::string, Tensor> named{{rt.inputs()[0].name, x}};
      EXPECT_EQ(allocations_after_warmup([&] { rt.run(named, outs); }), 0) << threads << " threads, batch " << batch;
      const std::vector<Tensor> fresh = rt.run(x);  // the allocating form gives the same bytes
      ASSERT_EQ(fresh.size(), outs.size());
      EXPECT_EQ(std::memcmp(fresh[0].raw_data(), outs[0].raw_data(), outs[0].byte_size()), 0);
    }
}

TEST(RunAllocations, SymbolicBatchAndShapeChangesReuseOutputs) {
  const std::vector<uint8_t> bytes = testing::relu_add_model();
  Runtime rt(bytes.data(), bytes.size());
  Tensor a(DType::Float32, {3, 4}), b(DType::Float32, {5, 4});
  for (int i = 0; i < 12; ++i) a.data<float>()[i] = static_cast<float>(i) - 6.0f;
  std::vector<Tensor> outs;
  rt.run(b, outs);  // plan both shapes once
  EXPECT_EQ(allocations_after_warmup([&] { rt.run(a, outs); }), 0);
  rt.run(a, outs);
  ASSERT_EQ(outs.size(), 1u);
  EXPECT_EQ(outs[0].shape(), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(outs[0].data<float>()[0], -6.0f + 0.0f);
  EXPECT_EQ(outs[0].data<float>()[11], 10.0f);
}

}  // namespace
}  // namespace qinfer
