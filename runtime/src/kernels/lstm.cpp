// LSTM (ONNX semantics, default activations, no sequence_lens, layout 0), fp32.
// Inputs: X [T, N, I], W [D, 4H, I], R [D, 4H, H], B [D, 8H]?, sequence_lens (absent),
// initial_h [D, N, H]?, initial_c [D, N, H]?, P [D, 3H]? (peepholes); outputs Y [T, D, N, H]?,
// Y_h [D, N, H]?, Y_c?. LSTMOptions clip / input_forget select the cell variant.
#include "kernels/kernel.h"
#include "kernels/lstm_common.h"
#include "kernels/node_check.h"
#include "reference/lstm.h"

namespace qinfer {

namespace {

class LstmKernel : public Kernel {
 public:
  LstmKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(3, 8, node.outputs.size());
    const LstmOptions o = read_lstm_options(check_, node);
    direction_ = o.direction, dirs_ = o.dirs, hidden_ = o.hidden;
    variant_.clip = o.clip, variant_.input_forget = o.input_forget;
    if (hidden_ < 1) check_.fail("hidden_size " + std::to_string(hidden_) + " must be >= 1");
    if (check_.has_input(4)) check_.fail("sequence_lens is not supported (every sequence has the full length)");
    for (size_t i = 0; i < node.inputs.size(); ++i)
      if (check_.has_input(i)) {
        check_.expect_dtype(check_.input(i), DType::Float32, "input");
        check_.expect_layout(check_.input(i), fb::Layout::Plain, "input");
      }
    for (size_t i = 0; i < node.outputs.size(); ++i) check_.expect_dtype(check_.output(i), DType::Float32, "output");
    const TensorDesc& w = check_.input(1);
    const TensorDesc& r = check_.input(2);
    check_.expect_constant(w, "W");
    check_.expect_constant(r, "R");
    if (w.dims.size() != 3 || w.dims[0] != dirs_ || w.dims[1] != 4 * hidden_)
      check_.fail("W '" + w.name + "' must have shape [" + std::to_string(dirs_) + ", " + std::to_string(4 * hidden_) + ", input_size]");
    if (r.dims != Shape{dirs_, 4 * hidden_, hidden_}) check_.fail("R '" + r.name + "' has the wrong shape " + shape_string(r.dims));
    input_size_ = w.dims[2];
    if (check_.has_input(3)) {
      const TensorDesc& b = check_.input(3);
      check_.expect_constant(b, "B");
      if (b.dims != Shape{dirs_, 8 * hidden_}) check_.fail("B '" + b.name + "' has the wrong shape " + shape_string(b.dims));
      bias_ = reinterpret_cast<const float*>(b.constant);
    }
    if (check_.has_input(7)) {
      const TensorDesc& p = check_.input(7);
      check_.expect_constant(p, "P");
      if (p.dims != Shape{dirs_, 3 * hidden_}) check_.fail("P '" + p.name + "' has the wrong shape " + shape_string(p.dims));
      peephole_ = reinterpret_cast<const float*>(p.constant);
    }
    w_ = reinterpret_cast<const float*>(w.constant);
    r_ = reinterpret_cast<const float*>(r.constant);
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    return lstm_output_shapes(check_, in, dirs_, hidden_, input_size_);
  }

  size_t scratch_bytes(const std::vector<const Shape*>& in, const std::vector<const Shape*>&, int) const override {
    return static_cast<size_t>(6 * (*in[0])[1] * hidden_) * sizeof(float);
  }

  int64_t macs(const std::vector<const Shape*>& in, const std::vector<const Shape*>&) const override {
    const Shape& x = *in[0];
    return dirs_ * x[0] * x[1] * 4 * hidden_ * (input_size_ + hidden_);
  }

  void run(const KernelIO& io, ThreadPool&) const override {
    const Shape& x = *io.input_shapes[0];
    ref::LstmGeometry g{x[0], x[1], input_size_, hidden_};
    const int64_t state = x[1] * hidden_;
    for (int64_t d = 0; d < dirs_; ++d) {
      const bool reverse = direction_ == fb::LSTMDirection::Reverse || d == 1;
      const LstmDirectionIO s = lstm_direction_io(io, d, state);
      ref::LstmCellVariant variant = variant_;
      if (peephole_) variant.peephole = peephole_ + d * 3 * hidden_;
      ref::lstm_f32(g, reverse, static_cast<const float*>(io.inputs[0]), w_ + d * 4 * hidden_ * input_size_, r_ + d * 4 * hidden_ * hidden_,
                    bias_ ? bias_ + d * 8 * hidden_ : nullptr, s.h0, s.c0, s.y, dirs_ * state, s.yh, s.yc,
                    static_cast<float*>(io.scratch), variant);
    }
  }

 private:
  NodeCheck check_;
  fb::LSTMDirection direction_ = fb::LSTMDirection::Forward;
  int64_t dirs_ = 1, hidden_ = 0, input_size_ = 0;
  const float* w_ = nullptr;
  const float* r_ = nullptr;
  const float* bias_ = nullptr;
  const float* peephole_ = nullptr;
  ref::LstmCellVariant variant_;  // clip and input_forget; the peephole pointer is set per direction
};

}  // namespace

std::unique_ptr<Kernel> create_lstm_kernel(const Model& m, const NodeDesc& n) { return std::make_unique<LstmKernel>(m, n); }

}  // namespace qinfer
