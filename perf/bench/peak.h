// Per-core arithmetic peaks measured with JIT loops of independent instructions (no memory
// traffic): the ceilings the kernel benchmarks report their pct_of_peak against.
#pragma once

#include <cstdint>

namespace qinfer::bench {

enum class PeakOp {
  kVpdpbusdZmm,    // int8 MACs: 64 per instruction
  kVpdpbusdYmm,    // int8 MACs: 32 per instruction (EVEX-encoded ymm)
  kVfmadd231psZmm, // fp32 FMAs: 16 per instruction
  kTdpbusd         // int8 MACs: 16 x 16 x 64 per instruction (AMX tiles)
};

// Operations (MACs or FMAs) per second on the calling thread, measured over about `seconds`
// (best of a few runs); 0 when the CPU lacks the instruction or the loop failed to generate.
double measure_peak(PeakOp op, double seconds = 0.2);

}  // namespace qinfer::bench
