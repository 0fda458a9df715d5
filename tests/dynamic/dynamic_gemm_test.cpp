// Dynamic quantization kernels (ops/dynamic_gemm.h, ops/dynamic_lstm.h): the Highway kernel on
// every compiled target is bit-identical to the scalar reference over odd shapes, tails, strides
// and row slices; the reference stays within the error bound the quantization implies.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "dynamic_gemm.h"
#include "dynamic_lstm.h"
#include "hwy/qu8s8_target_test.h"
#include "reference/dynamic_gemm.h"
#include "reference/lstm.h"

namespace qinfer {
namespace {

struct Aligned {
  explicit Aligned(size_t bytes) : v((bytes + 127) / 64 + 1) {}
  void* get() { return v.data(); }
  struct alignas(64) Line { uint8_t b[64]; };
  std::vector<Line> v;
};

// Weights as the converter makes them: int8 in [-127, 127] with a per-row scale.
void make_weights(std::mt19937& rng, int64_t n, int64_t k, std::vector<int8_t>* b, std::vector<float>* scale) {
  std::uniform_int_distribution<int> q(-127, 127);
  std::uniform_real_distribution<float> s(0.001f, 0.05f);
  b->resize(static_cast<size_t>(n * k));
  scale->resize(static_cast<size_t>(n));
  for (auto& v : *b) v = static_cast<int8_t>(q(rng));
  for (auto& v : *scale) v = s(rng);
}

// Rows with different ranges: mixed sign, all positive, all negative, all zero, constant, huge.
void make_rows(std::mt19937& rng, int64_t m, int64_t k, int64_t lda, std::vector<float>* a) {
  std::normal_distribution<float> nd(0.0f, 1.0f);
  a->assign(static_cast<size_t>(std::max<int64_t>(m, 1) * lda), 123.0f);  // padding past K must not be read
  for (int64_t r = 0; r < m; ++r)
    for (int64_t i = 0; i < k; ++i) {
      float v = nd(rng) * (1.0f + static_cast<float>(r % 5));
      switch (r % 7) {
        case 1: v = std::fabs(v) + 0.5f; break;
        case 2: v = -std::fabs(v); break;
        case 3: v = 0.0f; break;
        case 4: v = 2.5f; break;
        case 5: v *= 1e4f; break;
        default: break;
      }
      (*a)[static_cast<size_t>(r * lda + i)] = v;
    }
}

void expect_bit_identical(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    if (std::memcmp(&got[i], &want[i], sizeof(float)) != 0) {
      FAIL() << what << ": element " << i << " is " << got[i] << ", reference " << want[i];
    }
}

QINFER_QU8S8_TARGET_SUITE(DynamicGemmTarget);

TEST_P(DynamicGemmTarget, MatchesReferenceBitForBit) {
  std::mt19937 rng(7);
  int cases = 0;
  for (int64_t k : {1, 2, 3, 15, 16, 17, 31, 64, 129, 300})
    for (int64_t n : {1, 5, 15, 16, 17, 33, 47, 64, 70, 131})  // single rows take 4 panels (64 columns) at a time
      for (int64_t m : {1, 2, 3, 7, 8, 9, 17, 33})
        for (bool with_bias : {false, true}) {
          if ((k + n + m) % 3 != 0 && !(m == 1 || n == 1)) continue;  // a spread of the grid, all 1-row/1-col cases
          std::vector<int8_t> b;
          std::vector<float> scale, bias(static_cast<size_t>(n)), a;
          make_weights(rng, n, k, &b, &scale);
          std::uniform_real_distribution<float> bd(-1.0f, 1.0f);
          for (auto& v : bias) v = bd(rng);
          const int64_t lda = k + (m % 2 ? 3 : 0), ldy = n + (m % 3 ? 0 : 5);
          make_rows(rng, m, k, lda, &a);
          DynamicGemm ref, fast;
          ref.pack(n, k, b.data(), scale.data(), with_bias ? bias.data() : nullptr, true);
          fast.pack(n, k, b.data(), scale.data(), with_bias ? bias.data() : nullptr, false);
          ASSERT_STREQ(fast.kernel_name(), hwy::TargetName(GetParam()));
          std::vector<float> want(static_cast<size_t>(m * ldy), -7.0f), got(want.size(), -7.0f);
          Aligned s_ref(ref.scratch_bytes()), s_fast(fast.scratch_bytes());
          ref.run(a.data(), lda, want.data(), ldy, 0, m, s_ref.get());
          // The fast kernel in two row slices, as threads would split it.
          const int64_t split = m / 2;
          fast.run(a.data(), lda, got.data(), ldy, 0, split, s_fast.get());
          fast.run(a.data(), lda, got.data(), ldy, split, m, s_fast.get());
          expect_bit_identical(got, want, "m=" + std::to_string(m) + " n=" + std::to_string(n) + " k=" + std::to_string(k) +
                                              " bias=" + std::to_string(with_bias) + " lda=" + std::to_string(lda) +
                                              " ldy=" + std::to_string(ldy));
          ++cases;
        }
  EXPECT_GT(cases, 100);
}

TEST_P(DynamicGemmTarget, ManyRowsCrossChunks) {
  // More rows than one packed chunk holds (chunk rows shrink as K grows).
  std::mt19937 rng(11);
  const int64_t m = 613, n = 37, k = 1031;
  std::vector<int8_t> b;
  std::vector<float> scale, a;
  make_weights(rng, n, k, &b, &scale);
  make_rows(rng, m, k, k, &a);
  DynamicGemm ref, fast;
  ref.pack(n, k, b.data(), scale.data(), nullptr, true);
  fast.pack(n, k, b.data(), scale.data(), nullptr, false);
  ASSERT_LT(fast.chunk_rows_, m);
  std::vector<float> want(static_cast<size_t>(m * n)), got(want.size());
  Aligned s_ref(ref.scratch_bytes()), s_fast(fast.scratch_bytes());
  ref.run(a.data(), k, want.data(), n, 0, m, s_ref.get());
  fast.run(a.data(), k, got.data(), n, 0, m, s_fast.get());
  expect_bit_identical(got, want, "613x37x1031");
}

TEST_P(DynamicGemmTarget, LstmMatchesReferenceBitForBit) {
  std::mt19937 rng(5);
  for (int64_t batch : {1, 3}) {
    const ref::LstmGeometry g{9, batch, 13, 21};
    const int64_t G = 4 * g.hidden;
    std::vector<int8_t> w, r;
    std::vector<float> ws, rs, x, bias(static_cast<size_t>(G)), h0(static_cast<size_t>(batch * g.hidden), 0.3f);
    make_weights(rng, G, g.input_size, &w, &ws);
    make_weights(rng, G, g.hidden, &r, &rs);
    make_rows(rng, g.seq_len * batch, g.input_size, g.input_size, &x);
    for (size_t i = 0; i < bias.size(); ++i) bias[i] = 0.01f * static_cast<float>(i % 7);
    std::vector<float> y_ref, y_fast;
    for (bool reference : {true, false}) {
      DynamicGemm pw, pr;
      pw.pack(G, g.input_size, w.data(), ws.data(), bias.data(), reference);
      pr.pack(G, g.hidden, r.data(), rs.data(), nullptr, reference);
      std::vector<float> scratch(static_cast<size_t>(dynamic_lstm_scratch_floats(g)));
      Aligned gs(std::max(pw.scratch_bytes(), pr.scratch_bytes()));
      std::vector<float> y(static_cast<size_t>(g.seq_len * batch * g.hidden + 2 * batch * g.hidden));
      float* yh = y.data() + g.seq_len * batch * g.hidden;
      lstm_dynamic(g, true, x.data(), pw, pr, h0.data(), nullptr, y.data(), batch * g.hidden, yh, yh + batch * g.hidden,
                   scratch.data(), gs.get());
      (reference ? y_ref : y_fast) = y;
    }
    expect_bit_identical(y_fast, y_ref, "LSTM batch " + std::to_string(batch));
  }
}

TEST(DynamicGemmReference, RowQuantizationKeepsZeroExactAndCoversTheRange) {
  const std::vector<std::vector<float>> rows = {
      {0.0f, 1.0f, -2.0f, 3.5f}, {0.5f, 0.25f, 2.0f}, {-4.0f, -1.0f}, {0.0f, 0.0f, 0.0f}, {7.0f}};
  for (const auto& row : rows) {
    std::vector<uint8_t> q(row.size());
    const ref::RowQuant p = ref::quantize_row_u8(row.data(), static_cast<int64_t>(row.size()), q.data());
    EXPECT_GT(p.scale, 0.0f);
    EXPECT_GE(p.zero_point, 0);
    EXPECT_LE(p.zero_point, 255);
    for (size_t i = 0; i < row.size(); ++i) {
      const float back = static_cast<float>(q[i] - p.zero_point) * p.scale;
      EXPECT_LE(std::fabs(back - row[i]), p.scale * 0.5f + 1e-6f) << "value " << row[i];
      if (row[i] == 0.0f) EXPECT_EQ(back, 0.0f);
    }
  }
  const float nan_row[3] = {1.0f, std::nanf(""), -1.0f};
  uint8_t q[3];
  const ref::RowQuant p = ref::quantize_row_u8(nan_row, 3, q);  // defined, whatever the order
  EXPECT_EQ(p.scale, 1.0f);
  EXPECT_EQ(p.zero_point, 0);
}

TEST(DynamicGemmReference, WithinTheQuantizationErrorBound) {
  // |y - x.w| <= sum_k (s_r / 2 * |w_k| + (|x_k| + s_r / 2) * s_w / 2) + float rounding.
  std::mt19937 rng(3);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  const int64_t m = 11, n = 13, k = 97;
  std::vector<float> a(static_cast<size_t>(m * k)), wf(static_cast<size_t>(n * k));
  for (auto& v : a) v = nd(rng);
  for (auto& v : wf) v = nd(rng) * 0.1f;
  std::vector<int8_t> b(wf.size());
  std::vector<float> scale(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) {
    float amax = 0.0f;
    for (int64_t i = 0; i < k; ++i) amax = std::max(amax, std::fabs(wf[j * k + i]));
    scale[j] = amax / 127.0f;
    for (int64_t i = 0; i < k; ++i) b[j * k + i] = static_cast<int8_t>(std::nearbyint(wf[j * k + i] / scale[j]));
  }
  std::vector<float> y(static_cast<size_t>(m * n));
  std::vector<uint8_t> qrow(static_cast<size_t>(k));
  ref::dynamic_gemm_f32(n, k, a.data(), k, b.data(), scale.data(), nullptr, y.data(), n, 0, m, qrow.data());
  for (int64_t r = 0; r < m; ++r) {
    const ref::RowQuant rq = ref::quantize_row_u8(a.data() + r * k, k, qrow.data());
    for (int64_t j = 0; j < n; ++j) {
      double exact = 0, bound = 0, mag = 0;
      for (int64_t i = 0; i < k; ++i) {
        const double x = a[r * k + i], w = wf[j * k + i];
        exact += x * w;
        mag += std::fabs(x * w);
        bound += rq.scale / 2.0 * std::fabs(w) + (std::fabs(x) + rq.scale / 2.0) * scale[j] / 2.0;
      }
      EXPECT_LE(std::fabs(y[r * n + j] - exact), bound + 1e-5 * mag) << "row " << r << " col " << j;
      EXPECT_LT(bound, 0.2 * mag + 0.5) << "the bound itself should be small";
    }
  }
}

TEST(DynamicGemmReference, LstmCloseToFloatLstm) {
  std::mt19937 rng(9);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  const ref::LstmGeometry g{12, 2, 16, 24};
  const int64_t G = 4 * g.hidden;
  std::vector<float> w(static_cast<size_t>(G * g.input_size)), r(static_cast<size_t>(G * g.hidden)), bias(static_cast<size_t>(2 * G));
  std::vector<float> x(static_cast<size_t>(g.seq_len * g.batch * g.input_size));
  for (auto& v : w) v = nd(rng) * 0.2f;
  for (auto& v : r) v = nd(rng) * 0.2f;
  for (auto& v : bias) v = nd(rng) * 0.1f;
  for (auto& v : x) v = nd(rng);
  auto quant = [](const std::vector<float>& f, int64_t rows, int64_t k, std::vector<int8_t>* q, std::vector<float>* s) {
    q->resize(f.size());
    s->resize(static_cast<size_t>(rows));
    for (int64_t j = 0; j < rows; ++j) {
      float amax = 0.0f;
      for (int64_t i = 0; i < k; ++i) amax = std::max(amax, std::fabs(f[j * k + i]));
      (*s)[j] = amax / 127.0f;
      for (int64_t i = 0; i < k; ++i) (*q)[j * k + i] = static_cast<int8_t>(std::nearbyint(f[j * k + i] / (*s)[j]));
    }
  };
  std::vector<int8_t> wq, rq;
  std::vector<float> ws, rs, wb(static_cast<size_t>(G));
  quant(w, G, g.input_size, &wq, &ws);
  quant(r, G, g.hidden, &rq, &rs);
  for (int64_t j = 0; j < G; ++j) wb[j] = bias[j] + bias[G + j];
  DynamicGemm pw, pr;
  pw.pack(G, g.input_size, wq.data(), ws.data(), wb.data(), true);
  pr.pack(G, g.hidden, rq.data(), rs.data(), nullptr, true);
  const int64_t ysize = g.seq_len * g.batch * g.hidden;
  std::vector<float> y_dyn(static_cast<size_t>(ysize)), y_f32(static_cast<size_t>(ysize));
  std::vector<float> scratch(static_cast<size_t>(std::max(dynamic_lstm_scratch_floats(g), 6 * g.batch * g.hidden)));
  Aligned gs(std::max(pw.scratch_bytes(), pr.scratch_bytes()));
  lstm_dynamic(g, false, x.data(), pw, pr, nullptr, nullptr, y_dyn.data(), g.batch * g.hidden, nullptr, nullptr,
               scratch.data(), gs.get());
  ref::lstm_f32(g, false, x.data(), w.data(), r.data(), bias.data(), nullptr, nullptr, y_f32.data(), g.batch * g.hidden,
                nullptr, nullptr, scratch.data());
  double ab = 0, aa = 0, bb = 0, worst = 0;
  for (int64_t i = 0; i < ysize; ++i) {
    ab += double(y_dyn[i]) * y_f32[i], aa += double(y_dyn[i]) * y_dyn[i], bb += double(y_f32[i]) * y_f32[i];
    worst = std::max(worst, std::fabs(double(y_dyn[i]) - y_f32[i]));
  }
  EXPECT_GT(ab / std::sqrt(aa * bb), 0.999);
  EXPECT_LT(worst, 0.05);
}

}  // namespace
}  // namespace qinfer
