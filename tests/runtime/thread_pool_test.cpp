// ThreadPool: every index of a loop runs exactly once, whoever claims its chunk; concurrent callers
// and nested loops run inline; a busy (descheduled) worker never loses a chunk.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "thread_pool.h"

namespace qinfer {
namespace {

void expect_each_index_once(ThreadPool& pool, int64_t count) {
  std::vector<std::atomic<int>> hits(static_cast<size_t>(count));
  pool.parallel_for(count, [&](int64_t b, int64_t e) {
    ASSERT_LE(0, b);
    ASSERT_LE(b, e);
    ASSERT_LE(e, count);
    for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
  });
  for (int64_t i = 0; i < count; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << "index " << i << " of " << count;
}

TEST(ThreadPool, EveryIndexOnceForManyLoops) {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    for (int rep = 0; rep < 300; ++rep)
      for (int64_t count : {1, 2, 3, 7, 64, 1000}) expect_each_index_once(pool, count);
  }
}

TEST(ThreadPool, SlowChunksAndConcurrentCallers) {
  ThreadPool pool(3);
  std::vector<std::thread> callers;
  std::atomic<int> failures{0};
  for (int c = 0; c < 3; ++c)
    callers.emplace_back([&] {
      for (int rep = 0; rep < 50; ++rep) {
        std::vector<std::atomic<int>> hits(40);
        pool.parallel_for(40, [&](int64_t b, int64_t e) {
          if (b == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));  // a worker losing its core
          for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
        });
        for (auto& h : hits) failures += h.load() != 1;
      }
    });
  for (auto& t : callers) t.join();
  EXPECT_EQ(failures.load(), 0);
}

// this_thread() is in [0, threads()) and no two chunks that run at the same time share it (loop
// bodies pick per-thread scratch by it); a thread outside the pool gets 0.
TEST(ThreadPool, ThisThreadIsAPrivateIndexWhileAChunkRuns) {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    std::vector<std::atomic<int>> in_use(static_cast<size_t>(threads));
    std::atomic<int> failures{0};
    for (int rep = 0; rep < 200; ++rep)
      pool.parallel_for(37, [&](int64_t b, int64_t e) {
        const int t = pool.this_thread();
        if (t < 0 || t >= threads) {
          ++failures;
          return;
        }
        if (in_use[static_cast<size_t>(t)].exchange(1) != 0) ++failures;
        volatile int64_t work = 0;
        for (int64_t i = b; i < e; ++i)
          for (int k = 0; k < 200; ++k) work = work + i * k;
        in_use[static_cast<size_t>(t)].store(0);
      });
    EXPECT_EQ(failures.load(), 0) << threads << " threads";
    EXPECT_EQ(pool.this_thread(), 0);
  }
  ThreadPool other(2);
  ThreadPool pool(2);
  pool.parallel_for(2, [&](int64_t, int64_t) { EXPECT_EQ(other.this_thread(), 0); });  // another pool's index: 0
}

TEST(ThreadPool, NestedLoopRunsInline) {
  ThreadPool pool(2);
  std::atomic<int64_t> sum{0};
  pool.parallel_for(8, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      pool.parallel_for(10, [&](int64_t b2, int64_t e2) { sum += (e2 - b2) * (i + 1); });
  });
  EXPECT_EQ(sum.load(), 10 * 36);
}

}  // namespace
}  // namespace qinfer
