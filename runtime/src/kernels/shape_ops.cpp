// Ops about shapes: Shape, Reshape, Squeeze, Unsqueeze (data is copied unchanged), and the
// generators ConstantOfShape and Range. Values they need (Reshape's shape, Range's bounds)
// come from plan time (planner.h).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/kernel.h"
#include "kernels/node_check.h"
#include "kernels/values.h"

namespace qinfer {

namespace {

// Ops that keep the data and change only the shape.
class CopyKernelBase : public Kernel {
 public:
  CopyKernelBase(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    const TensorDesc& x = check_.input(0);
    check_.expect_dtype(check_.output(0), x.dtype, "output");
    check_.expect_layout(x, fb::Layout::Plain, "input");
    check_.expect_layout(check_.output(0), fb::Layout::Plain, "output");
    elem_ = dtype_size(x.dtype);
  }
  void run(const KernelIO& io, ThreadPool&) const override {
    const size_t bytes = static_cast<size_t>(element_count(*io.input_shapes[0])) * elem_;
    if (bytes) std::memmove(io.outputs[0], io.inputs[0], bytes);
  }

 protected:
  NodeCheck check_;
  size_t elem_ = 4;
};

class ReshapeKernel : public CopyKernelBase {
 public:
  ReshapeKernel(const Model& model, const NodeDesc& node) : CopyKernelBase(model, node) {
    check_.expect_arity(2, 2, 1);
    allowzero_ = check_.options<fb::ReshapeOptions>("ReshapeOptions")->allowzero();
  }
  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    return output_shapes(in, std::vector<const void*>(in.size(), nullptr));
  }
  bool needs_value(size_t index) const override { return index == 1; }
  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in, const std::vector<const void*>& values) const override {
    const Shape& x = *in[0];
    if (in[1]->size() != 1) check_.fail("shape input must be 1-D, got " + shape_string(*in[1]));
    Shape out = plan_time_ints(check_, 1, *in[1], values[1], "shape");
    int64_t known = 1, infer = -1;
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i] == 0 && !allowzero_) {
        if (i >= x.size()) check_.fail("shape " + shape_string(out) + " copies dim " + std::to_string(i) + " of input " + shape_string(x));
        out[i] = x[i];
      }
      if (out[i] == -1) {
        if (infer >= 0) check_.fail("shape " + shape_string(out) + " has more than one -1");
        infer = static_cast<int64_t>(i);
        continue;
      }
      if (out[i] < 0) check_.fail("shape " + shape_string(out) + " has a negative dim");
      if (out[i] != 0 && known > (int64_t{1} << 62) / out[i]) check_.fail("shape " + shape_string(out) + " is too large");
      known *= out[i];
    }
    const int64_t total = element_count(x);
    if (infer >= 0) {
      if (known == 0 || total % known != 0)
        check_.fail("cannot reshape " + shape_string(x) + " to " + shape_string(out) + " (-1 does not divide evenly)");
      out[infer] = total / known;
    } else if (known != total) {
      check_.fail("cannot reshape " + shape_string(x) + " (" + std::to_string(total) + " elements) to " + shape_string(out));
    }
    return {out};
  }

 private:
  bool allowzero_ = false;
};

