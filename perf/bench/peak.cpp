#include "peak.h"

#include <algorithm>

#include "jit/cpu.h"
#include "jit/generator.h"
#include "thread_clock.h"

namespace qinfer::bench {

namespace {
// for (i = iterations; i; --i) { kChains independent accumulations } — enough chains to cover
// latency x throughput of any current core (4-5 cycles x 2 per cycle).
constexpr int kChains = 24;

class PeakLoop final : public jit::Generator {
 public:
  explicit PeakLoop(PeakOp op) : Generator("qinfer_peak_loop"), op_(op) {}

 private:
  void generate() override {
    using namespace Xbyak;
    preamble();
    const Reg64& count = abi_param1();  // uint64_t iterations
    for (int i = 0; i < kChains; ++i) vpxord(Zmm(i), Zmm(i), Zmm(i));
    vpternlogd(zmm30, zmm30, zmm30, 0xFF);  // all ones: nonzero inputs
    vpternlogd(zmm31, zmm31, zmm31, 0xFF);
    Label loop;
    L(loop);
    for (int i = 0; i < kChains; ++i) {
      switch (op_) {
        case PeakOp::kVpdpbusdZmm: vpdpbusd(Zmm(i), zmm30, zmm31); break;
        case PeakOp::kVpdpbusdYmm: vpdpbusd(Ymm(i), ymm30, ymm31, EvexEncoding); break;
        case PeakOp::kVfmadd231psZmm: vfmadd231ps(Zmm(i), zmm30, zmm31); break;
      }
    }
    dec(count);
    jnz(loop, T_NEAR);
    postamble();
  }
  PeakOp op_;
};

int ops_per_instruction(PeakOp op) {
  switch (op) {
    case PeakOp::kVpdpbusdZmm: return 64;
    case PeakOp::kVpdpbusdYmm: return 32;
    case PeakOp::kVfmadd231psZmm: return 16;
  }
  return 0;
}
}  // namespace

double measure_peak(PeakOp op, double seconds) {
  if (!jit::isa_supported(jit::Isa::kAvx512Vnni)) return 0.0;  // every loop here is EVEX (AVX-512)
  std::string error;
  auto loop = jit::make_generated<PeakLoop>(&error, op);
  if (!loop) return 0.0;
  auto fn = loop->entry<void (*)(uint64_t)>();
  fn(1000);  // warm up: frequency, code in cache
  uint64_t iterations = 10000;
  double best = 0.0;
  for (int run = 0; run < 5; ++run) {
    const double t0 = thread_cpu_seconds();
    fn(iterations);
    const double dt = thread_cpu_seconds() - t0;
    best = std::max(best, static_cast<double>(iterations) * kChains * ops_per_instruction(op) / dt);
    if (dt < seconds / 5) iterations = static_cast<uint64_t>(iterations * (seconds / 5) / std::max(dt, 1e-6));
  }
  return best;
}

}  // namespace qinfer::bench
