// x86 CPU features the JIT kernels need, and the instruction-set variants they come in.
// Portable header (no Xbyak): on other architectures every x86 feature reads as absent.
#pragma once

#include <string>

namespace qinfer::jit {

// Kernel variants by instruction set, weakest first. kBest is a request, never a result: the
// strongest variant this CPU runs (or the one QINFER_ISA names, see isa_request()).
enum class Isa : int { kRef, kAvx2, kAvxVnni, kAvx512Vnni, kAmx, kBest };

struct CpuFeatures {
  bool avx2 = false;         // with FMA-free AVX2 integer ops; OS saves ymm state
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512vnni = false;  // OS saves zmm/k state
  bool avx_vnni = false;     // VEX-encoded vpdpbusd on ymm (Alder Lake and later)
  // AMX tiles with int8 dot products (Sapphire Rapids and later): the CPU has them, the OS saves
  // their state (XCR0 bits 17-18), and Linux granted this process the tile data (arch_prctl
  // ARCH_REQ_XCOMP_PERM, requested once at detection; refused e.g. when a thread's signal stack is
  // too small for the larger signal frame).
  bool amx_int8 = false;
  std::string amx_note;      // why AMX is absent although the CPU lists it ("" otherwise)
};

// Detected once (CPUID + XGETBV), then cached.
const CpuFeatures& cpu_features();

// Whether this CPU can run kernels of `isa` (kRef always; kBest never: it is not a variant).
bool isa_supported(Isa isa);
// The strongest supported variant.
Isa best_isa();

// "ref", "avx2", "avxvnni", "avx512vnni", "amx" ("best" for kBest): the spelling QINFER_ISA uses.
const char* isa_name(Isa isa);
// Parses one of the names above; false for anything else (out untouched).
bool parse_isa(const std::string& name, Isa* out);

// What a kBest request resolves to. QINFER_ISA=ref|avx2|avxvnni|avx512vnni|amx forces a variant; a
// forced variant the CPU lacks resolves to kRef, and `note` says so (also for an unknown value,
// which is ignored). Without QINFER_ISA: best_isa(), empty note. Reads the environment each call.
struct IsaChoice {
  Isa isa = Isa::kRef;
  std::string note;  // empty unless the request could not be honoured as given
};
IsaChoice isa_request();
// Resolves an explicit request: kBest -> isa_request(); a supported variant -> itself; an
// unsupported one -> kRef with a note naming it.
IsaChoice resolve_isa(Isa requested);

}  // namespace qinfer::jit
