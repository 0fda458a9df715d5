// Prints the measured int8 MAC peak of one core (see int8_peak.h). The int8 kernel benchmarks
// report their pct_of_peak against this figure.
#include <cstdio>

#include "int8_peak.h"

int main() {
  const qinfer::bench::Int8Peak p = qinfer::bench::measure_int8_peak(1.0);
  if (p.gmacs == 0) {
    std::printf("int8 peak: this CPU has neither AVX-512 VNNI nor AVX2\n");
    return 0;
  }
  std::printf("int8 peak (%s, 1 core): %.1f GMAC/s\n", p.instruction.c_str(), p.gmacs);
  return 0;
}