class SqueezeKernel : public CopyKernelBase {
 public:
  SqueezeKernel(const Model& model, const NodeDesc& node) : CopyKernelBase(model, node) {
    check_.expect_arity(1, 1, 1);
    axes_ = option_ints(check_.options<fb::AxesOptions>("AxesOptions")->axes());
    unsqueeze_ = node.op == fb::OpCode::Unsqueeze;
  }
  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    const Shape& x = *in[0];
    const int64_t out_rank = static_cast<int64_t>(x.size()) + (unsqueeze_ ? static_cast<int64_t>(axes_.size()) : 0);
    std::vector<bool> marked(static_cast<size_t>(unsqueeze_ ? out_rank : x.size()), false);
    for (int64_t a : axes_) {
      const int64_t ax = normalize_axis(check_, a, static_cast<int64_t>(marked.size()), "axis");
      if (marked[ax]) check_.fail("axis " + std::to_string(a) + " appears twice");
      marked[ax] = true;
    }
    Shape out;
    if (unsqueeze_) {
      size_t next = 0;
      for (int64_t d = 0; d < out_rank; ++d) out.push_back(marked[d] ? 1 : x[next++]);
      return {out};
    }
    for (size_t d = 0; d < x.size(); ++d) {
      const bool drop = axes_.empty() ? x[d] == 1 : marked[d];
      if (drop && x[d] != 1) check_.fail("cannot squeeze dim " + std::to_string(d) + " of " + shape_string(x) + " (size is not 1)");
      if (!drop) out.push_back(x[d]);
    }
    return {out};
  }

 private:
  std::vector<int64_t> axes_;
  bool unsqueeze_ = false;
};

class ShapeKernel : public Kernel {
 public:
  ShapeKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(1, 1, 1);
    check_.expect_dtype(check_.output(0), DType::Int64, "output");
    const fb::ShapeOptions* o = node.fb->options_as<fb::ShapeOptions>();
    if (o) start_ = o->start(), end_ = o->end();
  }
  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    const auto [b, e] = range(static_cast<int64_t>(in[0]->size()));
    return {Shape{e - b}};
  }
  void run(const KernelIO& io, ThreadPool&) const override {
    const Shape& x = *io.input_shapes[0];
    const auto [b, e] = range(static_cast<int64_t>(x.size()));
    std::copy(x.begin() + b, x.begin() + e, static_cast<int64_t*>(io.outputs[0]));
  }

 private:
  std::pair<int64_t, int64_t> range(int64_t rank) const {
    auto clampi = [&](int64_t v) { return std::min(std::max(v < 0 ? v + rank : v, int64_t{0}), rank); };
    const int64_t b = clampi(start_), e = clampi(end_);
    return {b, std::max(b, e)};
  }
  NodeCheck check_;
  int64_t start_ = 0, end_ = INT32_MAX;
};

class ConstantOfShapeKernel : public Kernel {
 public:
  ConstantOfShapeKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(1, 1, 1);
    const fb::ConstantOfShapeOptions* o = check_.options<fb::ConstantOfShapeOptions>("ConstantOfShapeOptions");
    const TensorDesc& y = check_.output(0);
    check_.expect_layout(y, fb::Layout::Plain, "output");
    dtype_ = y.dtype;
    if (dtype_ == DType::Float32) {
      const float f = o->float_value();
      std::memcpy(&bits_, &f, sizeof f);
    } else {
      const int64_t v = o->int_value();
      ref::cast(ref::Elem::I64, &v, elem_of(dtype_), &bits_, 1);
    }
  }
  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    return output_shapes(in, std::vector<const void*>(in.size(), nullptr));
  }
  bool needs_value(size_t index) const override { return index == 0; }
  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in, const std::vector<const void*>& values) const override {
    if (in[0]->size() != 1) check_.fail("shape input must be 1-D, got " + shape_string(*in[0]));
    Shape out = plan_time_ints(check_, 0, *in[0], values[0], "shape");
    for (int64_t d : out)
      if (d < 0) check_.fail("shape " + shape_string(out) + " has a negative dim");
    return {out};
  }
  void run(const KernelIO& io, ThreadPool&) const override {
    const size_t elem = dtype_size(dtype_);
    const int64_t n = element_count(*io.output_shapes[0]);
    auto* y = static_cast<uint8_t*>(io.outputs[0]);
    for (int64_t i = 0; i < n; ++i) std::memcpy(y + i * elem, &bits_, elem);
  }

 private:
  NodeCheck check_;
  DType dtype_ = DType::Float32;
  uint64_t bits_ = 0;
};

