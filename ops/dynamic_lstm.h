// LSTM with dynamically quantized W and R (ONNX Runtime's DynamicQuantizeLSTM idea), one
// direction: the input projection of every time step is one DynamicGemm over seq_len * batch rows
// (W, with the bias Wb + Rb folded in), the recurrent projection one DynamicGemm per step over the
// batch rows of h (R, no bias); the gates are then computed in fp32 exactly as ref::lstm_f32 does.
// Whether the GEMMs run the reference or the Highway kernel, the results are bit-identical.
#pragma once

#include <cstdint>

#include "dynamic_gemm.h"
#include "reference/lstm.h"

namespace qinfer {

// Floats of scratch (besides gemm_scratch, w.scratch_bytes() and r.scratch_bytes() bytes).
inline int64_t dynamic_lstm_scratch_floats(const ref::LstmGeometry& g) {
  return g.seq_len * g.batch * 4 * g.hidden + g.batch * 4 * g.hidden + 2 * g.batch * g.hidden;
}

// x [seq_len, batch, input_size]; w: B = W [4H, input_size] with bias Wb + Rb; r: B = R [4H, H];
// h0, c0 [batch, H] or nullptr; outputs as in ref::lstm_f32.
void lstm_dynamic(const ref::LstmGeometry& g, bool reverse, const float* x, const DynamicGemm& w, const DynamicGemm& r,
                  const float* h0, const float* c0, float* y, int64_t y_step, float* y_h, float* y_c, float* scratch,
                  void* gemm_scratch);

}  // namespace qinfer
