// Decoding PNG and JPEG files to 8-bit pixels (library qinfer_image, separate from the runtime so
// deployments that get pixels from a camera do not carry a decoder).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "qinfer/error.h"

namespace qinfer {

// 8-bit pixels, row-major HWC, channels interleaved (RGB order for colour images).
struct Image {
  int height = 0, width = 0, channels = 0;
  std::vector<uint8_t> pixels;
};

// Decodes a PNG or JPEG (other formats are refused) into `channels` channels (3 = RGB, 1 = gray; 0 =
// as stored). Throws Error naming the file and the reason; images above 16384 pixels on a side
// are refused before decoding.
Image read_image(const std::string& path, int channels = 3);
Image decode_image(const void* data, size_t size, const std::string& what, int channels = 3);

}  // namespace qinfer
