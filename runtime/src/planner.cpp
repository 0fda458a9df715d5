#include "planner.h"

#include <algorithm>
#include <limits>
#include <string>
#include <numeric>

#include "qinfer/error.h"
#include "thread_pool.h"

namespace qinfer {

namespace {
constexpr size_t kAlign = 64;

struct Interval {
  size_t first, last;  // node steps during which the tensor must stay intact (inclusive)
};
bool overlap(const Interval& a, const Interval& b) { return a.first <= b.last && b.first <= a.last; }
}  // namespace

std::vector<Tensor> evaluate_node(const Model& model, const NodeDesc& node, const Kernel& kernel,
                                  const std::vector<const Shape*>& input_shapes, const std::vector<const void*>& values,
                                  const std::vector<Shape>& output_shapes) {
  std::vector<Tensor> outs;
  outs.reserve(node.outputs.size());  // io keeps pointers to their shapes
  KernelIO io;
  io.inputs = values;
  io.input_shapes = input_shapes;
  for (size_t o = 0; o < node.outputs.size(); ++o) {
    outs.emplace_back(model.tensors()[node.outputs[o]].dtype, output_shapes.at(o));
    io.outputs.push_back(outs.back().raw_data());
    io.output_shapes.push_back(&outs.back().shape());
  }
  ThreadPool serial(1);
  std::vector<const Shape*> out_ptrs(io.output_shapes.begin(), io.output_shapes.end());
  const size_t scratch = kernel.scratch_bytes(input_shapes, out_ptrs, 1);
  Tensor scratch_mem(DType::UInt8, {static_cast<int64_t>(scratch)});
  io.scratch = scratch_mem.raw_data();
  kernel.run(io, serial);
  return outs;
}

std::vector<bool> value_inputs(const Model& model, const std::vector<std::unique_ptr<Kernel>>& kernels) {
  const auto& nodes = model.nodes();
  std::vector<bool> needed(model.tensors().size(), false);
  for (size_t n = nodes.size(); n-- > 0;) {  // consumers before producers
    bool outputs_needed = false;
    for (int t : nodes[n].outputs) outputs_needed = outputs_needed || (t >= 0 && needed[t]);
    for (size_t k = 0; k < nodes[n].inputs.size(); ++k) {
      const int t = nodes[n].inputs[k];
      if (t >= 0 && (kernels[n]->needs_value(k) || (outputs_needed && nodes[n].op != fb::OpCode::Shape))) needed[t] = true;
    }
  }
  // Only shape-like inputs qualify: a fixed shape of at most 64 elements and rank <= 1, int32, int64
  // or float32 (Resize's scales, Range's bounds). A data tensor (an image, ...) whose values reach a
  // shape stays an error when planning: planning per distinct image would be a plan per run.
  const auto shape_like = [&](const TensorDesc& t) {
    int64_t count = 1;
    for (int64_t d : t.dims) {
      if (d < 0) return false;
      count *= d;
    }
    if (count > 64) return false;
    return t.dims.size() <= 1 && (t.dtype == DType::Int64 || t.dtype == DType::Int32 || t.dtype == DType::Float32);
  };
  std::vector<bool> out;
  for (int t : model.inputs()) out.push_back(needed[t] && shape_like(model.tensors()[t]));
  return out;
}

Plan make_plan(const Model& model, const std::vector<std::unique_ptr<Kernel>>& kernels,
               const std::vector<Shape>& input_shapes, int threads, size_t max_memory_bytes,
               const std::vector<const Tensor*>& input_values) {
  auto check_memory = [&](size_t bytes, const std::string& what) {
    if (max_memory_bytes != 0 && bytes > max_memory_bytes)
      throw Error(model.source() + ": " + what + " needs " + std::to_string(bytes) +
                  " bytes, more than the memory limit of " + std::to_string(max_memory_bytes) +
                  " bytes (Runtime::Options::max_memory_bytes)");
  };
  const auto& tensors = model.tensors();
  const auto& nodes = model.nodes();
  Plan plan;
  plan.shapes.resize(tensors.size());
  plan.offsets.assign(tensors.size(), 0);
  std::vector<bool> known(tensors.size(), false);
  for (size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].is_constant()) {
      plan.shapes[i] = tensors[i].dims;
      known[i] = true;
    }
  for (size_t i = 0; i < model.inputs().size(); ++i) {
    plan.shapes[model.inputs()[i]] = input_shapes[i];
    known[model.inputs()[i]] = true;
  }

