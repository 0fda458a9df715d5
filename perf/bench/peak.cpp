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
constexpr int kTileRepeats = 6;  // x 4 tdpbusd per iteration

class PeakLoop final : public jit::Generator {
 public:
  explicit PeakLoop(PeakOp op) : Generator("qinfer_peak_loop"), op_(op) {}

 private:
  void generate() override {
    using namespace Xbyak;
    preamble();
    const Reg64& count = abi_param1();  // uint64_t iterations
    if (op_ == PeakOp::kTdpbusd) return generate_tiles(count);
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
  // Four independent accumulator tiles (tmm0-3) from two A (tmm4-5) and two B (tmm6-7) tiles,
  // every tile 16 rows x 64 bytes; only register operands, as above.
  void generate_tiles(const Xbyak::Reg64& count) {
    using namespace Xbyak;
    Label config, start, loop;
    jmp(start, T_NEAR);
    align(64);
    L(config);
    uint8_t bytes[64] = {1};
    for (int t = 0; t < 8; ++t) bytes[16 + 2 * t] = 64, bytes[48 + t] = 16;
    for (uint8_t b : bytes) db(b);
    L(start);
    ldtilecfg(ptr[rip + config]);
    for (int t = 0; t < 8; ++t) tilezero(Tmm(t));
    L(loop);
    for (int rep = 0; rep < kTileRepeats; ++rep)
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) tdpbusd(Tmm(2 * i + j), Tmm(4 + i), Tmm(6 + j));
    dec(count);
    jnz(loop, T_NEAR);
    tilerelease();
    postamble();
  }

  PeakOp op_;
};

int ops_per_instruction(PeakOp op) {
  switch (op) {
    case PeakOp::kVpdpbusdZmm: return 64;
    case PeakOp::kVpdpbusdYmm: return 32;
    case PeakOp::kVfmadd231psZmm: return 16;
    case PeakOp::kTdpbusd: return 16 * 16 * 64;
  }
  return 0;
}
}  // namespace

double measure_peak(PeakOp op, double seconds) {
  if (!jit::isa_supported(op == PeakOp::kTdpbusd ? jit::Isa::kAmx : jit::Isa::kAvx512Vnni)) return 0.0;  // EVEX or AMX
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
    const int per_iteration = op == PeakOp::kTdpbusd ? 4 * kTileRepeats : kChains;
    best = std::max(best, static_cast<double>(iterations) * per_iteration * ops_per_instruction(op) / dt);
    if (dt < seconds / 5) iterations = static_cast<uint64_t>(iterations * (seconds / 5) / std::max(dt, 1e-6));
  }
  return best;
}

}  // namespace qinfer::bench
