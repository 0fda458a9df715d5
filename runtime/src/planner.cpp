#include "planner.h"

#include <algorithm>
#include <numeric>

#include "qinfer/error.h"

namespace qinfer {

namespace {
constexpr size_t kAlign = 64;

struct Interval {
  size_t first, last;  // node steps during which the tensor must stay intact (inclusive)
};
bool overlap(const Interval& a, const Interval& b) { return a.first <= b.last && b.first <= a.last; }
}  // namespace

Plan make_plan(const Model& model, const std::vector<std::unique_ptr<Kernel>>& kernels,
               const std::vector<Shape>& input_shapes, int threads) {
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

  // Shapes, node by node (the model is topologically ordered).
  for (size_t n = 0; n < nodes.size(); ++n) {
    std::vector<const Shape*> in;
    for (int t : nodes[n].inputs) in.push_back(t >= 0 ? &plan.shapes[t] : nullptr);
    std::vector<Shape> out = kernels[n]->output_shapes(in);
    for (size_t o = 0; o < nodes[n].outputs.size(); ++o) {
      const Shape& s = out.at(o);
      element_count(s);  // rejects negative or overflowing shapes
      plan.shapes[nodes[n].outputs[o]] = s;
      known[nodes[n].outputs[o]] = true;
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
  for (size_t t = 0; t < tensors.size(); ++t) {
    if (tensors[t].is_constant() || !used[t]) continue;
    bytes[t] = (static_cast<size_t>(element_count(plan.shapes[t])) * dtype_size(tensors[t].dtype) + kAlign - 1) /
               kAlign * kAlign;
    order.push_back(t);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return bytes[a] > bytes[b]; });
  std::vector<size_t> placed;
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
    plan.offsets[t] = offset;
    plan.arena_bytes = std::max(plan.arena_bytes, offset + bytes[t]);
    placed.push_back(t);
  }

  // One scratch region after all tensors, as large as the hungriest node needs.
  size_t scratch = 0;
  for (size_t n = 0; n < nodes.size(); ++n) {
    std::vector<const Shape*> in, out;
    for (int t : nodes[n].inputs) in.push_back(t >= 0 ? &plan.shapes[t] : nullptr);
    for (int t : nodes[n].outputs) out.push_back(&plan.shapes[t]);
    scratch = std::max(scratch, kernels[n]->scratch_bytes(in, out, threads));
  }
  plan.scratch_offset = (plan.arena_bytes + kAlign - 1) / kAlign * kAlign;
  plan.arena_bytes = plan.scratch_offset + (scratch + kAlign - 1) / kAlign * kAlign;
  return plan;
}

}  // namespace qinfer
