// DynamicQuantLSTM (qconv --dynamic): ONNX LSTM (default activations, no peepholes, no
// sequence_lens, layout 0) whose W [D, 4H, I] and R [D, 4H, H] are int8 per output row with scales
// W_scale, R_scale [D, 4H] (inputs 7 and 8); X and h are quantized per row at run time
// (ops/dynamic_lstm.h). X, B, initial states and outputs are float32.
#include <algorithm>
#include <cmath>

#include "dynamic_lstm.h"
#include "kernels/kernel.h"
#include "kernels/lstm_common.h"
#include "kernels/node_check.h"
#include "reference/dynamic_gemm.h"

namespace qinfer {

namespace {

class DynamicLstmKernel : public Kernel {
 public:
  DynamicLstmKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(3, 9, node.outputs.size());
    if (node.inputs.size() != 9 || !check_.has_input(7) || !check_.has_input(8))
      check_.fail("needs 9 inputs with W_scale (7) and R_scale (8) present, has " + std::to_string(node.inputs.size()));
    const LstmOptions o = read_lstm_options(check_, node);
    direction_ = o.direction, dirs_ = o.dirs, hidden_ = o.hidden;
    if (o.clip > 0.0f || o.input_forget) check_.fail("clip and input_forget are not supported by the dynamic int8 LSTM");
    if (hidden_ < 1 || hidden_ > ref::kDynamicGemmMaxK / 4)
      check_.fail("hidden_size " + std::to_string(hidden_) + " must be in [1, " + std::to_string(ref::kDynamicGemmMaxK / 4) + "]");
    if (check_.has_input(4)) check_.fail("sequence_lens is not supported (every sequence has the full length)");
    for (size_t i : {size_t{0}, size_t{3}, size_t{5}, size_t{6}})
      if (check_.has_input(i)) {
        check_.expect_dtype(check_.input(i), DType::Float32, "input");
        check_.expect_layout(check_.input(i), fb::Layout::Plain, "input");
      }
    for (size_t i = 0; i < node.outputs.size(); ++i)
      if (node.outputs[i] >= 0) check_.expect_dtype(check_.output(i), DType::Float32, "output");
    const TensorDesc& w = check_.input(1);
    const TensorDesc& r = check_.input(2);
    check_.expect_dtype(w, DType::Int8, "W");
    check_.expect_dtype(r, DType::Int8, "R");
    check_.expect_constant(w, "W");
    check_.expect_constant(r, "R");
    if (w.dims.size() != 3 || w.dims[0] != dirs_ || w.dims[1] != 4 * hidden_ || w.dims[2] < 1 ||
        w.dims[2] > ref::kDynamicGemmMaxK)
      check_.fail("W '" + w.name + "' has shape " + shape_string(w.dims) + ", expected [" + std::to_string(dirs_) + ", " +
                  std::to_string(4 * hidden_) + ", input_size] with 1 <= input_size <= " + std::to_string(ref::kDynamicGemmMaxK));
    if (r.dims != Shape{dirs_, 4 * hidden_, hidden_}) check_.fail("R '" + r.name + "' has the wrong shape " + shape_string(r.dims));
    input_size_ = w.dims[2];
    const Shape scale_dims{dirs_, 4 * hidden_};
    const float* ws = scales(check_.input(7), scale_dims, "W_scale");
    const float* rs = scales(check_.input(8), scale_dims, "R_scale");
    const float* bias = nullptr;
    if (check_.has_input(3)) {
      const TensorDesc& b = check_.input(3);
      check_.expect_constant(b, "B");
      if (b.dims != Shape{dirs_, 8 * hidden_}) check_.fail("B '" + b.name + "' has the wrong shape " + shape_string(b.dims));
      bias = reinterpret_cast<const float*>(b.constant);
    }
    const auto* wq = reinterpret_cast<const int8_t*>(w.constant);
    const auto* rq = reinterpret_cast<const int8_t*>(r.constant);
    const int64_t G = 4 * hidden_;
    for (int64_t d = 0; d < dirs_; ++d) {
      std::vector<float> wb(static_cast<size_t>(G), 0.0f);  // Wb + Rb, folded into the input projection
      if (bias)
        for (int64_t j = 0; j < G; ++j) wb[j] = bias[d * 2 * G + j] + bias[d * 2 * G + G + j];
      w_[d].pack(G, input_size_, wq + d * G * input_size_, ws + d * G, wb.data());
      r_[d].pack(G, hidden_, rq + d * G * hidden_, rs + d * G, nullptr);
    }
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    return lstm_output_shapes(check_, in, dirs_, hidden_, input_size_);
  }

  size_t scratch_bytes(const std::vector<const Shape*>& in, const std::vector<const Shape*>&, int) const override {
    return floats_bytes(*in[0]) + gemm_bytes();
  }

  int64_t macs(const std::vector<const Shape*>& in, const std::vector<const Shape*>&) const override {
    const Shape& x = *in[0];
    return dirs_ * x[0] * x[1] * 4 * hidden_ * (input_size_ + hidden_);
  }

  void run(const KernelIO& io, ThreadPool&) const override {
    const Shape& x = *io.input_shapes[0];
    const ref::LstmGeometry g{x[0], x[1], input_size_, hidden_};
    const int64_t state = x[1] * hidden_;
    auto* scratch = static_cast<float*>(io.scratch);
    void* gemm_scratch = static_cast<uint8_t*>(io.scratch) + floats_bytes(x);
    for (int64_t d = 0; d < dirs_; ++d) {
      const bool reverse = direction_ == fb::LSTMDirection::Reverse || d == 1;
      const LstmDirectionIO s = lstm_direction_io(io, d, state);
      lstm_dynamic(g, reverse, static_cast<const float*>(io.inputs[0]), w_[d], r_[d], s.h0, s.c0, s.y, dirs_ * state, s.yh, s.yc,
                   scratch, gemm_scratch);
    }
  }

 private:
  const float* scales(const TensorDesc& s, const Shape& dims, const char* role) const {
    check_.expect_dtype(s, DType::Float32, role);
    check_.expect_constant(s, role);
    if (s.dims != dims) check_.fail(std::string(role) + " '" + s.name + "' has shape " + shape_string(s.dims) + ", expected " + shape_string(dims));
    const auto* v = reinterpret_cast<const float*>(s.constant);
    for (int64_t i = 0; i < element_count(dims); ++i)
      if (!(std::isfinite(v[i]) && v[i] > 0.0f))
        check_.fail(std::string(role) + " '" + s.name + "' value " + std::to_string(v[i]) + " at " + std::to_string(i) +
                    " must be finite and > 0");
    return v;
  }
  size_t floats_bytes(const Shape& x) const {
    const ref::LstmGeometry g{x[0], x[1], input_size_, hidden_};
    return (static_cast<size_t>(dynamic_lstm_scratch_floats(g)) * sizeof(float) + 63) / 64 * 64;
  }
  size_t gemm_bytes() const { return std::max(w_[0].scratch_bytes(), r_[0].scratch_bytes()); }

  NodeCheck check_;
  fb::LSTMDirection direction_ = fb::LSTMDirection::Forward;
  int64_t dirs_ = 1, hidden_ = 0, input_size_ = 0;
  DynamicGemm w_[2], r_[2];
};

}  // namespace

std::unique_ptr<Kernel> create_dynamic_lstm_kernel(const Model& m, const NodeDesc& n) {
  return std::make_unique<DynamicLstmKernel>(m, n);
}

}  // namespace qinfer
