// A fixed pool of worker threads that splits one loop at a time into contiguous chunks.
//
// A model runs one loop per op, often only microseconds long; waking a sleeping thread costs tens
// of microseconds. So after a loop the workers spin for a short while (kSpinRounds checks) for the
// next one before they sleep, and the caller spins for the chunks to finish.
//
// Chunks are claimed, not assigned: each thread has a home range of chunks (the same contiguous
// share of every loop, so consecutive ops find their rows in that core's cache) and takes them from
// the front; a thread whose range is empty takes chunks from the back of another's range (the rows
// nearest its own). Short loops get one chunk per index, so a loop ends at most one index apart
// on each thread. On a busy machine, where a worker may not be scheduled for milliseconds, the
// caller runs that worker's chunks instead of waiting (measured before: ResNet-50 with 2 threads at
// load 7 on 2 cores took 71 ms, 1 thread 40 ms).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace qinfer {

// A non-owning reference to a loop body fn(begin, end). Unlike std::function, passing a lambda
// allocates nothing (run() makes no heap allocation). Valid only during the call it is passed to.
class LoopBody {
 public:
  LoopBody() = default;
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, LoopBody>>>
  LoopBody(const F& fn)  // NOLINT: implicit, so that call sites pass lambdas
      : fn_(&fn), call_([](const void* f, int64_t b, int64_t e) { (*static_cast<const F*>(f))(b, e); }) {}
  void operator()(int64_t begin, int64_t end) const { call_(fn_, begin, end); }

 private:
  const void* fn_ = nullptr;
  void (*call_)(const void*, int64_t, int64_t) = nullptr;
};

class ThreadPool {
 public:
  // threads <= 1 runs everything on the calling thread.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(begin, end) on disjoint chunks covering [0, count). The caller's thread takes a
  // chunk too. If another thread is already using the pool, the loop runs on the calling
  // thread alone (results are identical: chunks never change what is computed).
  void parallel_for(int64_t count, LoopBody fn);

  // The calling thread's index in [0, threads()): a worker of this pool gets its own, any other
  // thread (the one calling parallel_for) 0. A loop body uses it to pick per-thread scratch, since
  // the chunks a thread runs are not fixed in advance.
  int this_thread() const;

 private:
  void worker_loop(int home);
  void run_chunks(int home);  // claims and runs chunks of the current loop until none is left

  // One cache line per thread: its home range and its count of finished chunks. A thread claims
  // and counts on its own line; only stealing and the caller's final wait touch another's.
  struct alignas(64) Slot {
    // Loop number (high 32 bits) | end (16 bits) | next chunk (16 bits); one compare-exchange
    // takes the front (owner) or the back (thief) and can never mix two loops.
    std::atomic<uint64_t> range{0};
    std::atomic<int64_t> done{0};  // chunks this thread finished, over all loops
  };

  std::vector<std::thread> workers_;
  std::unique_ptr<Slot[]> slots_;
  // The current loop on one cache line: a worker that sees `generation` move finds the loop's
  // body and sizes without another transfer from the caller's core.
  struct alignas(64) Job {
    std::atomic<uint64_t> generation{0};  // one step per loop; workers wait for it to move
    std::atomic<bool> stop{false};
    LoopBody body;  // a copy (the caller's lives on its stack), written before the slots publish the loop
    int64_t count = 0, chunks = 0;
  };

  Job job_;
  std::mutex busy_;  // held by the thread whose loop the workers are running
  std::mutex mutex_;
  std::condition_variable wake_;
  int64_t chunks_done_ = 0;  // the sum of Slot::done once the current loop ended (caller side)
  uint32_t loops_ = 0;       // loop number (caller side, under busy_)
};

}  // namespace qinfer
