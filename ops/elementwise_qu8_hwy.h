// Highway (dynamic dispatch) forms of the uint8 elementwise kernels and of the Quantize /
// Dequantize boundary with its layout change. Each is bit-identical to its reference twin:
//   add_qu8_hwy      ref::add_qu8 on equal shapes (qmath::add)
//   mul_qu8_hwy      ref::mul_qu8 on equal shapes (qmath::requantize of (a - za) * (b - zb))
//   quantize_f32_u8_hwy / dequantize_u8_f32_hwy   ref::quantize_f32_u8 / ref::dequantize_u8_f32
// The float steps are the reference's (no fused multiply-add, round half to even via the SIMD
// conversion); results beyond +-2^30 before the zero point saturate the same way. Multipliers must
// be finite (callers use the reference otherwise). Never allocate, never throw.
#pragma once

#include <cstdint>

#include "reference/elementwise.h"
#include "reference/int8_data.h"
#include "reference/quantize.h"

namespace qinfer::q8 {

// y[i] = add(a[i], b[i]) for i in [0, count).
void add_qu8_hwy(int64_t count, const uint8_t* a, const uint8_t* b, const ref::AddQu8Params& p, uint8_t* y);
// y[i] = mul(a[i], b[i]) for i in [0, count).
void mul_qu8_hwy(int64_t count, const uint8_t* a, const uint8_t* b, const ref::MulQu8Params& p, uint8_t* y);
// Plain float -> uint8 (move None) or NCHW float -> NHWC uint8 (move NchwToNhwc). Only share
// `part` of `parts` equal shares of the work (elements, or whole pixels when the layout moves), so
// that threads can split it; the shares together write every output once.
void quantize_f32_u8_hwy(const float* x, float scale, int32_t zero_point, uint8_t* y, const ref::Dims4& dims,
                         ref::LayoutMove move, int64_t count, int64_t part = 0, int64_t parts = 1);
// Plain uint8 -> float (move None) or NHWC uint8 -> NCHW float (move NhwcToNchw); shares as above.
void dequantize_u8_f32_hwy(const uint8_t* x, float scale, int32_t zero_point, float* y, const ref::Dims4& dims,
                           ref::LayoutMove move, int64_t count, int64_t part = 0, int64_t parts = 1);

}  // namespace qinfer::q8
