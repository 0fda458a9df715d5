#include "reference/lstm.h"

#include <algorithm>
#include <cmath>

namespace qinfer::ref {

namespace {
float sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }
}  // namespace

void lstm_f32(const LstmGeometry& g, bool reverse, const float* x, const float* w, const float* r, const float* bias,
              const float* h0, const float* c0, float* y, int64_t y_step, float* y_h, float* y_c, float* scratch,
              const LstmCellVariant& variant) {
  const int64_t H = g.hidden, B = g.batch, I = g.input_size;
  float* h = scratch;            // [B, H]
  float* c = h + B * H;          // [B, H]
  float* gates = c + B * H;      // [B, 4H]
  for (int64_t i = 0; i < B * H; ++i) {
    h[i] = h0 ? h0[i] : 0.0f;
    c[i] = c0 ? c0[i] : 0.0f;
  }
  for (int64_t step = 0; step < g.seq_len; ++step) {
    const int64_t t = reverse ? g.seq_len - 1 - step : step;
    for (int64_t b = 0; b < B; ++b) {
      const float* xt = x + (t * B + b) * I;
      const float* hb = h + b * H;
      for (int64_t j = 0; j < 4 * H; ++j) {
        double acc = 0.0;
        const float* wj = w + j * I;
        for (int64_t k = 0; k < I; ++k) acc += double(xt[k]) * wj[k];
        const float* rj = r + j * H;
        for (int64_t k = 0; k < H; ++k) acc += double(hb[k]) * rj[k];
        gates[b * 4 * H + j] = static_cast<float>(acc) + (bias ? bias[j] + bias[4 * H + j] : 0.0f);
      }
    }
    for (int64_t b = 0; b < B; ++b) {
      if (variant.plain())
        lstm_cell(gates + b * 4 * H, H, c + b * H, h + b * H);
      else
        lstm_cell_variant(gates + b * 4 * H, H, variant, c + b * H, h + b * H);
      if (y) std::copy(h + b * H, h + (b + 1) * H, y + t * y_step + b * H);
    }
  }
  if (y_h) std::copy(h, h + B * H, y_h);
  if (y_c) std::copy(c, c + B * H, y_c);
}

void lstm_cell(const float* gates, int64_t H, float* c, float* h) {
  for (int64_t k = 0; k < H; ++k) {
    const float in = sigmoid(gates[k]), out = sigmoid(gates[H + k]), forget = sigmoid(gates[2 * H + k]);
    const float cand = std::tanh(gates[3 * H + k]);
    c[k] = forget * c[k] + in * cand;
    h[k] = out * std::tanh(c[k]);
  }
}

void lstm_cell_variant(const float* gates, int64_t H, const LstmCellVariant& v, float* c, float* h) {
  const auto clip = [&](float x) { return v.clip > 0.0f ? std::min(std::max(x, -v.clip), v.clip) : x; };
  const float* p = v.peephole;
  for (int64_t k = 0; k < H; ++k) {
    const float in = sigmoid(clip(gates[k] + (p ? p[k] * c[k] : 0.0f)));
    const float forget = v.input_forget ? 1.0f - in : sigmoid(clip(gates[2 * H + k] + (p ? p[2 * H + k] * c[k] : 0.0f)));
    const float cand = std::tanh(clip(gates[3 * H + k]));
    c[k] = forget * c[k] + in * cand;
    const float out = sigmoid(clip(gates[H + k] + (p ? p[H + k] * c[k] : 0.0f)));
    h[k] = out * std::tanh(c[k]);
  }
}

}  // namespace qinfer::ref
