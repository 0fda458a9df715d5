#include "dynamic_lstm.h"

#include <algorithm>
#include <cmath>

namespace qinfer {

void lstm_dynamic(const ref::LstmGeometry& g, bool reverse, const float* x, const DynamicGemm& w, const DynamicGemm& r,
                  const float* h0, const float* c0, float* y, int64_t y_step, float* y_h, float* y_c, float* scratch,
                  void* gemm_scratch) {
  const int64_t H = g.hidden, B = g.batch, T = g.seq_len, G = 4 * H;
  float* gx = scratch;          // [T * B, 4H]: x_t W^T + Wb + Rb
  float* gh = gx + T * B * G;   // [B, 4H]: h R^T
  float* h = gh + B * G;        // [B, H]
  float* c = h + B * H;         // [B, H]
  for (int64_t i = 0; i < B * H; ++i) {
    h[i] = h0 ? h0[i] : 0.0f;
    c[i] = c0 ? c0[i] : 0.0f;
  }
  w.run(x, g.input_size, gx, G, 0, T * B, gemm_scratch);
  for (int64_t step = 0; step < T; ++step) {
    const int64_t t = reverse ? T - 1 - step : step;
    r.run(h, H, gh, G, 0, B, gemm_scratch);
    for (int64_t b = 0; b < B; ++b) {
      const float* xb = gx + (t * B + b) * G;
      float* gb = gh + b * G;  // becomes the gate pre-activations x W^T + h R^T + biases
      for (int64_t j = 0; j < G; ++j) gb[j] = xb[j] + gb[j];
      ref::lstm_cell(gb, H, c + b * H, h + b * H);
      if (y) std::copy(h + b * H, h + (b + 1) * H, y + t * y_step + b * H);
    }
  }
  if (y_h) std::copy(h, h + B * H, y_h);
  if (y_c) std::copy(c, c + B * H, y_c);
}

}  // namespace qinfer
