// Shape and memory planning for one set of input shapes: the shape of every tensor, and an
// offset for every run-time tensor in one arena, reusing memory of tensors no longer live.
//
// Plan-time values: a node whose every input value is known without running the model
// (constants, or results of other such nodes), and every Shape node, is evaluated once while
// planning; its outputs live in the Plan, run() skips the node. This is how shape-computing
// subgraphs (Shape -> Gather -> Concat -> Reshape) cost nothing per run, and how kernels whose
// output shapes depend on input values (Reshape, Slice, Resize) get those values.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "kernels/kernel.h"
#include "model.h"

namespace qinfer {

struct Plan {
  std::vector<Shape> shapes;     // per tensor, logical (ONNX order)
  std::vector<size_t> offsets;   // per tensor: byte offset in the arena (unused for constants and graph inputs)
  size_t scratch_offset = 0;     // kernels' scratch memory (shared: one node runs at a time)
  size_t arena_bytes = 0;
  std::vector<bool> at_plan_time;             // per node: evaluated while planning, skipped by run()
  std::vector<bool> serial;                   // per node: too little work to share between threads
  std::vector<std::optional<Tensor>> values;  // per tensor: outputs of plan-time nodes
};

// input_values: per graph input, its data when the plan depends on it (value inputs, runtime.cpp),
// else nullptr; empty: none. Those inputs become plan-time values like constants.
Plan make_plan(const Model& model, const std::vector<std::unique_ptr<Kernel>>& kernels,
               const std::vector<Shape>& input_shapes, int threads, size_t max_memory_bytes = 0,
               const std::vector<const Tensor*>& input_values = {});

// Per graph input: whether some kernel needs its values to plan (directly, or through nodes that
// compute such a value; Shape nodes need only shapes) and it is shape-like (a fixed-size int32,
// int64 or float32 vector of at most 64 values; planner.cpp).
std::vector<bool> value_inputs(const Model& model, const std::vector<std::unique_ptr<Kernel>>& kernels);

// Runs one node on known input values (nullptr for absent inputs) and returns its outputs, with
// the given output shapes and the model's output dtypes. Used for plan-time values and by the
// converter's constant folding (one executor for both).
std::vector<Tensor> evaluate_node(const Model& model, const NodeDesc& node, const Kernel& kernel,
                                  const std::vector<const Shape*>& input_shapes, const std::vector<const void*>& values,
                                  const std::vector<Shape>& output_shapes);

}  // namespace qinfer