  // Shapes, node by node (the model is topologically ordered); plan-time nodes also run now.
  plan.at_plan_time.assign(nodes.size(), false);
  plan.values.resize(tensors.size());
  for (size_t i = 0; i < input_values.size(); ++i)
    if (input_values[i]) plan.values[model.inputs()[i]] = *input_values[i];
  auto value_of = [&](int t) -> const void* {
    if (t < 0) return nullptr;
    if (tensors[t].is_constant()) return tensors[t].constant;
    return plan.values[t] ? plan.values[t]->raw_data() : nullptr;
  };
  for (size_t n = 0; n < nodes.size(); ++n) {
    std::vector<const Shape*> in;
    std::vector<const void*> values;
    bool all_known = !nodes[n].inputs.empty();
    for (int t : nodes[n].inputs) {
      in.push_back(t >= 0 ? &plan.shapes[t] : nullptr);
      values.push_back(value_of(t));
      if (t >= 0 && !values.back()) all_known = false;
    }
    std::vector<Shape> out = kernels[n]->output_shapes(in, values);
    if (out.size() < nodes[n].outputs.size())
      throw Error(model.source() + ": " + model.describe(nodes[n]) + ": the kernel computed " + std::to_string(out.size()) +
                  " output shapes for " + std::to_string(nodes[n].outputs.size()) + " outputs");
    for (size_t o = 0; o < nodes[n].outputs.size(); ++o) {
      const Shape& s = out[o];
      const int64_t count = element_count(s);  // rejects negative or overflowing shapes
      const int64_t size = dtype_size(tensors[nodes[n].outputs[o]].dtype);
      if (count > std::numeric_limits<int64_t>::max() / size)
        throw Error(model.source() + ": " + model.describe(nodes[n]) + ": output " + std::to_string(o) +
                    " has more bytes than a 64-bit size can hold");
      check_memory(static_cast<size_t>(count * size), model.describe(nodes[n]) + " output " + std::to_string(o));
      plan.shapes[nodes[n].outputs[o]] = s;
      known[nodes[n].outputs[o]] = true;
    }
    if (all_known || nodes[n].op == fb::OpCode::Shape) {
      plan.at_plan_time[n] = true;
      std::vector<const Shape*> out_ptrs;
      for (const Shape& s : out) out_ptrs.push_back(&s);
      check_memory(kernels[n]->scratch_bytes(in, out_ptrs, 1), model.describe(nodes[n]) + " scratch");
      std::vector<Tensor> results = evaluate_node(model, nodes[n], *kernels[n], in, values, out);
      for (size_t o = 0; o < nodes[n].outputs.size(); ++o) plan.values[nodes[n].outputs[o]] = std::move(results[o]);
    }
  }

  // Live intervals in node steps: graph inputs live from step 0, outputs until the end.
  const size_t end = nodes.size();
  std::vector<Interval> live(tensors.size(), Interval{0, 0});
  std::vector<bool> used(tensors.size(), false);
  for (int t : model.inputs()) used[t] = true;
  for (size_t n = 0; n < nodes.size(); ++n) {
    for (int t : nodes[n].outputs) {
      live[t] = {n, n};
      used[t] = true;
    }
    for (int t : nodes[n].inputs)
      if (t >= 0) live[t].last = std::max(live[t].last, n);
  }
  for (int t : model.outputs()) live[t].last = end;

