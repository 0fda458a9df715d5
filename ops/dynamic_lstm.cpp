#include "dynamic_lstm.h"

#include <algorithm>
#include <cmath>

namespace qinfer {

namespace {
float sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }
}  // namespace

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
      const float* hb = gh + b * G;
      for (int64_t k = 0; k < H; ++k) {
        const float in = sigmoid(xb[k] + hb[k]), out = sigmoid(xb[H + k] + hb[H + k]);
        const float forget = sigmoid(xb[2 * H + k] + hb[2 * H + k]);
        const float cand = std::tanh(xb[3 * H + k] + hb[3 * H + k]);
        float& cell = c[b * H + k];
        cell = forget * cell + in * cand;
        h[b * H + k] = out * std::tanh(cell);
      }
      if (y) std::copy(h + b * H, h + (b + 1) * H, y + t * y_step + b * H);
    }
  }
  if (y_h) std::copy(h, h + B * H, y_h);
  if (y_c) std::copy(c, c + B * H, y_c);
}

}  // namespace qinfer
