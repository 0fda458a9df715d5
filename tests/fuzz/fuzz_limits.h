// What the qbin fuzz target (and its regression test) will run after a model loads. Loading
// and planning are always exercised; running is skipped for legal but expensive geometry: a
// pool or conv window, pad or dilation above kMaxGeometry makes a tiny input cost minutes
// (e.g. a 500x500 MaxPool over a map that padding made 600x600), which is the caller's choice
// in a real deployment and a timeout, not a bug, for the fuzzer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "qinfer_schema/qbin_generated.h"

namespace qinfer::fuzz {

constexpr int32_t kMaxGeometry = 16;
constexpr size_t kMaxMemoryBytes = size_t{16} << 20;  // Runtime::Options::max_memory_bytes
constexpr int64_t kMaxInputElements = int64_t{1} << 16;

inline bool small(const flatbuffers::Vector<int32_t>* v) {
  if (v)
    for (int32_t x : *v)
      if (x > kMaxGeometry) return false;
  return true;
}

// `data` must already have passed Runtime's loader (verified flatbuffer).
inline bool cheap_geometry(const uint8_t* data) {
  const fb::Model* m = fb::GetSizePrefixedModel(data);
  if (!m->nodes()) return true;
  for (const fb::Node* n : *m->nodes()) {
    if (const auto* c = n->options_as_ConvOptions())
      if (!small(c->kernel()) || !small(c->pads()) || !small(c->dilations())) return false;
    if (const auto* p = n->options_as_PoolOptions())
      if (!small(p->kernel()) || !small(p->pads()) || !small(p->dilations())) return false;
  }
  return true;
}

}  // namespace qinfer::fuzz
