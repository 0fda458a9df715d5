// Process-wide cache of generated kernels, keyed by their full configuration: layers with the same
// (ISA, MR, NR, K, N tail) share one kernel. Thread-safe; kernels live until the process exits.
#pragma once

#include <cstddef>
#include <string>

#include "jit/gemm_qu8s8_config.h"

namespace qinfer::jit {

// The kernel for `cfg`, generated on first use. Null (and `error` set, if given) when generation
// failed; the failure is cached too, so a broken configuration is not retried on every pack.
GemmQu8s8KernelFn gemm_qu8s8_kernel(const GemmQu8s8Config& cfg, std::string* error = nullptr);

// Kernels generated so far (for tests of the cache).
size_t jit_kernel_cache_size();

}  // namespace qinfer::jit
