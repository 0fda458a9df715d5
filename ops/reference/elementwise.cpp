#include "reference/elementwise.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "broadcast.h"
#include "quant_math.h"

namespace qinfer::ref {

namespace {

// y = f(a, b) with broadcasting; same-shape and scalar operands take a flat loop.
template <typename T, typename F>
void broadcast_apply(const std::vector<int64_t>& a_shape, const T* a, const std::vector<int64_t>& b_shape, const T* b,
                     const std::vector<int64_t>& out_shape, T* y, F f) {
  int64_t total = 1, na = 1, nb = 1;
  for (int64_t d : out_shape) total *= d;
  for (int64_t d : a_shape) na *= d;
  for (int64_t d : b_shape) nb *= d;
  if (na == total && nb == total) {
    for (int64_t i = 0; i < total; ++i) y[i] = f(a[i], b[i]);
  } else if (na == total && nb == 1) {
    for (int64_t i = 0; i < total; ++i) y[i] = f(a[i], b[0]);
  } else if (na == 1 && nb == total) {
    for (int64_t i = 0; i < total; ++i) y[i] = f(a[0], b[i]);
  } else {
    for_each_broadcast(out_shape, broadcast_strides(a_shape, out_shape), broadcast_strides(b_shape, out_shape),
                       [&](int64_t i, int64_t ia, int64_t ib) { y[i] = f(a[ia], b[ib]); });
  }
}

int64_t wrap(uint64_t v) { return static_cast<int64_t>(v); }

}  // namespace

void add_f32(const std::vector<int64_t>& a_shape, const float* a, const std::vector<int64_t>& b_shape,
             const float* b, const std::vector<int64_t>& out_shape, float out_min, float out_max, float* y) {
  broadcast_apply(a_shape, a, b_shape, b, out_shape, y,
                  [&](float u, float v) { return std::min(std::max(u + v, out_min), out_max); });
}

void add_qu8_flat(int64_t count, const uint8_t* a, const uint8_t* b, const AddQu8Params& p, uint8_t* y) {
  for (int64_t i = 0; i < count; ++i)
    y[i] = static_cast<uint8_t>(qmath::add(a[i], p.a_zero_point, p.a_multiplier, b[i], p.b_zero_point,
                                           p.b_multiplier, p.y_zero_point, p.y_min, p.y_max));
}

void add_qu8(const std::vector<int64_t>& a_shape, const uint8_t* a, const std::vector<int64_t>& b_shape,
             const uint8_t* b, const std::vector<int64_t>& out_shape, const AddQu8Params& p, uint8_t* y) {
  if (a_shape == out_shape && b_shape == out_shape) {  // the common residual case: a flat loop
    int64_t count = 1;
    for (int64_t d : out_shape) count *= d;
    add_qu8_flat(count, a, b, p, y);
    return;
  }
  for_each_broadcast(out_shape, broadcast_strides(a_shape, out_shape), broadcast_strides(b_shape, out_shape),
                     [&](int64_t i, int64_t ia, int64_t ib) {
                       y[i] = static_cast<uint8_t>(qmath::add(a[ia], p.a_zero_point, p.a_multiplier, b[ib],
                                                              p.b_zero_point, p.b_multiplier, p.y_zero_point,
                                                              p.y_min, p.y_max));
                     });
}

void clamp_f32(int64_t count, const float* x, float lo, float hi, float* y) {
  for (int64_t i = 0; i < count; ++i) y[i] = std::min(std::max(x[i], lo), hi);
}

void clamp_u8(int64_t count, const uint8_t* x, uint8_t lo, uint8_t hi, uint8_t* y) {
  for (int64_t i = 0; i < count; ++i) y[i] = std::min(std::max(x[i], lo), hi);
}

void binary_f32(BinaryOp op, const std::vector<int64_t>& a_shape, const float* a, const std::vector<int64_t>& b_shape,
                const float* b, const std::vector<int64_t>& out_shape, float* y) {
  switch (op) {
    case BinaryOp::Add: return broadcast_apply(a_shape, a, b_shape, b, out_shape, y, [](float u, float v) { return u + v; });
    case BinaryOp::Sub: return broadcast_apply(a_shape, a, b_shape, b, out_shape, y, [](float u, float v) { return u - v; });
    case BinaryOp::Mul: return broadcast_apply(a_shape, a, b_shape, b, out_shape, y, [](float u, float v) { return u * v; });
    case BinaryOp::Div: return broadcast_apply(a_shape, a, b_shape, b, out_shape, y, [](float u, float v) { return u / v; });
    case BinaryOp::Pow:
      return broadcast_apply(a_shape, a, b_shape, b, out_shape, y, [](float u, float v) { return std::pow(u, v); });
  }
}

void binary_i64(BinaryOp op, const std::vector<int64_t>& a_shape, const int64_t* a,
                const std::vector<int64_t>& b_shape, const int64_t* b, const std::vector<int64_t>& out_shape,
                int64_t* y) {
  using U = uint64_t;
  switch (op) {
    case BinaryOp::Add:
      return broadcast_apply(a_shape, a, b_shape, b, out_shape, y, [](int64_t u, int64_t v) { return wrap(U(u) + U(v)); });
    case BinaryOp::Sub:
      return broadcast_apply(a_shape, a, b_shape, b, out_shape, y, [](int64_t u, int64_t v) { return wrap(U(u) - U(v)); });
    case BinaryOp::Mul:
      return broadcast_apply(a_shape, a, b_shape, b, out_shape, y, [](int64_t u, int64_t v) { return wrap(U(u) * U(v)); });
    case BinaryOp::Div:
      return broadcast_apply(a_shape, a, b_shape, b, out_shape, y, [](int64_t u, int64_t v) -> int64_t {
        if (v == 0) return 0;
        if (v == -1) return wrap(U(0) - U(u));  // INT64_MIN / -1 would trap
        return u / v;
      });
    case BinaryOp::Pow:
      return broadcast_apply(a_shape, a, b_shape, b, out_shape, y, [](int64_t u, int64_t v) {
        U r = 1;  // exponentiation by squaring, wrapping; negative exponents give 0 (integer result)
        if (v < 0) return u == 1 ? int64_t{1} : (u == -1 ? (v % 2 ? int64_t{-1} : int64_t{1}) : int64_t{0});
        for (U base = U(u), e = U(v); e; e >>= 1, base *= base)
          if (e & 1) r *= base;
        return wrap(r);
      });
  }
}

void unary_f32(UnaryOp op, const float* x, float alpha, float beta, float* y, int64_t begin, int64_t end) {
  auto apply = [&](auto f) {
    for (int64_t i = begin; i < end; ++i) y[i] = f(x[i]);
  };
  switch (op) {
    case UnaryOp::Sigmoid: return apply([](float v) { return 1.0f / (1.0f + std::exp(-v)); });
    case UnaryOp::HardSigmoid:
      return apply([&](float v) { return std::max(0.0f, std::min(1.0f, alpha * v + beta)); });
    case UnaryOp::Sqrt: return apply([](float v) { return std::sqrt(v); });
    case UnaryOp::Erf: return apply([](float v) { return std::erf(v); });
    case UnaryOp::Tanh: return apply([](float v) { return std::tanh(v); });
    case UnaryOp::Exp: return apply([](float v) { return std::exp(v); });
    case UnaryOp::Log: return apply([](float v) { return std::log(v); });
    case UnaryOp::Neg: return apply([](float v) { return -v; });
    case UnaryOp::Abs: return apply([](float v) { return std::fabs(v); });
    case UnaryOp::Reciprocal: return apply([](float v) { return 1.0f / v; });
  }
}

}  // namespace qinfer::ref
