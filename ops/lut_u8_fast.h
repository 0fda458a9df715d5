// y[i] = table[x[i]] with AVX-512 VBMI byte permutes (four 64-entry quarters, two vpermi2b and a
// blend on the index's top bit) when the CPU has them, else ref::apply_lut_u8. The same table
// is read either way, so the bytes are identical.
#pragma once

#include <cstdint>

namespace qinfer {

void apply_lut_u8_fast(const uint8_t table[256], const uint8_t* x, uint8_t* y, int64_t begin, int64_t end);
// Which path apply_lut_u8_fast takes on this CPU: "avx512vbmi" or "scalar".
const char* lut_u8_fast_path();

}  // namespace qinfer
