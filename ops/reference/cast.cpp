// ONNX Cast between every element type (ref::Elem):
// - to an integer from a floating type: truncated toward zero, saturated to the type's range, NaN -> 0;
// - between integer types: two's-complement wrap (numpy's astype);
// - to float16 / float32 / float64: rounded to nearest even from the exact source value (float16 from a
//   double directly, not through float); to bfloat16: the float value truncated (float16.h);
// - Bool is one byte: any non-zero byte reads as 1, and x -> bool is (x != 0) (NaN -> 1, as numpy).
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "reference/elementwise.h"
#include "reference/float16.h"

namespace qinfer::ref {

namespace {

template <typename To>
To saturate(double v) {
  if (std::isnan(v)) return 0;
  if constexpr (std::is_same_v<To, int64_t>) {  // 2^63 is not representable as int64: compare in double
    if (v >= 9223372036854775807.0) return std::numeric_limits<int64_t>::max();
    if (v <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(v);
  } else if constexpr (std::is_same_v<To, uint64_t>) {  // likewise 2^64
    if (v >= 18446744073709551615.0) return std::numeric_limits<uint64_t>::max();
    return v <= 0.0 ? 0 : static_cast<uint64_t>(v);
  } else {
    const double lo = std::numeric_limits<To>::min(), hi = std::numeric_limits<To>::max();
    return static_cast<To>(std::trunc(std::min(std::max(v, lo), hi)));
  }
}

template <typename T>
void put(void* y, int64_t i, T v) {
  static_cast<T*>(y)[i] = v;
}

template <typename To, typename From>
To to_integer(From v) {
  if constexpr (std::is_floating_point_v<From>) return saturate<To>(double(v));
  else return static_cast<To>(v);
}

// Element i of the output from source value v (float16 / bfloat16 sources arrive as float).
template <typename From>
void store(From v, Elem to, void* y, int64_t i) {
  switch (to) {
    case Elem::Bool: return put<uint8_t>(y, i, v != 0);
    case Elem::F32: return put<float>(y, i, static_cast<float>(v));
    case Elem::F64: return put<double>(y, i, static_cast<double>(v));
    case Elem::F16:  // from an integer: float(v) is exact wherever the half is finite
      return put<uint16_t>(y, i, half_from_double(std::is_same_v<From, double> ? double(v) : double(static_cast<float>(v))));
    case Elem::BF16: return put<uint16_t>(y, i, bfloat16_from_float(static_cast<float>(v)));
    case Elem::U8: return put<uint8_t>(y, i, to_integer<uint8_t>(v));
    case Elem::I8: return put<int8_t>(y, i, to_integer<int8_t>(v));
    case Elem::I32: return put<int32_t>(y, i, to_integer<int32_t>(v));
    case Elem::I64: return put<int64_t>(y, i, to_integer<int64_t>(v));
    case Elem::U32: return put<uint32_t>(y, i, to_integer<uint32_t>(v));
    case Elem::U64: return put<uint64_t>(y, i, to_integer<uint64_t>(v));
  }
}

template <typename T>
T get(const void* x, int64_t i) {
  return static_cast<const T*>(x)[i];
}

}  // namespace

void cast(Elem from, const void* x, Elem to, void* y, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    switch (from) {
      case Elem::F32: store(get<float>(x, i), to, y, i); break;
      case Elem::F64: store(get<double>(x, i), to, y, i); break;
      case Elem::F16: store(half_to_float(get<uint16_t>(x, i)), to, y, i); break;
      case Elem::BF16: store(bfloat16_to_float(get<uint16_t>(x, i)), to, y, i); break;
      case Elem::U8: store(get<uint8_t>(x, i), to, y, i); break;
      case Elem::I8: store(get<int8_t>(x, i), to, y, i); break;
      case Elem::I32: store(get<int32_t>(x, i), to, y, i); break;
      case Elem::I64: store(get<int64_t>(x, i), to, y, i); break;
      case Elem::U32: store(get<uint32_t>(x, i), to, y, i); break;
      case Elem::U64: store(get<uint64_t>(x, i), to, y, i); break;
      case Elem::Bool: store(uint8_t{get<uint8_t>(x, i) != 0}, to, y, i); break;
    }
  }
}

}  // namespace qinfer::ref
