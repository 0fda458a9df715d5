// Data movement on Plain tensors of any dtype: Transpose, Concat, Slice, Gather.
#include <algorithm>
#include <cstring>

#include "kernels/kernel.h"
#include "kernels/node_check.h"
#include "kernels/values.h"
#include "reference/transform.h"

namespace qinfer {

namespace {

void expect_plain_same_dtype(const NodeCheck& check, size_t first, size_t last) {
  const TensorDesc& y = check.output(0);
  check.expect_layout(y, fb::Layout::Plain, "output");
  for (size_t i = first; i < last; ++i) {
    check.expect_dtype(check.input(i), y.dtype, "input");
    check.expect_layout(check.input(i), fb::Layout::Plain, "input");
  }
}

class TransposeKernel : public Kernel {
 public:
  TransposeKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(1, 1, 1);
    expect_plain_same_dtype(check_, 0, 1);
    perm_ = option_ints(check_.options<fb::TransposeOptions>("TransposeOptions")->perm());
    elem_ = dtype_size(check_.output(0).dtype);
  }
  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    const Shape& x = *in[0];
    const std::vector<int64_t> p = perm(x.size());
    std::vector<bool> seen(x.size(), false);
    Shape out;
    for (int64_t a : p) {
      if (a < 0 || a >= static_cast<int64_t>(x.size()) || seen[a])
        check_.fail("perm " + shape_string(p) + " is not a permutation of the dims of " + shape_string(x));
      seen[a] = true;
      out.push_back(x[a]);
    }
    return {out};
  }
  void run(const KernelIO& io, ThreadPool&) const override {
    ref::transpose(*io.input_shapes[0], perm(io.input_shapes[0]->size()), elem_, io.inputs[0], io.outputs[0]);
  }

 private:
  std::vector<int64_t> perm(size_t rank) const {
    if (!perm_.empty()) return perm_;
    std::vector<int64_t> p(rank);
    for (size_t i = 0; i < rank; ++i) p[i] = static_cast<int64_t>(rank - 1 - i);
    return p;
  }
  NodeCheck check_;
  std::vector<int64_t> perm_;
  size_t elem_ = 4;
};

class ConcatKernel : public Kernel {
 public:
  ConcatKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    if (node.inputs.empty()) check_.fail("needs at least one input");
    check_.expect_arity(node.inputs.size(), node.inputs.size(), 1);
    expect_plain_same_dtype(check_, 0, node.inputs.size());
    axis_ = check_.options<fb::AxisOptions>("AxisOptions")->axis();
    elem_ = dtype_size(check_.output(0).dtype);
  }
  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    return {concat_output_shape(check_, in, axis_)};
  }
  void run(const KernelIO& io, ThreadPool&) const override {
    const Shape& y = *io.output_shapes[0];
    const int64_t axis = axis_ < 0 ? axis_ + static_cast<int64_t>(y.size()) : axis_;
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < static_cast<int64_t>(y.size()); ++d) {
      if (d < axis) outer *= y[d];
      if (d > axis) inner *= y[d];
    }
    std::vector<int64_t> chunk;
    for (const Shape* s : io.input_shapes) chunk.push_back((*s)[axis] * inner);
    ref::concat(outer, chunk, io.inputs, elem_, io.outputs[0]);
  }

 private:
  NodeCheck check_;
  int64_t axis_ = 0;
  size_t elem_ = 4;
};

