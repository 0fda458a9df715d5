#include "jit/cpu.h"

#include <cstdlib>

#if defined(__x86_64__) || defined(_M_X64)
#include <xbyak/xbyak_util.h>
#define QINFER_JIT_X86 1
#endif
#if defined(QINFER_JIT_X86) && defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#endif

namespace qinfer::jit {

namespace {
#ifdef QINFER_JIT_X86
// The CPU lists AMX; true when this process may use the tile registers.
bool amx_usable(std::string* note) {
  constexpr uint64_t kTileState = (uint64_t{1} << 17) | (uint64_t{1} << 18);  // XTILECFG, XTILEDATA
  if ((Xbyak::util::Cpu::getXfeature() & kTileState) != kTileState) {
    *note = "the OS does not enable the AMX tile state (XCR0)";
    return false;
  }
#ifdef __linux__
  // Linux hands out the 8 KB tile data state per process on request (kernel 5.16+).
  constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  if (syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) != 0) {
    *note = std::string("Linux refused the AMX tile state (arch_prctl: ") + std::strerror(errno) + ")";
    return false;
  }
  return true;
#else
  *note = "AMX is only enabled on Linux";
  return false;
#endif
}
#endif

CpuFeatures detect() {
  CpuFeatures f;
#ifdef QINFER_JIT_X86
  // Xbyak's Cpu checks XGETBV too: a feature counts only when the OS saves its register state.
  const Xbyak::util::Cpu cpu;
  using C = Xbyak::util::Cpu;
  f.avx2 = cpu.has(C::tAVX2);
  f.avx512f = cpu.has(C::tAVX512F);
  f.avx512bw = cpu.has(C::tAVX512BW);
  f.avx512vl = cpu.has(C::tAVX512VL);
  f.avx512vnni = cpu.has(C::tAVX512_VNNI);
  f.avx_vnni = cpu.has(C::tAVX_VNNI);
  if (cpu.has(C::tAMX_TILE) && cpu.has(C::tAMX_INT8)) f.amx_int8 = amx_usable(&f.amx_note);
#endif
  return f;
}
}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

bool isa_supported(Isa isa) {
  const CpuFeatures& f = cpu_features();
  switch (isa) {
    case Isa::kRef: return true;
    case Isa::kAvx2: return f.avx2;
    case Isa::kAvxVnni: return f.avx2 && f.avx_vnni;
    // The kernel uses BW (byte masks, vpmovusdb) and VL (xmm/ymm forms of EVEX instructions).
    case Isa::kAvx512Vnni: return f.avx512f && f.avx512bw && f.avx512vl && f.avx512vnni;
    // The tile kernel's epilogue and A-tail copy are the AVX-512 ones.
    case Isa::kAmx: return f.amx_int8 && isa_supported(Isa::kAvx512Vnni);
    case Isa::kBest: return false;
  }
  return false;
}

Isa best_isa() {
  for (Isa isa : {Isa::kAmx, Isa::kAvx512Vnni, Isa::kAvxVnni, Isa::kAvx2})
    if (isa_supported(isa)) return isa;
  return Isa::kRef;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kRef: return "ref";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvxVnni: return "avxvnni";
    case Isa::kAvx512Vnni: return "avx512vnni";
    case Isa::kAmx: return "amx";
    case Isa::kBest: return "best";
  }
  return "?";
}

bool parse_isa(const std::string& name, Isa* out) {
  for (Isa isa : {Isa::kRef, Isa::kAvx2, Isa::kAvxVnni, Isa::kAvx512Vnni, Isa::kAmx}) {
    if (name == isa_name(isa)) {
      *out = isa;
      return true;
    }
  }
  return false;
}

namespace {
std::string amx_reason(Isa isa) {
  const std::string& note = cpu_features().amx_note;
  return isa == Isa::kAmx && !note.empty() ? " (" + note + ")" : "";
}
}  // namespace

IsaChoice isa_request() {
  const char* env = std::getenv("QINFER_ISA");
  if (!env || !*env) return {best_isa(), ""};
  Isa forced = Isa::kRef;
  if (!parse_isa(env, &forced))
    return {best_isa(), std::string("QINFER_ISA=") + env +
                            " is not one of ref|avx2|avxvnni|avx512vnni|amx and was ignored"};
  if (!isa_supported(forced))
    return {Isa::kRef, std::string("QINFER_ISA=") + env + " but this CPU lacks it" + amx_reason(forced) +
                           ": using the reference"};
  return {forced, ""};
}

IsaChoice resolve_isa(Isa requested) {
  if (requested == Isa::kBest) return isa_request();
  if (!isa_supported(requested))
    return {Isa::kRef, std::string(isa_name(requested)) + " requested but this CPU lacks it" + amx_reason(requested) +
                           ": using the reference"};
  return {requested, ""};
}

}  // namespace qinfer::jit
