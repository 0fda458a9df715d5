#include "jit/kernel_cache.h"

#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

#if defined(__x86_64__) || defined(_M_X64)
#include "jit/gemm_qu8s8_amx.h"
#include "jit/gemm_qu8s8_avx2.h"
#include "jit/gemm_qu8s8_vnni.h"
#define QINFER_JIT_X86 1
#endif

namespace qinfer::jit {

namespace {
struct ConfigHash {
  size_t operator()(const GemmQu8s8Config& c) const {
    size_t h = std::hash<int64_t>()(c.k);
    for (int64_t part : {int64_t(c.isa), int64_t(c.mr), int64_t(c.nr), int64_t(c.n_tail), int64_t(c.vnni_evex),
                          int64_t(c.residual), int64_t(c.pack_clamp)})
      h = h * 1000003u ^ std::hash<int64_t>()(part);
    return h;
  }
};

struct Entry {
#ifdef QINFER_JIT_X86
  std::unique_ptr<Generator> code;  // owns the executable memory
#endif
  GemmQu8s8KernelFn fn = nullptr;
  std::string error;
};

struct Cache {
  std::mutex mutex;
  std::unordered_map<GemmQu8s8Config, Entry, ConfigHash> gemm_qu8s8;
};

// Never destroyed: kernels may still run from other threads while the process exits.
Cache& cache() {
  static Cache* c = new Cache;
  return *c;
}

Entry generate(const GemmQu8s8Config& cfg) {
  Entry e;
#ifdef QINFER_JIT_X86
  if (cfg.isa == Isa::kAvx2) e.code = make_generated<GemmQu8s8Avx2Generator>(&e.error, cfg);
  else if (cfg.isa == Isa::kAmx) e.code = make_generated<GemmQu8s8AmxGenerator>(&e.error, cfg);
  else e.code = make_generated<GemmQu8s8VnniGenerator>(&e.error, cfg);
  if (e.code) e.fn = e.code->entry<GemmQu8s8KernelFn>();
#else
  (void)cfg;
  e.error = "no JIT on this architecture";
#endif
  return e;
}
}  // namespace

GemmQu8s8KernelFn gemm_qu8s8_kernel(const GemmQu8s8Config& cfg, std::string* error) {
  Cache& c = cache();
  // Generation happens at pack (load) time and takes microseconds: one lock around it is simplest.
  const std::lock_guard<std::mutex> lock(c.mutex);
  auto it = c.gemm_qu8s8.find(cfg);
  if (it == c.gemm_qu8s8.end()) it = c.gemm_qu8s8.emplace(cfg, generate(cfg)).first;
  if (!it->second.fn && error) *error = it->second.error;
  return it->second.fn;
}

size_t jit_kernel_cache_size() {
  Cache& c = cache();
  const std::lock_guard<std::mutex> lock(c.mutex);
  return c.gemm_qu8s8.size();
}

}  // namespace qinfer::jit
