#include "reference/quantize.h"

#include <cstring>

#include "quant_math.h"

namespace qinfer::ref {

int64_t moved_offset(int64_t i, const Dims4& d, LayoutMove move) {
  switch (move) {
    case LayoutMove::None:
      return i;
    case LayoutMove::NchwToNhwc: {  // i indexes NCHW
      const int64_t x = i % d.w, y = (i / d.w) % d.h, c = (i / (d.w * d.h)) % d.c, n = i / (d.w * d.h * d.c);
      return ((n * d.h + y) * d.w + x) * d.c + c;
    }
    case LayoutMove::NhwcToNchw: {  // i indexes NHWC
      const int64_t c = i % d.c, x = (i / d.c) % d.w, y = (i / (d.c * d.w)) % d.h, n = i / (d.c * d.w * d.h);
      return ((n * d.c + c) * d.h + y) * d.w + x;
    }
  }
  return i;
}

void quantize_f32_u8(int64_t count, const float* x, float scale, int32_t zero_point, uint8_t* y,
                     const Dims4& dims, LayoutMove move) {
  const auto r = qmath::uint8_range();
  if (move == LayoutMove::NchwToNhwc) {  // the model-input boundary: plane by plane, no index math per element
    const int64_t hw = dims.h * dims.w;
    for (int64_t n = 0; n < dims.n; ++n)
      for (int64_t c = 0; c < dims.c; ++c) {
        const float* src = x + (n * dims.c + c) * hw;
        uint8_t* dst = y + n * hw * dims.c + c;
        for (int64_t i = 0; i < hw; ++i)
          dst[i * dims.c] = static_cast<uint8_t>(qmath::quantize(src[i], scale, zero_point, r.lo, r.hi));
      }
    return;
  }
  for (int64_t i = 0; i < count; ++i)
    y[moved_offset(i, dims, move)] = static_cast<uint8_t>(qmath::quantize(x[i], scale, zero_point, r.lo, r.hi));
}

void quantize_f32_s16(int64_t count, const float* x, float scale, int16_t* y, const Dims4& dims, LayoutMove move) {
  const auto r = qmath::int16_range();
  for (int64_t i = 0; i < count; ++i)
    y[moved_offset(i, dims, move)] = static_cast<int16_t>(qmath::quantize(x[i], scale, 0, r.lo, r.hi));
}

void quantize_f32_q8_axis(int64_t count, const float* x, const float* scales, const int32_t* zero_points,
                          int64_t channels, int64_t inner, bool int8_out, void* y) {
  const auto r = int8_out ? qmath::int8_range() : qmath::uint8_range();
  for (int64_t i = 0; i < count; ++i) {
    const int64_t c = (i / inner) % channels;
    const int32_t q = qmath::quantize(x[i], scales[c], zero_points[c], r.lo, r.hi);
    if (int8_out) static_cast<int8_t*>(y)[i] = static_cast<int8_t>(q);
    else static_cast<uint8_t*>(y)[i] = static_cast<uint8_t>(q);
  }
}

void dequantize_u8_f32(int64_t count, const uint8_t* x, float scale, int32_t zero_point, float* y,
                       const Dims4& dims, LayoutMove move) {
  for (int64_t i = 0; i < count; ++i) y[moved_offset(i, dims, move)] = qmath::dequantize(x[i], scale, zero_point);
}

void move_layout_u8(const uint8_t* x, uint8_t* y, const Dims4& dims, LayoutMove move) {
  if (move == LayoutMove::None || dims.c == 1 || dims.h * dims.w == 1) {  // both orders are the same
    std::memcpy(y, x, static_cast<size_t>(dims.count()));
    return;
  }
  // Loops over (n, pixel, c) rather than moved_offset per element: no divisions (Flatten runs this).
  const int64_t hw = dims.h * dims.w;
  for (int64_t n = 0; n < dims.n; ++n)
    for (int64_t p = 0; p < hw; ++p)
      for (int64_t c = 0; c < dims.c; ++c) {
        const int64_t nhwc = (n * hw + p) * dims.c + c, nchw = (n * dims.c + c) * hw + p;
        if (move == LayoutMove::NhwcToNchw)
          y[nchw] = x[nhwc];
        else
          y[nhwc] = x[nchw];
      }
}

}  // namespace qinfer::ref
