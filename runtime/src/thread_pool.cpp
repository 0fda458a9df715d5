#include "thread_pool.h"

#include <algorithm>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define QINFER_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define QINFER_PAUSE() asm volatile("yield")
#else
#define QINFER_PAUSE() ((void)0)
#endif

namespace qinfer {

namespace {
// Set once in each worker thread: its pool and index (this_thread()).
thread_local const ThreadPool* tl_pool = nullptr;
thread_local int tl_index = 0;

// About 50-100 microseconds of checking before a worker sleeps, or the caller yields its core.
constexpr int kSpinRounds = 10000;
// Chunks per thread for long loops: a worker that loses its core mid-chunk delays the loop by at
// most one small chunk. (Loops over per-thread parts, count == threads, keep one chunk each.)
constexpr int64_t kChunksPerThread = 4;

// Chunk `index` of `parts` over [0, count).
std::pair<int64_t, int64_t> chunk(int64_t count, int parts, int index) {
  const int64_t base = count / parts, extra = count % parts;
  const int64_t begin = index * base + std::min<int64_t>(index, extra);
  return {begin, begin + base + (index < extra ? 1 : 0)};
}
}  // namespace

ThreadPool::ThreadPool(int threads) : ranges_(static_cast<size_t>(std::max(threads, 1))) {
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::run_chunks(int home) {
  const size_t n = ranges_.size();
  for (size_t k = 0; k < n; ++k) {  // the home range first, then the others
    std::atomic<uint64_t>& range = ranges_[(static_cast<size_t>(home) + k) % n];
    uint64_t c = range.load(std::memory_order_acquire);
    for (;;) {
      const uint64_t end = (c >> 16) & 0xFFFF, next = c & 0xFFFF;
      if (next >= end) break;
      // Success (acquire) also makes job_ and the job sizes of this loop visible; the loop cannot
      // end, and so they cannot change, before this chunk is done.
      if (!range.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
      const auto mine = chunk(job_count_, static_cast<int>(job_chunks_), static_cast<int>(next));
      if (mine.first < mine.second) (*job_)(mine.first, mine.second);
      done_.fetch_add(1, std::memory_order_acq_rel);
      c = range.load(std::memory_order_acquire);
    }
  }
}

void ThreadPool::parallel_for(int64_t count, LoopBody fn) {
  if (count <= 0) return;
  std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
  if (workers_.empty() || count == 1 || !busy.owns_lock()) {
    fn(0, count);
    return;
  }
  const int64_t chunks = std::min<int64_t>(count, kChunksPerThread * threads());
  job_ = &fn;
  job_count_ = count;
  job_chunks_ = chunks;
  done_.store(0, std::memory_order_relaxed);
  const uint64_t loop = static_cast<uint64_t>(++loops_) << 32;
  const int n = static_cast<int>(ranges_.size());
  for (int t = 0; t < n; ++t) {  // thread t's home: chunks [chunks * t / n, chunks * (t + 1) / n)
    const uint64_t begin = static_cast<uint64_t>(chunks * t / n), end = static_cast<uint64_t>(chunks * (t + 1) / n);
    ranges_[static_cast<size_t>(t)].store(loop | end << 16 | begin, std::memory_order_release);
  }
  {
    // Under the mutex so that a worker going to sleep cannot miss the step.
    std::lock_guard<std::mutex> lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  run_chunks(0);
  // Only chunks a worker has claimed remain: wait for them.
  for (int spin = 0; done_.load(std::memory_order_acquire) != chunks; ++spin) {
    if (spin < kSpinRounds) {
      QINFER_PAUSE();
    } else {
      std::this_thread::yield();  // a worker lost its core: let it run
    }
  }
  job_ = nullptr;
}

int ThreadPool::this_thread() const { return tl_pool == this ? tl_index : 0; }

void ThreadPool::worker_loop(int home) {
  tl_pool = this;
  tl_index = home;
  uint64_t seen = 0;
  for (;;) {
    // Spin for the next loop, then sleep until one comes.
    int spin = 0;
    while (generation_.load(std::memory_order_acquire) == seen && !stop_.load(std::memory_order_relaxed) &&
           spin < kSpinRounds) {
      QINFER_PAUSE();
      ++spin;
    }
    if (generation_.load(std::memory_order_acquire) == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_.load() || generation_.load(std::memory_order_acquire) != seen; });
    }
    if (stop_.load()) return;
    seen = generation_.load(std::memory_order_acquire);
    run_chunks(home);  // nothing left (a late wake-up) is fine: the caller ran those chunks
  }
}

}  // namespace qinfer