// Slice: starts/ends/axes/steps are inputs known at plan time; run() recomputes the clamped
// starts from the same values.
class SliceKernel : public Kernel {
 public:
  SliceKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(3, 5, 1);
    expect_plain_same_dtype(check_, 0, 1);
    elem_ = dtype_size(check_.output(0).dtype);
  }
  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    return output_shapes(in, std::vector<const void*>(in.size(), nullptr));
  }
  bool needs_value(size_t index) const override { return index >= 1; }  // starts, ends, axes, steps
  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in, const std::vector<const void*>& values) const override {
    Shape out, start, step;
    resolve(in, values, &start, &step, &out);
    return {out};
  }
  void run(const KernelIO& io, ThreadPool&) const override {
    Shape out, start, step;
    resolve(io.input_shapes, io.inputs, &start, &step, &out);
    ref::slice(*io.input_shapes[0], start, step, out, elem_, io.inputs[0], io.outputs[0]);
  }

 private:
  void resolve(const std::vector<const Shape*>& in, const std::vector<const void*>& values, Shape* start, Shape* step,
               Shape* out) const {
    const Shape& x = *in[0];
    const int64_t rank = static_cast<int64_t>(x.size());
    const Shape starts = plan_time_ints(check_, 1, *in[1], values[1], "starts");
    const Shape ends = plan_time_ints(check_, 2, *in[2], values[2], "ends");
    Shape axes, steps;
    if (in.size() > 3 && in[3]) axes = plan_time_ints(check_, 3, *in[3], values[3], "axes");
    if (in.size() > 4 && in[4]) steps = plan_time_ints(check_, 4, *in[4], values[4], "steps");
    if (axes.empty())
      for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
      check_.fail("starts, ends, axes and steps must have the same length");
    *out = x;
    start->assign(x.size(), 0);
    step->assign(x.size(), 1);
    std::vector<bool> seen(x.size(), false);
    for (size_t i = 0; i < starts.size(); ++i) {
      const int64_t a = normalize_axis(check_, axes[i], rank, "axis");
      if (seen[a]) check_.fail("axis " + std::to_string(axes[i]) + " appears twice");
      seen[a] = true;
      const int64_t d = x[a], st = steps[i];
      if (st == 0) check_.fail("step must not be 0");
      // ONNX rules: negative positions count from the end, then clamp into the axis.
      int64_t s = starts[i], e = ends[i];
      if (s < 0) s += d;
      if (e < 0) e += d;
      int64_t count;
      if (st > 0) {
        s = std::min(std::max<int64_t>(s, 0), d);
        e = std::min(std::max<int64_t>(e, 0), d);
        count = e > s ? (e - s - 1) / st + 1 : 0;
      } else {
        s = std::min(std::max<int64_t>(s, 0), d - 1);
        e = std::min(std::max<int64_t>(e, -1), d - 1);
        const int64_t back = st == INT64_MIN ? INT64_MAX : -st;  // -INT64_MIN overflows
        count = s > e ? (s - e - 1) / back + 1 : 0;
      }
      (*start)[a] = count > 0 ? s : 0;
      (*step)[a] = st;
      (*out)[a] = count;
    }
  }
  NodeCheck check_;
  size_t elem_ = 4;
};

class GatherKernel : public Kernel {
 public:
  GatherKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(2, 2, 1);
    expect_plain_same_dtype(check_, 0, 1);
    const DType it = check_.input(1).dtype;
    if (it != DType::Int64 && it != DType::Int32) check_.fail("indices must be int64 or int32");
    int32_indices_ = it == DType::Int32;
    axis_ = check_.options<fb::AxisOptions>("AxisOptions")->axis();
    elem_ = dtype_size(check_.output(0).dtype);
  }
  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    const Shape& x = *in[0];
    const int64_t axis = normalize_axis(check_, axis_, static_cast<int64_t>(x.size()), "axis");
    Shape out(x.begin(), x.begin() + axis);
    out.insert(out.end(), in[1]->begin(), in[1]->end());
    out.insert(out.end(), x.begin() + axis + 1, x.end());
    return {out};
  }
  size_t scratch_bytes(const std::vector<const Shape*>& in, const std::vector<const Shape*>&, int) const override {
    return int32_indices_ ? static_cast<size_t>(element_count(*in[1])) * sizeof(int64_t) : 0;
  }
  void run(const KernelIO& io, ThreadPool&) const override {
    const Shape& x = *io.input_shapes[0];
    const int64_t axis = axis_ < 0 ? axis_ + static_cast<int64_t>(x.size()) : axis_;
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= x[d];
    for (size_t d = static_cast<size_t>(axis) + 1; d < x.size(); ++d) inner *= x[d];
    const int64_t count = element_count(*io.input_shapes[1]);
    const int64_t* idx = static_cast<const int64_t*>(io.inputs[1]);
    if (int32_indices_) {
      auto* wide = static_cast<int64_t*>(io.scratch);
      for (int64_t i = 0; i < count; ++i) wide[i] = static_cast<const int32_t*>(io.inputs[1])[i];
      idx = wide;
    }
    ref::gather(outer, x[axis], inner, idx, count, elem_, io.inputs[0], io.outputs[0]);
  }

 private:
  NodeCheck check_;
  int64_t axis_ = 0;
  bool int32_indices_ = false;
  size_t elem_ = 4;
};

}  // namespace

std::unique_ptr<Kernel> create_transpose_kernel(const Model& m, const NodeDesc& n) { return std::make_unique<TransposeKernel>(m, n); }
std::unique_ptr<Kernel> create_concat_kernel(const Model& m, const NodeDesc& n) { return std::make_unique<ConcatKernel>(m, n); }
std::unique_ptr<Kernel> create_slice_kernel(const Model& m, const NodeDesc& n) { return std::make_unique<SliceKernel>(m, n); }
std::unique_ptr<Kernel> create_gather_kernel(const Model& m, const NodeDesc& n) { return std::make_unique<GatherKernel>(m, n); }

}  // namespace qinfer
