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
// Chunks per thread at most: loops over fewer indices (blocks of rows, im2col tiles) give each index
// its own chunk; longer loops (elementwise rows) get chunks of several. Claiming a chunk of one's own
// range costs one uncontended compare-exchange.
constexpr int64_t kMaxChunksPerThread = 64;

// Chunk `index` of `parts` over [0, count).
std::pair<int64_t, int64_t> chunk(int64_t count, int parts, int index) {
  const int64_t base = count / parts, extra = count % parts;
  const int64_t begin = index * base + std::min<int64_t>(index, extra);
  return {begin, begin + base + (index < extra ? 1 : 0)};
}
}  // namespace

ThreadPool::ThreadPool(int threads) : slots_(new Slot[static_cast<size_t>(std::max(threads, 1))]) {
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_.stop.store(true);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::run_chunks(int home) {
  const int n = threads();
  Slot& mine = slots_[static_cast<size_t>(home)];
  for (int k = 0; k < n; ++k) {  // the home range from the front, then the others from the back
    const bool own = k == 0;
    std::atomic<uint64_t>& range = slots_[static_cast<size_t>((home + k) % n)].range;
    uint64_t c = range.load(std::memory_order_acquire);
    for (;;) {
      const uint64_t end = (c >> 16) & 0xFFFF, next = c & 0xFFFF;
      if (next >= end) break;
      // Success (acquire) also makes the job of this loop visible; the loop cannot
      // end, and so they cannot change, before this chunk is done.
      const uint64_t claimed = own ? c + 1 : c - (uint64_t{1} << 16);
      if (!range.compare_exchange_weak(c, claimed, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
      const int64_t index = static_cast<int64_t>(own ? next : end - 1);
      const auto part = chunk(job_.count, static_cast<int>(job_.chunks), static_cast<int>(index));
      if (part.first < part.second) job_.body(part.first, part.second);
      // Only this thread writes its count: a plain add, published by the release store.
      mine.done.store(mine.done.load(std::memory_order_relaxed) + 1, std::memory_order_release);
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
  const int n = threads();
  const int64_t chunks = std::min<int64_t>({count, kMaxChunksPerThread * n, 0xFFFF});  // 16-bit range fields
  job_.body = fn;
  job_.count = count;
  job_.chunks = chunks;
  const uint64_t loop = static_cast<uint64_t>(++loops_) << 32;
  for (int t = 0; t < n; ++t) {  // thread t's home: chunks [chunks * t / n, chunks * (t + 1) / n)
    const uint64_t begin = static_cast<uint64_t>(chunks * t / n), end = static_cast<uint64_t>(chunks * (t + 1) / n);
    slots_[static_cast<size_t>(t)].range.store(loop | end << 16 | begin, std::memory_order_release);
  }
  {
    // Under the mutex so that a worker going to sleep cannot miss the step.
    std::lock_guard<std::mutex> lock(mutex_);
    job_.generation.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  run_chunks(0);
  // Only chunks a worker has claimed remain: wait for them.
  chunks_done_ += chunks;
  auto all_done = [&] {
    int64_t done = 0;
    for (int t = 0; t < n; ++t) done += slots_[static_cast<size_t>(t)].done.load(std::memory_order_acquire);
    return done == chunks_done_;
  };
  for (int spin = 0; !all_done(); ++spin) {
    if (spin < kSpinRounds) {
      QINFER_PAUSE();
    } else {
      std::this_thread::yield();  // a worker lost its core: let it run
    }
  }
  job_.body = LoopBody();
}

int ThreadPool::this_thread() const { return tl_pool == this ? tl_index : 0; }

void ThreadPool::worker_loop(int home) {
  tl_pool = this;
  tl_index = home;
  uint64_t seen = 0;
  for (;;) {
    // Spin for the next loop, then sleep until one comes.
    int spin = 0;
    while (job_.generation.load(std::memory_order_acquire) == seen && !job_.stop.load(std::memory_order_relaxed) &&
           spin < kSpinRounds) {
      QINFER_PAUSE();
      ++spin;
    }
    if (job_.generation.load(std::memory_order_acquire) == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return job_.stop.load() || job_.generation.load(std::memory_order_acquire) != seen; });
    }
    if (job_.stop.load()) return;
    seen = job_.generation.load(std::memory_order_acquire);
    run_chunks(home);  // nothing left (a late wake-up) is fine: the caller ran those chunks
  }
}

}  // namespace qinfer
