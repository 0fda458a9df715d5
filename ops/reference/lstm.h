// Reference LSTM (ONNX LSTM, default activations sigmoid/tanh/tanh, layout 0), one direction at
// a time, fp32; optional peepholes, clip and input_forget (LstmCellVariant).
#pragma once

#include <cstdint>

namespace qinfer::ref {

struct LstmGeometry {
  int64_t seq_len = 0, batch = 0, input_size = 0, hidden = 0;
};

// ONNX LSTM's optional cell variants; the default is the plain cell (lstm_cell).
struct LstmCellVariant {
  const float* peephole = nullptr;  // P [3H] in ONNX order i, o, f: i and f add P * c_{t-1}, o adds P * c_t
  float clip = 0.0f;                // > 0: each gate pre-activation (after peepholes) clamped to [-clip, clip]
  bool input_forget = false;        // f = 1 - i (the forget gate's own weights are unused)
  bool plain() const { return !peephole && clip <= 0.0f && !input_forget; }
};

// x [seq_len, batch, input_size]; w [4H, input_size] and r [4H, H] in ONNX gate order i, o, f, c;
// bias [8H] (Wb then Rb) or nullptr; h0, c0 [batch, H] or nullptr (zeros).
// Writes h_t to y + t * y_step + b * H (y_step = directions * batch * H for ONNX's
// [seq, dirs, batch, H] output; y may be nullptr), and the final h and c to y_h, y_c [batch, H]
// (either may be nullptr). `reverse` walks t from seq_len - 1 down to 0.
// scratch: (6 * batch * H) floats.
//   gates = x_t W^T + h R^T (accumulated in double) + Wb + Rb;  i = s(gi), f = s(gf), o = s(go), g = tanh(gc)
//   c = f * c + i * g;  h = o * tanh(c)
void lstm_f32(const LstmGeometry& g, bool reverse, const float* x, const float* w, const float* r, const float* bias,
              const float* h0, const float* c0, float* y, int64_t y_step, float* y_h, float* y_c, float* scratch,
              const LstmCellVariant& variant = {});

// The cell update above for one batch row, from its gate pre-activations gates [4H]; c and h
// are that row's [H] state. Shared with the dynamic int8 LSTM (ops/dynamic_lstm.h).
void lstm_cell(const float* gates, int64_t H, float* c, float* h);
// The cell with peepholes / clip / input_forget (ONNX; clip as ONNX Runtime applies it, to the
// gate pre-activations and not to c_t before h's tanh):
//   i = s(clip(gi + Pi * c)), f = input_forget ? 1 - i : s(clip(gf + Pf * c)), g = tanh(clip(gc))
//   c' = f * c + i * g;  o = s(clip(go + Po * c'));  h = o * tanh(c')
void lstm_cell_variant(const float* gates, int64_t H, const LstmCellVariant& v, float* c, float* h);

}  // namespace qinfer::ref
