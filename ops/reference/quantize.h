// Reference QuantizeLinear / DequantizeLinear (per tensor) and the NCHW <-> NHWC moves that the
// graph boundary fuses with them.
#pragma once

#include <cstdint>

namespace qinfer::ref {

// Which way data moves between a plain NCHW tensor and an NHWC one (dims are logical N,C,H,W).
enum class LayoutMove { None, NchwToNhwc, NhwcToNchw };

struct Dims4 {
  int64_t n = 1, c = 1, h = 1, w = 1;
  int64_t count() const { return n * c * h * w; }
};

// Destination offset of source element i under `move` (identity for None).
int64_t moved_offset(int64_t i, const Dims4& d, LayoutMove move);

void quantize_f32_u8(int64_t count, const float* x, float scale, int32_t zero_point, uint8_t* y,
                     const Dims4& dims, LayoutMove move);
void dequantize_u8_f32(int64_t count, const uint8_t* x, float scale, int32_t zero_point, float* y,
                       const Dims4& dims, LayoutMove move);

// float -> symmetric int16 (zero point 0; the W8A16 input layer): q = clamp(rne(x / scale),
// -32768, 32767), with the same layout moves as quantize_f32_u8.
void quantize_f32_s16(int64_t count, const float* x, float scale, int16_t* y, const Dims4& dims, LayoutMove move);

// QuantizeLinear of plain data into uint8 or int8 (`int8_out`) with one scale / zero point per
// slice along an axis: element i belongs to channel (i / inner) % channels, where inner is the
// product of the dims after the axis (channels = 1: per tensor). Same rounding as quantize_f32_u8.
void quantize_f32_q8_axis(int64_t count, const float* x, const float* scales, const int32_t* zero_points,
                          int64_t channels, int64_t inner, bool int8_out, void* y);

// A pure layout move of 1-byte elements (used by Flatten of NHWC int8 data).
void move_layout_u8(const uint8_t* x, uint8_t* y, const Dims4& dims, LayoutMove move);

}  // namespace qinfer::ref
