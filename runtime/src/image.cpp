#include "qinfer/image.h"

#include <stb/stb_image.h>

#include <cstring>
#include <limits>

#include "file_util.h"

namespace qinfer {

namespace {
constexpr int kMaxSide = 16384;  // refuse absurd sizes before allocating

// Only PNG and JPEG reach stb_image: its other decoders are less hardened (fuzz_image found a
// 16-byte 16-bit PNM header that makes Debian's stb read out of bounds), and nothing here needs them.
bool png_or_jpeg(const unsigned char* b, size_t size) {
  static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (size >= sizeof png && std::memcmp(b, png, sizeof png) == 0) return true;
  return size >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff;
}
}  // namespace

Image decode_image(const void* data, size_t size, const std::string& what, int channels) {
  if (channels < 0 || channels > 4) throw Error(what + ": channels must be 0..4, got " + std::to_string(channels));
  if (size > static_cast<size_t>(std::numeric_limits<int>::max())) throw Error(what + ": file too large to decode");
  const auto* bytes = static_cast<const stbi_uc*>(data);
  if (!png_or_jpeg(bytes, size)) throw Error(what + ": not a readable image (not a PNG or JPEG file; only those two formats are read)");
  int w = 0, h = 0, c = 0;
  if (!stbi_info_from_memory(bytes, static_cast<int>(size), &w, &h, &c))
    throw Error(what + ": not a readable image (" + (stbi_failure_reason() ? stbi_failure_reason() : "unknown format") + ")");
  if (w <= 0 || h <= 0 || w > kMaxSide || h > kMaxSide)
    throw Error(what + ": image size " + std::to_string(w) + "x" + std::to_string(h) + " is outside 1.." + std::to_string(kMaxSide));
  stbi_uc* decoded = stbi_load_from_memory(bytes, static_cast<int>(size), &w, &h, &c, channels);
  if (!decoded) throw Error(what + ": cannot decode image (" + (stbi_failure_reason() ? stbi_failure_reason() : "corrupt data") + ")");
  Image image;
  image.height = h;
  image.width = w;
  image.channels = channels ? channels : c;
  image.pixels.assign(decoded, decoded + static_cast<size_t>(w) * h * image.channels);
  stbi_image_free(decoded);
  return image;
}

Image read_image(const std::string& path, int channels) {
  const std::vector<char> bytes = read_file_bytes(path);
  return decode_image(bytes.data(), bytes.size(), path, channels);
}

}  // namespace qinfer
