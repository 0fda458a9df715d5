#include "jit/gemm_qu8s8_config.h"

#include <cstring>

namespace qinfer::jit {

void GemmQu8s8Config::default_tile(Isa isa, int* mr, int* nr) {
  switch (isa) {
    case Isa::kAvx512Vnni: *mr = 8, *nr = 32; return;
    case Isa::kAmx: *mr = 32, *nr = 32; return;  // 2 x 2 tiles of 16 x 16 int32
    case Isa::kAvxVnni: *mr = 6, *nr = 16; return;
    case Isa::kAvx2: *mr = 4, *nr = 16; return;
    default: *mr = 1, *nr = 1; return;
  }
}

void GemmQu8s8Config::tile_for(Isa isa, int64_t n, int* mr, int* nr) {
  default_tile(isa, mr, nr);
  // Measured on an Intel Xeon with AVX-512 VNNI (perf/RESULTS.md, 2026-11-23): 1024^3 GEMM 90% of
  // the vpdpbusd peak with 6 x 64 vs 84% with 8 x 32, ResNet-50 int8 about 4% faster; MobileNetV2
  // and PP-OCRv4 det (many N not multiples of 64) measured equal or slower, so only whole 64-panels.
  if (isa == Isa::kAvx512Vnni && n > 0 && n % 64 == 0) *mr = 6, *nr = 64;
}

namespace {
// Vector registers a tile needs; must match the register maps of the generators.
//   VNNI: MR*V accumulators, V weight vectors, 2 broadcast A registers; the epilogue needs 4
//         registers after the accumulators (bounds, zero point, scratch).
//   AMX:  2 x 2 accumulator tiles at most (16 rows x 16 channels each) with 2 A and 2 weight tiles;
//         the epilogue reloads 8 rows at a time into zmm registers.
//   AVX2: MR*V accumulators, 2V weight vectors (even/odd), A even/odd, product scratch, and the
//         0x00FF mask in the last register, which the epilogue's 4 registers must not reach.
bool tile_fits(Isa isa, int mr, int v) {
  const int acc = mr * v;
  switch (isa) {
    case Isa::kAvx512Vnni: return acc + v + 2 <= 32 && acc + 4 <= 32;
    case Isa::kAvxVnni: return acc + v + 2 <= 16 && acc + 4 <= 16;
    case Isa::kAvx2: return acc + 2 * v + 4 <= 16 && acc + 4 <= 15;
    case Isa::kAmx: return mr <= 32 && v <= 2;
    default: return false;
  }
}
}  // namespace

GemmQu8s8Config GemmQu8s8Config::init(Isa isa, int mr, int nr, int64_t k, int64_t n, bool vnni_evex,
                                      std::string* error) {
  GemmQu8s8Config c;
  c.isa = isa, c.mr = mr, c.nr = nr, c.k = k, c.vnni_evex = vnni_evex && isa == Isa::kAvxVnni;
  c.n_tail = nr > 0 ? static_cast<int>(n % nr) : 0;
  error->clear();
  if (isa != Isa::kAvx2 && isa != Isa::kAvxVnni && isa != Isa::kAvx512Vnni && isa != Isa::kAmx)
    *error = std::string("no JIT GEMM for ISA ") + isa_name(isa);
  else if (mr < 1 || mr > kGemmMaxMr)
    *error = "mr " + std::to_string(mr) + " outside 1.." + std::to_string(kGemmMaxMr);
  else if (nr <= 0 || nr % c.lanes() != 0 || nr > 4 * c.lanes())
    *error = "nr " + std::to_string(nr) + " is not 1..4 vectors of " + std::to_string(c.lanes()) + " lanes";
  else if (!tile_fits(isa, mr, c.vectors()))
    *error = "tile " + std::to_string(mr) + "x" + std::to_string(nr) + " needs more registers than " +
             isa_name(isa) + " has";
  else if (k < 0 || n < 0)
    *error = "negative K or N";
  return c;
}

bool GemmQu8s8Config::pack_clamp_fits() const {
  const int epilogue_vregs = residual ? 7 : 5;
  switch (isa) {
    case Isa::kAvx512Vnni: return mr * vectors() + epilogue_vregs <= 32;
    case Isa::kAmx: return 8 * vectors() + epilogue_vregs <= 32;  // its epilogue holds 8 rows at a time
    case Isa::kAvxVnni:
    case Isa::kAvx2: return !residual;  // the same 4 registers as the float clamp epilogue
    default: return false;
  }
}

std::string GemmQu8s8Config::kernel_name() const {
  const char* kind = layout() == WeightLayout::kC4Xw16 ? "qu8s8_gemm_xw_minmax_fp32_" : "qu8s8_gemm_minmax_fp32_";
  std::string name = kind + std::string(residual ? "addqu8_" : "") + std::to_string(mr) + "x" + std::to_string(nr) +
                     "c4__" + isa_name(isa);
  if (vnni_evex) name += "_evex";
  return name;
}

std::string GemmQu8s8Config::code_name() const {
  return kernel_name() + "_k" + std::to_string(k) + "_nt" + std::to_string(n_tail) + (pack_clamp ? "_pc" : "");
}

void pack_gemm_qu8s8_weights(const GemmQu8s8Config& cfg, const int8_t* b, const int32_t* bias,
                             const float* multiplier, int64_t n, int32_t a_zero_point, uint8_t* out) {
  const int64_t k = cfg.k, nr = cfg.nr;
  const int64_t panels = (n + nr - 1) / nr;
  for (int64_t p = 0; p < panels; ++p) {
    uint8_t* panel = out + p * cfg.panel_bytes();
    int32_t* bias_out = reinterpret_cast<int32_t*>(panel);
    float* mult_out = reinterpret_cast<float*>(panel + 4 * nr);
    uint8_t* groups = panel + cfg.header_bytes();
    for (int64_t j = 0; j < nr && p * nr + j < n; ++j) {
      const int64_t ch = p * nr + j;
      const int8_t* row = b + ch * k;
      // Folding in 64 bits and wrapping to int32 equals the reference's int32 sums modulo 2^32.
      int64_t sum = 0;
      for (int64_t kk = 0; kk < k; ++kk) sum += row[kk];
      const int64_t folded = (bias ? int64_t{bias[ch]} : 0) - int64_t{a_zero_point} * sum;
      bias_out[j] = static_cast<int32_t>(static_cast<uint32_t>(folded));
      mult_out[j] = multiplier[ch];
      for (int64_t kk = 0; kk < k; ++kk) {
        const int64_t g = kk / 4, i = kk % 4;
        if (cfg.layout() == WeightLayout::kC4) {
          groups[g * cfg.group_bytes() + j * 4 + i] = static_cast<uint8_t>(row[kk]);
        } else {
          const int16_t v = row[kk];
          const int64_t off = g * cfg.group_bytes() + (j / 8) * 64 + (i % 2) * 32 + (j % 8) * 4 + (i / 2) * 2;
          std::memcpy(groups + off, &v, sizeof(v));
        }
      }
    }
  }
}

}  // namespace qinfer::jit
