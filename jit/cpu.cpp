#include "jit/cpu.h"

#include <cstdlib>

#if defined(__x86_64__) || defined(_M_X64)
#include <xbyak/xbyak_util.h>
#define QINFER_JIT_X86 1
#endif

namespace qinfer::jit {

namespace {
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
    case Isa::kBest: return false;
  }
  return false;
}

Isa best_isa() {
  for (Isa isa : {Isa::kAvx512Vnni, Isa::kAvxVnni, Isa::kAvx2})
    if (isa_supported(isa)) return isa;
  return Isa::kRef;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kRef: return "ref";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvxVnni: return "avxvnni";
    case Isa::kAvx512Vnni: return "avx512vnni";
    case Isa::kBest: return "best";
  }
  return "?";
}

bool parse_isa(const std::string& name, Isa* out) {
  for (Isa isa : {Isa::kRef, Isa::kAvx2, Isa::kAvxVnni, Isa::kAvx512Vnni}) {
    if (name == isa_name(isa)) {
      *out = isa;
      return true;
    }
  }
  return false;
}

IsaChoice isa_request() {
  const char* env = std::getenv("QINFER_ISA");
  if (!env || !*env) return {best_isa(), ""};
  Isa forced = Isa::kRef;
  if (!parse_isa(env, &forced))
    return {best_isa(), std::string("QINFER_ISA=") + env +
                            " is not one of ref|avx2|avxvnni|avx512vnni and was ignored"};
  if (!isa_supported(forced))
    return {Isa::kRef, std::string("QINFER_ISA=") + env + " but this CPU lacks it: using the reference"};
  return {forced, ""};
}

IsaChoice resolve_isa(Isa requested) {
  if (requested == Isa::kBest) return isa_request();
  if (!isa_supported(requested))
    return {Isa::kRef, std::string(isa_name(requested)) + " requested but this CPU lacks it: using the reference"};
  return {requested, ""};
}

}  // namespace qinfer::jit
