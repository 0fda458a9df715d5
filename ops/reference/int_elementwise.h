// Reference element-wise ops on integer data (ONNX semantics): Add/Sub/Mul/Div on uint8, int8 and
// int32 wrap around (two's complement), Div truncates toward zero (x / 0 gives 0); Pow with integer
// operands; Clip of integers. Header-only: the runtime's integer kernels instantiate what they use.
#pragma once

#include <cmath>
#include <cstring>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "broadcast.h"

namespace qinfer::ref {

enum class IntBinaryOp { Add, Sub, Mul, Div };

// Numpy broadcasting of y[i] = f(a[ia], b[ib]); a, b and y may have different element types.
template <typename A, typename B, typename Y, typename F>
void broadcast_map(const std::vector<int64_t>& a_shape, const A* a, const std::vector<int64_t>& b_shape, const B* b,
                   const std::vector<int64_t>& out_shape, Y* y, F f) {
  for_each_broadcast(out_shape, broadcast_strides(a_shape, out_shape), broadcast_strides(b_shape, out_shape),
                     [&](int64_t i, int64_t ia, int64_t ib) { y[i] = f(a[ia], b[ib]); });
}

// The value of `v` modulo 2^bits(T), as T.
template <typename T>
T wrap_to(uint64_t v) {
  using U = std::make_unsigned_t<T>;
  const U u = static_cast<U>(v);
  T out;
  static_assert(sizeof(U) == sizeof(T), "");
  std::memcpy(&out, &u, sizeof(T));
  return out;
}

template <typename T>
T int_binary_scalar(IntBinaryOp op, T u, T v) {
  const uint64_t a = static_cast<uint64_t>(static_cast<int64_t>(u)), b = static_cast<uint64_t>(static_cast<int64_t>(v));
  switch (op) {
    case IntBinaryOp::Add: return wrap_to<T>(a + b);
    case IntBinaryOp::Sub: return wrap_to<T>(a - b);
    case IntBinaryOp::Mul: return wrap_to<T>(a * b);
    case IntBinaryOp::Div:
      if (v == 0) return 0;
      // In int64, T's minimum / -1 does not trap; the result wraps back into T.
      return wrap_to<T>(static_cast<uint64_t>(static_cast<int64_t>(u) / static_cast<int64_t>(v)));
  }
  return 0;
}

template <typename T>
void int_binary(IntBinaryOp op, const std::vector<int64_t>& a_shape, const T* a, const std::vector<int64_t>& b_shape,
                const T* b, const std::vector<int64_t>& out_shape, T* y) {
  broadcast_map(a_shape, a, b_shape, b, out_shape, y, [op](T u, T v) { return int_binary_scalar(op, u, v); });
}

// ONNX Pow with mixed element types; the result has X's type (E may also be uint32 / uint64). Integer ** integer is exact
// exponentiation (wrapping; a negative exponent gives the integer part of the real result);
// otherwise the power is computed in double and converted (truncated) to X's type.
template <typename X, typename E>
X pow_scalar(X x, E e) {
  if constexpr (std::is_integral_v<X> && std::is_integral_v<E>) {
    const int64_t b = static_cast<int64_t>(x);
    if constexpr (std::is_signed_v<E>)
      if (e < 0) return static_cast<X>(b == 1 ? 1 : b == -1 ? (e % 2 ? -1 : 1) : 0);
    uint64_t r = 1;  // an unsigned exponent (up to 2^64 - 1) is used as it is
    for (uint64_t base = static_cast<uint64_t>(b), k = static_cast<uint64_t>(e); k; k >>= 1, base *= base)
      if (k & 1) r *= base;
    return wrap_to<X>(r);
  } else {
    const double p = std::pow(static_cast<double>(x), static_cast<double>(e));
    if constexpr (std::is_integral_v<X>) {
      if (!std::isfinite(p)) return 0;
      if (p >= static_cast<double>(std::numeric_limits<X>::max())) return std::numeric_limits<X>::max();
      if (p <= static_cast<double>(std::numeric_limits<X>::min())) return std::numeric_limits<X>::min();
      return static_cast<X>(p);
    } else {
      return static_cast<X>(p);
    }
  }
}

template <typename X, typename E>
void pow_mixed(const std::vector<int64_t>& x_shape, const X* x, const std::vector<int64_t>& e_shape, const E* e,
               const std::vector<int64_t>& out_shape, X* y) {
  broadcast_map(x_shape, x, e_shape, e, out_shape, y, [](X u, E v) { return pow_scalar<X, E>(u, v); });
}

template <typename T>
void clip_int(const T* x, T lo, T hi, T* y, int64_t count) {
  for (int64_t i = 0; i < count; ++i) y[i] = x[i] < lo ? lo : (x[i] > hi ? hi : x[i]);
}

}  // namespace qinfer::ref
