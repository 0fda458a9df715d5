// Where: y = condition ? X : Y with numpy broadcasting of all three; X, Y and y of any one dtype.
#include "broadcast.h"
#include "kernels/kernel.h"
#include "kernels/node_check.h"
#include "reference/where.h"

namespace qinfer {

namespace {

class WhereKernel : public Kernel {
 public:
  WhereKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(3, 3, 1);
    check_.expect_dtype(check_.input(0), DType::Bool, "condition");
    const DType d = check_.input(1).dtype;
    check_.expect_dtype(check_.input(2), d, "input Y");
    check_.expect_dtype(check_.output(0), d, "output");
    for (const TensorDesc* t : {&check_.input(0), &check_.input(1), &check_.input(2), &check_.output(0)})
      check_.expect_layout(*t, fb::Layout::Plain, "tensor");
    elem_ = dtype_size(d);
  }
  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    Shape cx, out;
    if (!broadcast_shapes(*in[0], *in[1], &cx) || !broadcast_shapes(cx, *in[2], &out))
      check_.fail("shapes " + shape_string(*in[0]) + ", " + shape_string(*in[1]) + " and " + shape_string(*in[2]) +
                  " do not broadcast");
    return {out};
  }
  void run(const KernelIO& io, ThreadPool&) const override {
    ref::where(*io.input_shapes[0], static_cast<const uint8_t*>(io.inputs[0]), *io.input_shapes[1], io.inputs[1],
               *io.input_shapes[2], io.inputs[2], *io.output_shapes[0], elem_, io.outputs[0]);
  }

 private:
  NodeCheck check_;
  size_t elem_ = 4;
};

}  // namespace

std::unique_ptr<Kernel> create_where_kernel(const Model& m, const NodeDesc& n) { return std::make_unique<WhereKernel>(m, n); }

}  // namespace qinfer
