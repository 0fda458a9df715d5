// MatMul (numpy semantics: 1-D operands are promoted and the added dim removed, batch dims
// broadcast), float32 Plain.
#include "broadcast.h"
#include "kernels/kernel.h"
#include "kernels/node_check.h"
#include "reference/gemm.h"

namespace qinfer {

namespace {

struct MatMulDims {
  Shape batch, a_batch, b_batch;  // broadcast batch shape; each operand's batch dims
  int64_t m = 1, n = 1, k = 1;
};

class MatMulKernel : public Kernel {
 public:
  MatMulKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(2, 2, 1);
    for (const TensorDesc* t : {&check_.input(0), &check_.input(1), &check_.output(0)}) {
      check_.expect_dtype(*t, DType::Float32, "tensor");
      check_.expect_layout(*t, fb::Layout::Plain, "tensor");
    }
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    const Shape& a = *in[0];
    const Shape& b = *in[1];
    const MatMulDims d = dims(a, b);
    Shape out = d.batch;
    if (a.size() > 1) out.push_back(d.m);
    if (b.size() > 1) out.push_back(d.n);
    return {out};
  }

  int64_t macs(const std::vector<const Shape*>& in, const std::vector<const Shape*>&) const override {
    const MatMulDims d = dims(*in[0], *in[1]);
    return element_count(d.batch) * d.m * d.n * d.k;
  }

  void run(const KernelIO& io, ThreadPool& pool) const override {
    const MatMulDims d = dims(*io.input_shapes[0], *io.input_shapes[1]);
    const Shape sa = broadcast_strides(d.a_batch, d.batch), sb = broadcast_strides(d.b_batch, d.batch);
    const auto* a = static_cast<const float*>(io.inputs[0]);
    const auto* b = static_cast<const float*>(io.inputs[1]);
    auto* y = static_cast<float*>(io.outputs[0]);
    const int64_t batches = element_count(d.batch);
    pool.parallel_for(batches * d.m, [&](int64_t begin, int64_t end) {
      for (int64_t row = begin; row < end;) {
        const int64_t bi = row / d.m, i = row % d.m, stop = std::min(end - bi * d.m, d.m);
        int64_t ia = 0, ib = 0, rest = bi;  // batch offsets (in matrices) of A and B
        for (size_t k = d.batch.size(); k-- > 0;) {
          const int64_t idx = rest % d.batch[k];
          rest /= d.batch[k];
          ia += idx * sa[k];
          ib += idx * sb[k];
        }
        ref::matmul_f32(d.n, d.k, a + ia * d.m * d.k, b + ib * d.k * d.n, y + bi * d.m * d.n, i, stop);
        row = bi * d.m + stop;
      }
    });
  }

 private:
  MatMulDims dims(const Shape& a, const Shape& b) const {
    if (a.empty() || b.empty()) check_.fail("MatMul operands must have rank >= 1, got " + shape_string(a) + " and " + shape_string(b));
    MatMulDims d;
    d.m = a.size() > 1 ? a[a.size() - 2] : 1;
    d.k = a.back();
    const int64_t kb = b.size() > 1 ? b[b.size() - 2] : b[0];
    d.n = b.size() > 1 ? b.back() : 1;
    if (kb != d.k) check_.fail("inner dimensions differ: " + shape_string(a) + " x " + shape_string(b));
    d.a_batch.assign(a.begin(), a.end() - std::min<size_t>(a.size(), 2));
    d.b_batch.assign(b.begin(), b.end() - std::min<size_t>(b.size(), 2));
    if (!broadcast_shapes(d.a_batch, d.b_batch, &d.batch))
      check_.fail("batch dims of " + shape_string(a) + " and " + shape_string(b) + " do not broadcast");
    return d;
  }
  NodeCheck check_;
};

}  // namespace

std::unique_ptr<Kernel> create_matmul_kernel(const Model& m, const NodeDesc& n) { return std::make_unique<MatMulKernel>(m, n); }

}  // namespace qinfer
