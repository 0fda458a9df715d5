#include "jit/generator.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>

#ifndef _WIN32
#include <unistd.h>
#endif

namespace qinfer::jit {

namespace {
using namespace Xbyak;
using namespace Xbyak::util;

#ifdef _WIN32
const Reg64 kSavedGprs[] = {rbx, rbp, rdi, rsi, r12, r13, r14, r15};
constexpr int kFirstSavedXmm = 6;  // xmm6-15 are callee-saved on Win64
#else
const Reg64 kSavedGprs[] = {rbx, rbp, r12, r13, r14, r15};
constexpr int kFirstSavedXmm = 16;  // none on SysV
#endif
constexpr int kSavedGprCount = static_cast<int>(sizeof(kSavedGprs) / sizeof(kSavedGprs[0]));

// QINFER_JIT_PERF_MAP=1 appends "start size name" lines to /tmp/perf-<pid>.map, which `perf
// report` uses to name JIT code.
void note_for_profilers(const void* code, size_t size, const std::string& name) {
#ifdef _WIN32
  (void)code, (void)size, (void)name;
#else
  const char* env = std::getenv("QINFER_JIT_PERF_MAP");
  if (!env || std::string(env) != "1") return;
  static std::mutex mutex;
  const std::lock_guard<std::mutex> lock(mutex);
  char path[64];
  std::snprintf(path, sizeof(path), "/tmp/perf-%ld.map", static_cast<long>(getpid()));
  if (FILE* f = std::fopen(path, "a")) {
    std::fprintf(f, "%lx %zx %s\n", reinterpret_cast<unsigned long>(code), size, name.c_str());
    std::fclose(f);
  }
#endif
}
}  // namespace

Generator::Generator(std::string name, size_t initial_code_bytes)
    : Xbyak::CodeGenerator(initial_code_bytes, Xbyak::AutoGrow), name_(std::move(name)) {}

const Xbyak::Reg64& Generator::abi_param1() {
#ifdef _WIN32
  static const Xbyak::Reg64 reg = Xbyak::util::rcx;
#else
  static const Xbyak::Reg64 reg = Xbyak::util::rdi;
#endif
  return reg;
}

bool Generator::create() {
  if (created_) return ok_;
  created_ = true;
  try {
    generate();
    // AutoGrow: the buffer stays read-write while growing; ready() resolves the labels and then
    // makes it read + execute (never writable and executable at once).
    ready(Xbyak::CodeArray::PROTECT_RE);
    ok_ = true;
    note_for_profilers(getCode(), getSize(), name_);
  } catch (const Xbyak::Error& e) {
    error_ = e.what();
  } catch (const std::exception& e) {
    error_ = e.what();
  }
  return ok_;
}

void Generator::preamble() {
  for (int i = 0; i < kSavedGprCount; ++i) push(kSavedGprs[i]);
  const int xmms = 16 - kFirstSavedXmm;
  saved_xmm_bytes_ = static_cast<size_t>(xmms) * 16;
  if (xmms > 0) {
    // Keep the slots 16-byte aligned: after the pushes rsp is 8 mod 16 when the count is even.
    saved_xmm_bytes_ += (kSavedGprCount % 2 == 0) ? 8 : 0;
    sub(rsp, static_cast<uint32_t>(saved_xmm_bytes_));
    for (int i = 0; i < xmms; ++i) vmovdqu(ptr[rsp + i * 16], Xmm(kFirstSavedXmm + i));  // VEX: no SSE transition
  }
}

void Generator::postamble() {
  const int xmms = 16 - kFirstSavedXmm;
  if (xmms > 0) {
    for (int i = 0; i < xmms; ++i) vmovdqu(Xmm(kFirstSavedXmm + i), ptr[rsp + i * 16]);
    add(rsp, static_cast<uint32_t>(saved_xmm_bytes_));
  }
  for (int i = kSavedGprCount; i-- > 0;) pop(kSavedGprs[i]);
  vzeroupper();  // no AVX-SSE transition penalty in the caller
  ret();
}

}  // namespace qinfer::jit
