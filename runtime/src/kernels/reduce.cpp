// Softmax and ReduceMean, float32 Plain.
#include "kernels/kernel.h"
#include "kernels/node_check.h"
#include "kernels/values.h"
#include "reference/reduce.h"

namespace qinfer {

namespace {

void expect_f32_plain(const NodeCheck& check) {
  for (const TensorDesc* t : {&check.input(0), &check.output(0)}) {
    check.expect_dtype(*t, DType::Float32, "tensor");
    check.expect_layout(*t, fb::Layout::Plain, "tensor");
  }
}

class SoftmaxKernel : public Kernel {
 public:
  SoftmaxKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(1, 1, 1);
    expect_f32_plain(check_);
    const fb::SoftmaxOptions* o = check_.options<fb::SoftmaxOptions>("SoftmaxOptions");
    axis_ = o->axis();
    legacy_ = o->legacy_2d();
  }
  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    normalize_axis(check_, axis_, static_cast<int64_t>(in[0]->size()), "axis");
    return {*in[0]};
  }
  void run(const KernelIO& io, ThreadPool& pool) const override {
    const Shape& x = *io.input_shapes[0];
    const int64_t axis = axis_ < 0 ? axis_ + static_cast<int64_t>(x.size()) : axis_;
    int64_t outer = 1, n = 1, inner = 1;
    for (int64_t d = 0; d < static_cast<int64_t>(x.size()); ++d) {
      if (d < axis) outer *= x[d];
      else if (d == axis || legacy_) n *= x[d];
      else inner *= x[d];
    }
    const auto* xp = static_cast<const float*>(io.inputs[0]);
    auto* yp = static_cast<float*>(io.outputs[0]);
    pool.parallel_for(outer, [&](int64_t b, int64_t e) {
      ref::softmax_f32(e - b, n, inner, xp + b * n * inner, yp + b * n * inner);
    });
  }

 private:
  NodeCheck check_;
  int64_t axis_ = -1;
  bool legacy_ = false;
};

class ReduceMeanKernel : public Kernel {
 public:
  ReduceMeanKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(1, 1, 1);
    expect_f32_plain(check_);
    const fb::ReduceOptions* o = check_.options<fb::ReduceOptions>("ReduceOptions");
    axes_ = option_ints(o->axes());
    keepdims_ = o->keepdims();
    noop_ = o->noop_with_empty_axes();
  }
  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    const Shape& x = *in[0];
    const std::vector<bool> r = reduced(x.size());
    Shape out;
    for (size_t d = 0; d < x.size(); ++d)
      if (!r[d]) out.push_back(x[d]);
      else if (keepdims_) out.push_back(1);
    return {out};
  }
  void run(const KernelIO& io, ThreadPool&) const override {
    const Shape& x = *io.input_shapes[0];
    ref::reduce_mean_f32(x, reduced(x.size()), static_cast<const float*>(io.inputs[0]), static_cast<float*>(io.outputs[0]));
  }

 private:
  std::vector<bool> reduced(size_t rank) const {
    std::vector<bool> r(rank, axes_.empty() && !noop_);
    for (int64_t a : axes_) {
      const int64_t ax = normalize_axis(check_, a, static_cast<int64_t>(rank), "axis");
      if (r[ax]) check_.fail("axis " + std::to_string(a) + " appears twice");
      r[ax] = true;
    }
    return r;
  }
  NodeCheck check_;
  std::vector<int64_t> axes_;
  bool keepdims_ = true, noop_ = false;
};

}  // namespace

std::unique_ptr<Kernel> create_softmax_kernel(const Model& m, const NodeDesc& n) { return std::make_unique<SoftmaxKernel>(m, n); }
std::unique_ptr<Kernel> create_reduce_mean_kernel(const Model& m, const NodeDesc& n) {
  return std::make_unique<ReduceMeanKernel>(m, n);
}

}  // namespace qinfer
