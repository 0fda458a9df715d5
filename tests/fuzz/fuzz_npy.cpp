// Fuzzes the .npy parser.
#include <cstddef>
#include <cstdint>

#include "qinfer/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    qinfer::parse_npy(data, size, "<fuzz>");
  } catch (const qinfer::Error&) {
  }
  return 0;
}
