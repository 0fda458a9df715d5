#include "int8_peak.h"

#include <xbyak/xbyak.h>
#include <xbyak/xbyak_util.h>

#include <algorithm>

#include "fma_peak.h"

namespace qinfer::bench {

namespace {

// loop(iterations): kAccumulators independent dot products per iteration, so the loop is bound
// by the multiply-add throughput, not by latency.
class PeakLoop : public Xbyak::CodeGenerator {
 public:
  static constexpr int kAccumulators = 24;
  PeakLoop(bool vnni512) {
    using namespace Xbyak;
    const Reg64 iterations = rdi;  // SysV first argument
    for (int i = 0; i < kAccumulators; ++i) vnni512 ? vpxord(Zmm(i), Zmm(i), Zmm(i)) : vpxor(Ymm(i % 14), Ymm(i % 14), Ymm(i % 14));
    Label top;
    L(top);
    for (int i = 0; i < kAccumulators; ++i) {
      if (vnni512) vpdpbusd(Zmm(i), Zmm(30), Zmm(31));
      else vpmaddwd(Ymm(i % 14), Ymm(14), Ymm(15));  // AVX2: 16 i16 MACs, the exact path
    }
    dec(iterations);
    jnz(top);
    vzeroupper();
    ret();
  }
};

}  // namespace

Int8Peak measure_int8_peak(double seconds) {
  Xbyak::util::Cpu cpu;
  const bool vnni512 = cpu.has(Xbyak::util::Cpu::tAVX512_VNNI);
  if (!vnni512 && !cpu.has(Xbyak::util::Cpu::tAVX2)) return {};
  PeakLoop loop(vnni512);
  auto fn = loop.getCode<void (*)(long)>();
  const double macs_per_instruction = vnni512 ? 64.0 : 16.0;
  const long iterations = 2'000'000;
  Int8Peak best{0.0, vnni512 ? "vpdpbusd zmm" : "vpmaddwd ymm"};
  const double end = thread_cpu_seconds() + seconds;
  while (thread_cpu_seconds() < end) {
    const double t0 = thread_cpu_seconds();
    fn(iterations);
    const double t = thread_cpu_seconds() - t0;
    if (t > 0)
      best.gmacs = std::max(best.gmacs, iterations * PeakLoop::kAccumulators * macs_per_instruction / t / 1e9);
  }
  return best;
}

}  // namespace qinfer::bench
