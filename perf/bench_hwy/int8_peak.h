// Measured int8 multiply-accumulate peak of one core: the denominator of pct_of_peak for int8
// kernels. On x86 with AVX-512 VNNI it times a JIT loop (xbyak) of independent vpdpbusd zmm, each
// 64 u8 x s8 MACs; with only AVX2 a loop of vpmaddubsw+vpaddd-free vpmaddwd ymm (16 i16 MACs).
#pragma once

#include <string>

namespace qinfer::bench {

struct Int8Peak {
  double gmacs = 0;         // billions of int8 MACs per second, best of repeated runs
  std::string instruction;  // what was timed, e.g. "vpdpbusd zmm"
};
// Runs for about `seconds`; gmacs is 0 when the CPU has none of the timed instructions.
Int8Peak measure_int8_peak(double seconds);

}  // namespace qinfer::bench
