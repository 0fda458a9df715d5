// Split on Plain tensors of any dtype, and on quantized 8-bit data (Plain or NHWC; every part
// keeps the input's quantization). The split sizes (optional input) decide the output shapes, so
// they must be known at plan time.
#include "kernels/kernel.h"
#include "kernels/node_check.h"
#include "kernels/quantized_copy.h"
#include "kernels/values.h"
#include "reference/split.h"

namespace qinfer {

namespace {

class SplitKernel : public Kernel {
 public:
  SplitKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(1, 2, node.outputs.size());
    const TensorDesc& x = check_.input(0);
    layout_ = x.layout;
    if (x.quant.empty()) check_.expect_layout(x, fb::Layout::Plain, "input");
    for (size_t o = 0; o < node.outputs.size(); ++o) {
      check_.expect_dtype(check_.output(o), x.dtype, "output");
      check_.expect_layout(check_.output(o), layout_, "output");
      if (!x.quant.empty()) expect_copy_quantization(check_, x, check_.output(o));
    }
    const fb::SplitOptions* o = check_.options<fb::SplitOptions>("SplitOptions");
    axis_ = o->axis();
    uneven_ = o->uneven();
    elem_ = dtype_size(x.dtype);
  }
  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    return output_shapes(in, std::vector<const void*>(in.size(), nullptr));
  }
  bool needs_value(size_t index) const override { return index == 1; }
  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in, const std::vector<const void*>& values) const override {
    int64_t axis = 0;
    const Shape sizes = part_sizes(in, values, &axis);
    std::vector<Shape> out(sizes.size(), *in[0]);
    for (size_t j = 0; j < sizes.size(); ++j) out[j][axis] = sizes[j];
    return out;
  }
  void run(const KernelIO& io, ThreadPool&) const override {
    int64_t axis = 0;
    Shape chunk = part_sizes(io.input_shapes, io.inputs, &axis);
    Shape x = *io.input_shapes[0];
    if (layout_ == fb::Layout::NHWC) x = nhwc_memory_shape(x), axis = nhwc_memory_axis(axis);
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < static_cast<int64_t>(x.size()); ++d) {
      if (d < axis) outer *= x[d];
      if (d > axis) inner *= x[d];
    }
    for (int64_t& c : chunk) c *= inner;
    ref::split(outer, chunk, io.inputs[0], io.outputs, elem_);
  }

 private:
  Shape part_sizes(const std::vector<const Shape*>& in, const std::vector<const void*>& values, int64_t* axis) const {
    const Shape& x = *in[0];
    if (layout_ == fb::Layout::NHWC && x.size() != 4) check_.fail("NHWC input must have rank 4, got " + shape_string(x));
    *axis = normalize_axis(check_, axis_, static_cast<int64_t>(x.size()), "axis");
    const int64_t dim = x[*axis], n = static_cast<int64_t>(check_.node().outputs.size());
    Shape sizes;
    if (in.size() > 1 && in[1]) {
      sizes = plan_time_ints(check_, 1, *in[1], values[1], "split");
      if (static_cast<int64_t>(sizes.size()) != n)
        check_.fail("split has " + std::to_string(sizes.size()) + " sizes for " + std::to_string(n) + " outputs");
      int64_t sum = 0;
      for (int64_t s : sizes) {
        if (s < 0 || s > dim - sum) check_.fail("split " + shape_string(sizes) + " has a negative size or sums to more than " + std::to_string(dim));
        sum += s;
      }
      if (sum != dim)
        check_.fail("split " + shape_string(sizes) + " sums to " + std::to_string(sum) + ", but dim " + std::to_string(*axis) +
                    " of " + shape_string(x) + " is " + std::to_string(dim));
      return sizes;
    }
    if (uneven_) {  // ONNX 18 num_outputs: ceil-sized parts, the last one smaller
      const int64_t part = (dim + n - 1) / n, last = dim - part * (n - 1);
      if (last < 0)
        check_.fail("dim " + std::to_string(*axis) + " of " + shape_string(x) + " cannot be split into " + std::to_string(n) +
                    " parts of " + std::to_string(part));
      sizes.assign(static_cast<size_t>(n), part);
      sizes.back() = last;
      return sizes;
    }
    if (dim % n != 0)
      check_.fail("dim " + std::to_string(*axis) + " of " + shape_string(x) + " does not split into " + std::to_string(n) +
                  " equal parts");
    return Shape(static_cast<size_t>(n), dim / n);
  }
  NodeCheck check_;
  int64_t axis_ = 0;
  bool uneven_ = false;
  fb::Layout layout_ = fb::Layout::Plain;
  size_t elem_ = 4;
};

}  // namespace

std::unique_ptr<Kernel> create_split_kernel(const Model& m, const NodeDesc& n) { return std::make_unique<SplitKernel>(m, n); }

}  // namespace qinfer
