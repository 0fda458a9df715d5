// Reference elementwise ops: Add (with broadcasting), clamps (Relu, Clip), the other broadcasting
// binary ops (float32 and int64) and unary float32 functions.
#pragma once

#include <cstdint>
#include <vector>

namespace qinfer::ref {

// y = clamp(a + b, out_min, out_max) with numpy broadcasting of a and b onto out_shape.
void add_f32(const std::vector<int64_t>& a_shape, const float* a, const std::vector<int64_t>& b_shape,
             const float* b, const std::vector<int64_t>& out_shape, float out_min, float out_max, float* y);

// Quantized add (see qmath::add): y = clamp(rne((a - za) * ma + (b - zb) * mb) + zy, y_min, y_max).
struct AddQu8Params {
  int32_t a_zero_point, b_zero_point, y_zero_point;
  float a_multiplier, b_multiplier;  // s_a / s_y, s_b / s_y
  int32_t y_min, y_max;
};
void add_qu8(const std::vector<int64_t>& a_shape, const uint8_t* a, const std::vector<int64_t>& b_shape,
             const uint8_t* b, const std::vector<int64_t>& out_shape, const AddQu8Params& p, uint8_t* y);
// The same on equal shapes, count elements; y may be a or b (element-wise, in place).
void add_qu8_flat(int64_t count, const uint8_t* a, const uint8_t* b, const AddQu8Params& p, uint8_t* y);

void clamp_f32(int64_t count, const float* x, float lo, float hi, float* y);
void clamp_u8(int64_t count, const uint8_t* x, uint8_t lo, uint8_t hi, uint8_t* y);

// y = a op b with numpy broadcasting onto out_shape. float32: IEEE arithmetic, Pow = std::pow.
// int64: wrapping add/sub/mul; Div truncates toward zero, and x / 0 = 0 (defined, never traps).
enum class BinaryOp { Add, Sub, Mul, Div, Pow };
void binary_f32(BinaryOp op, const std::vector<int64_t>& a_shape, const float* a, const std::vector<int64_t>& b_shape,
                const float* b, const std::vector<int64_t>& out_shape, float* y);
void binary_i64(BinaryOp op, const std::vector<int64_t>& a_shape, const int64_t* a,
                const std::vector<int64_t>& b_shape, const int64_t* b, const std::vector<int64_t>& out_shape,
                int64_t* y);

// y[i] = f(x[i]) for i in [begin, end). HardSigmoid: max(0, min(1, alpha * x + beta)).
enum class UnaryOp { Sigmoid, HardSigmoid, Sqrt, Erf, Tanh, Exp, Log, Neg, Abs, Reciprocal };
void unary_f32(UnaryOp op, const float* x, float alpha, float beta, float* y, int64_t begin, int64_t end);

// Element conversion (ONNX Cast), defined in reference/cast.cpp.
enum class Elem { F32, U8, I8, I32, I64, Bool, F16, BF16, F64, U32, U64 };
void cast(Elem from, const void* x, Elem to, void* y, int64_t count);

}  // namespace qinfer::ref