class RangeKernel : public Kernel {
 public:
  RangeKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(3, 3, 1);
    dtype_ = check_.input(0).dtype;
    if (dtype_ != DType::Float32 && dtype_ != DType::Int64 && dtype_ != DType::Int32)
      check_.fail("Range needs float32, int32 or int64 inputs");
    for (size_t i = 1; i < 3; ++i) check_.expect_dtype(check_.input(i), dtype_, "input");
    check_.expect_dtype(check_.output(0), dtype_, "output");
  }
  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    return output_shapes(in, std::vector<const void*>(in.size(), nullptr));
  }
  bool needs_value(size_t index) const override { return index < 3; }
  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in, const std::vector<const void*>& values) const override {
    for (size_t i = 0; i < 3; ++i) {
      if (element_count(*in[i]) != 1) check_.fail("inputs must be scalars, got " + shape_string(*in[i]));
      if (!values[i]) check_.fail("start, limit and delta must be constants or computable when planning");
    }
    return {Shape{count(values[0], values[1], values[2])}};
  }
  void run(const KernelIO& io, ThreadPool&) const override {
    const int64_t n = element_count(*io.output_shapes[0]);
    if (dtype_ == DType::Int64) {
      const int64_t s = *static_cast<const int64_t*>(io.inputs[0]), d = *static_cast<const int64_t*>(io.inputs[2]);
      for (int64_t i = 0; i < n; ++i) static_cast<int64_t*>(io.outputs[0])[i] = s + i * d;
    } else if (dtype_ == DType::Int32) {  // count() bounds n by the int32 limits, so s + i * d fits
      const int64_t s = *static_cast<const int32_t*>(io.inputs[0]), d = *static_cast<const int32_t*>(io.inputs[2]);
      for (int64_t i = 0; i < n; ++i) static_cast<int32_t*>(io.outputs[0])[i] = static_cast<int32_t>(s + i * d);
    } else {
      const float s = *static_cast<const float*>(io.inputs[0]), d = *static_cast<const float*>(io.inputs[2]);
      for (int64_t i = 0; i < n; ++i) static_cast<float*>(io.outputs[0])[i] = s + static_cast<float>(i) * d;
    }
  }

 private:
  int64_t count(const void* s, const void* l, const void* d) const {
    double start, limit, delta;
    if (dtype_ == DType::Int64) {
      start = double(*static_cast<const int64_t*>(s)), limit = double(*static_cast<const int64_t*>(l));
      delta = double(*static_cast<const int64_t*>(d));
    } else if (dtype_ == DType::Int32) {
      start = double(*static_cast<const int32_t*>(s)), limit = double(*static_cast<const int32_t*>(l));
      delta = double(*static_cast<const int32_t*>(d));
    } else {
      start = *static_cast<const float*>(s), limit = *static_cast<const float*>(l), delta = *static_cast<const float*>(d);
    }
    if (delta == 0 || !std::isfinite(start) || !std::isfinite(limit) || !std::isfinite(delta))
      check_.fail("delta must be non-zero and all bounds finite");
    const double n = std::ceil((limit - start) / delta);
    if (n > double(int64_t{1} << 40)) check_.fail("Range would have " + std::to_string(n) + " elements");
    return n > 0 ? static_cast<int64_t>(n) : 0;
  }
  NodeCheck check_;
  DType dtype_ = DType::Int64;
};

}  // namespace

std::unique_ptr<Kernel> create_reshape_kernel(const Model& m, const NodeDesc& n) { return std::make_unique<ReshapeKernel>(m, n); }
std::unique_ptr<Kernel> create_squeeze_kernel(const Model& m, const NodeDesc& n) { return std::make_unique<SqueezeKernel>(m, n); }
std::unique_ptr<Kernel> create_shape_kernel(const Model& m, const NodeDesc& n) { return std::make_unique<ShapeKernel>(m, n); }
std::unique_ptr<Kernel> create_constant_of_shape_kernel(const Model& m, const NodeDesc& n) {
  return std::make_unique<ConstantOfShapeKernel>(m, n);
}
std::unique_ptr<Kernel> create_range_kernel(const Model& m, const NodeDesc& n) { return std::make_unique<RangeKernel>(m, n); }

}  // namespace qinfer
