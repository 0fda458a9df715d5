// Fuzzes image decoding (PNG/JPEG/... through stb_image behind qinfer::decode_image).
#include <cstddef>
#include <cstdint>

#include "qinfer/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    qinfer::decode_image(data, size, "<fuzz>", 3);
  } catch (const qinfer::Error&) {
  }
  return 0;
}
