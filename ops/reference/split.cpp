#include "reference/split.h"

#include <cstring>

namespace qinfer::ref {

void split(int64_t outer, const std::vector<int64_t>& chunk, const void* x, const std::vector<void*>& outputs,
           size_t elem) {
  const auto* src = static_cast<const uint8_t*>(x);
  for (int64_t o = 0; o < outer; ++o)
    for (size_t j = 0; j < outputs.size(); ++j) {
      const size_t bytes = static_cast<size_t>(chunk[j]) * elem;
      if (bytes) std::memcpy(static_cast<uint8_t*>(outputs[j]) + o * bytes, src, bytes);
      src += bytes;
    }
}

}  // namespace qinfer::ref
