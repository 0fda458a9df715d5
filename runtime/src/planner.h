// Shape and memory planning for one set of input shapes: the shape of every tensor, and an
// offset for every run-time tensor in one arena, reusing memory of tensors no longer live.
#pragma once

#include <memory>
#include <vector>

#include "kernels/kernel.h"
#include "model.h"

namespace qinfer {

struct Plan {
  std::vector<Shape> shapes;     // per tensor, logical (ONNX) order
  std::vector<size_t> offsets;   // per tensor: byte offset in the arena (unused for constants)
  size_t scratch_offset = 0;     // kernels' scratch memory (shared: one node runs at a time)
  size_t arena_bytes = 0;
};

Plan make_plan(const Model& model, const std::vector<std::unique_ptr<Kernel>>& kernels,
               const std::vector<Shape>& input_shapes, int threads);

}  // namespace qinfer