  // Greedy placement, largest first, at the lowest offset free for the whole interval.
  std::vector<size_t> order;
  std::vector<size_t> bytes(tensors.size(), 0);
  std::vector<bool> graph_input(tensors.size(), false);  // read where the caller holds them (runtime.cpp)
  for (int t : model.inputs()) graph_input[t] = true;
  for (size_t t = 0; t < tensors.size(); ++t) {
    if (tensors[t].is_constant() || plan.values[t] || !used[t] || graph_input[t]) continue;
    bytes[t] = (static_cast<size_t>(element_count(plan.shapes[t])) * dtype_size(tensors[t].dtype) + kAlign - 1) /
               kAlign * kAlign;
    order.push_back(t);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return bytes[a] > bytes[b]; });
  // Greedy placement; `centred`: see centred_offset.
  //
  // Threads write their share of every tensor: with rows split in halves (2 threads), thread 0
  // writes the first half of a tensor's bytes. A smaller tensor reusing memory of a larger one
  // would make a thread write lines the other thread's core holds (measured: 200 KB written after
  // the other core wrote them takes 12.5 us, after this core 3.4 us). So with threads, a tensor
  // goes where its midpoint meets the midpoint of one of the largest tensors placed before it,
  // when that place is free for its whole life and needs no more arena than the lowest free
  // offset (ResNet-50 at 2 threads: 0.24 MB of such writes per run instead of 2.3 MB, 3.29 ->
  // 3.25 ms; the arena grows 1.8 -> 2.0 MB). Kept only while the arena stays within 5/4 of the
  // compact placement's.
  constexpr size_t kCentringCandidates = 64;
  auto place = [&](bool centred) {
    std::vector<size_t> placed;
    plan.arena_bytes = 0;
    auto centred_offset = [&](size_t t, size_t lowest, const std::vector<std::pair<size_t, size_t>>& busy) {
      const size_t limit = std::max(plan.arena_bytes, lowest + bytes[t]);
      for (size_t i = 0; i < std::min(placed.size(), kCentringCandidates); ++i) {
        const size_t mid = plan.offsets[placed[i]] + bytes[placed[i]] / 2;
        if (mid < bytes[t] / 2) continue;
        const size_t o = (mid - bytes[t] / 2) / kAlign * kAlign;
        if (o + bytes[t] > limit) continue;
        bool free = true;
        for (const auto& [b, e] : busy) free = free && (o + bytes[t] <= b || e <= o);
        if (free) return o;
      }
      return lowest;
    };
    for (size_t t : order) {
      std::vector<std::pair<size_t, size_t>> busy;  // [begin, end) of conflicting placements
      for (size_t p : placed)
        if (overlap(live[t], live[p])) busy.emplace_back(plan.offsets[p], plan.offsets[p] + bytes[p]);
      std::sort(busy.begin(), busy.end());
      size_t offset = 0;
      for (const auto& [b, e] : busy) {
        if (offset + bytes[t] <= b) break;
        offset = std::max(offset, e);
      }
      if (centred) offset = centred_offset(t, offset, busy);
      if (offset > std::numeric_limits<size_t>::max() / 2 || bytes[t] > std::numeric_limits<size_t>::max() / 2)
        throw Error(model.source() + ": tensor '" + tensors[t].name + "' does not fit in a 64-bit address space");
      plan.offsets[t] = offset;
      plan.arena_bytes = std::max(plan.arena_bytes, offset + bytes[t]);
      placed.push_back(t);
    }
  };
  place(false);
  if (threads > 1) {
    const std::vector<size_t> compact = plan.offsets;
    const size_t compact_bytes = plan.arena_bytes;
    place(true);
    if (plan.arena_bytes > compact_bytes / 4 * 5) plan.offsets = compact, plan.arena_bytes = compact_bytes;
  }

  // Small nodes run on the calling thread alone: handing a microsecond of work to another thread
  // costs more than it saves, and far more when the machine is busy and the other thread has to
  // be scheduled first (measured: MNIST at 2 threads on a loaded machine, 0.06 -> 20 ms, before the
  // caller took over a late worker's chunks). Above these sizes a node is split: its input is then
  // in both cores' caches, as the nodes around it split their rows the same way (MobileNetV2 at 2
  // threads, 7x7 depthwise convs of 420K MACs: 0.009 ms on 1 thread, 0.014 serial after a split
  // node; the model 0.98 -> 0.96 ms with 64K MACs / 4K elements instead of 1M / 64K).
  constexpr int64_t kParallelMacs = 1 << 16, kParallelElements = 1 << 12;
  plan.serial.assign(nodes.size(), true);
  for (size_t n = 0; n < nodes.size(); ++n) {
    if (plan.at_plan_time[n]) continue;
    std::vector<const Shape*> in, out;
    for (int t : nodes[n].inputs) in.push_back(t >= 0 ? &plan.shapes[t] : nullptr);
    // Elements written, or read from other nodes' results (a global pooling reads far more).
    int64_t written = 0, read = 0;
    for (int t : nodes[n].outputs) out.push_back(&plan.shapes[t]), written += element_count(plan.shapes[t]);
    for (int t : nodes[n].inputs)
      if (t >= 0 && !tensors[t].is_constant() && !plan.values[t]) read += element_count(plan.shapes[t]);
    plan.serial[n] = kernels[n]->macs(in, out) < kParallelMacs && std::max(written, read) < kParallelElements;
  }

  // One scratch region after all tensors, as large as the hungriest node needs.
  size_t scratch = 0;
  for (size_t n = 0; n < nodes.size(); ++n) {
    if (plan.at_plan_time[n]) continue;
    std::vector<const Shape*> in, out;
    for (int t : nodes[n].inputs) in.push_back(t >= 0 ? &plan.shapes[t] : nullptr);
    for (int t : nodes[n].outputs) out.push_back(&plan.shapes[t]);
    scratch = std::max(scratch, kernels[n]->scratch_bytes(in, out, threads));
  }
  plan.scratch_offset = (plan.arena_bytes + kAlign - 1) / kAlign * kAlign;
  plan.arena_bytes = plan.scratch_offset + (scratch + kAlign - 1) / kAlign * kAlign;
  check_memory(plan.arena_bytes, "the working memory of one run (activations and scratch)");
  return plan;
}

}  // namespace qinfer
