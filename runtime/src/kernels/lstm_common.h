// What the fp32 LSTM and the DynamicQuantLSTM kernel share (they differ in weights and math, not
// in ONNX LSTM's shapes): the output shapes and the per-direction slices of states and outputs.
#pragma once

#include <string>
#include <vector>

#include "kernels/kernel.h"
#include "kernels/node_check.h"

namespace qinfer {

// The node's outputs (1 to 3: Y, Y_h, Y_c) and LSTMOptions, checked (hidden_size's range is the kernel's).
struct LstmOptions {
  fb::LSTMDirection direction;
  int64_t dirs;  // 2 when bidirectional
  int64_t hidden;
  float clip;         // > 0: gate pre-activations clamped to [-clip, clip]
  bool input_forget;  // f = 1 - i
};

inline LstmOptions read_lstm_options(const NodeCheck& check, const NodeDesc& node) {
  if (node.outputs.empty() || node.outputs.size() > 3) check.fail("needs 1 to 3 outputs (Y, Y_h, Y_c)");
  const fb::LSTMOptions* o = check.options<fb::LSTMOptions>("LSTMOptions");
  if (o->direction() > fb::LSTMDirection::MAX) check.fail("unknown direction");
  if (!(o->clip() >= 0.0f)) check.fail("clip " + std::to_string(o->clip()) + " must be >= 0 (0: none)");
  return {o->direction(), o->direction() == fb::LSTMDirection::Bidirectional ? 2 : 1, o->hidden_size(), o->clip(),
          o->input_forget()};
}

// Y [T, D, N, H], Y_h and Y_c [D, N, H] for X [T, N, I]; initial states (inputs 5, 6) must be [D, N, H].
inline std::vector<Shape> lstm_output_shapes(const NodeCheck& check, const std::vector<const Shape*>& in, int64_t dirs,
                                             int64_t hidden, int64_t input_size) {
  const Shape& x = *in[0];
  if (x.size() != 3 || x[2] != input_size)
    check.fail("X " + shape_string(x) + " must be [seq_len, batch, " + std::to_string(input_size) + "]");
  const Shape state{dirs, x[1], hidden};
  for (size_t i : {size_t{5}, size_t{6}})
    if (i < in.size() && in[i] && *in[i] != state)
      check.fail("initial state " + shape_string(*in[i]) + " must be " + shape_string(state));
  return {Shape{x[0], dirs, x[1], hidden}, state, state};
}

// Direction d's initial h/c and outputs (null where absent); `state` = N * H floats per direction.
struct LstmDirectionIO {
  const float* h0;
  const float* c0;
  float* y;
  float* yh;
  float* yc;
};

inline LstmDirectionIO lstm_direction_io(const KernelIO& io, int64_t d, int64_t state) {
  auto in = [&](size_t i) { return i < io.inputs.size() && io.inputs[i] ? static_cast<const float*>(io.inputs[i]) + d * state : nullptr; };
  auto out = [&](size_t i) { return i < io.outputs.size() && io.outputs[i] ? static_cast<float*>(io.outputs[i]) + d * state : nullptr; };
  return {in(5), in(6), out(0), out(1), out(2)};
}

}  // namespace qinfer
