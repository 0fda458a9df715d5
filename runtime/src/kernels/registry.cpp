// Op code -> kernel factory.
#include "kernels/kernel.h"
#include "qinfer/error.h"

namespace qinfer {

std::unique_ptr<Kernel> create_conv_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_gemm_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_maxpool_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_add_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_clamp_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_int_elementwise_kernel(const Model&, const NodeDesc&);  // nullptr if not integer
std::unique_ptr<Kernel> create_flatten_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_quantize_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_global_average_pool_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_average_pool_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_binary_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_unary_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_cast_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_softmax_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_reduce_mean_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_matmul_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_transpose_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_reshape_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_squeeze_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_concat_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_slice_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_gather_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_shape_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_constant_of_shape_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_range_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_conv_transpose_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_resize_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_lstm_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_pad_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_split_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_where_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_lut_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_dynamic_matmul_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_dynamic_lstm_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_mul_qu8_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_concat_qu8_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_conv_transpose_qu8_kernel(const Model&, const NodeDesc&);
bool is_volume_window(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_window_nd_kernel(const Model&, const NodeDesc&);  // 3-D Conv, ConvTranspose, pools

namespace {
// Whether input 0 of `node` is uint8 data (the int8 forms of Mul, Concat and the table ops).
bool uint8_input(const Model& model, const NodeDesc& node) {
  return !node.inputs.empty() && node.inputs[0] >= 0 && model.tensors()[node.inputs[0]].dtype == DType::UInt8;
}
}  // namespace

std::unique_ptr<Kernel> create_kernel(const Model& model, const NodeDesc& node) {
  // Plain integer Add/Sub/Mul/Div/Clip and Pow with integer operands (kernels/int_elementwise.cpp).
  if (std::unique_ptr<Kernel> k = create_int_elementwise_kernel(model, node)) return k;
  if (is_volume_window(model, node)) return create_window_nd_kernel(model, node);
  if (uint8_input(model, node)) {
    if (node.op == fb::OpCode::Mul) return create_mul_qu8_kernel(model, node);
    if (node.op == fb::OpCode::ConvTranspose) return create_conv_transpose_qu8_kernel(model, node);
    if (node.op == fb::OpCode::Concat && node.outputs.size() == 1 && node.outputs[0] >= 0 &&
        !model.tensors()[node.outputs[0]].quant.empty())  // quantized data; plain uint8 is a copy below
      return create_concat_qu8_kernel(model, node);
    if (node.op == fb::OpCode::Sigmoid || node.op == fb::OpCode::HardSigmoid || node.op == fb::OpCode::Tanh)
      return create_lut_kernel(model, node);
  }
  switch (node.op) {
    case fb::OpCode::Quantize:
    case fb::OpCode::Dequantize: return create_quantize_kernel(model, node);
    case fb::OpCode::Conv: return create_conv_kernel(model, node);
    case fb::OpCode::Relu:
    case fb::OpCode::Clip: return create_clamp_kernel(model, node);
    case fb::OpCode::Add:  // int64 Add (shape arithmetic) is one of the plain binary ops
      if (!node.inputs.empty() && node.inputs[0] >= 0 && model.tensors()[node.inputs[0]].dtype == DType::Int64)
        return create_binary_kernel(model, node);
      return create_add_kernel(model, node);
    case fb::OpCode::MaxPool: return create_maxpool_kernel(model, node);
    case fb::OpCode::Flatten: return create_flatten_kernel(model, node);
    case fb::OpCode::Gemm: return create_gemm_kernel(model, node);
    case fb::OpCode::GlobalAveragePool: return create_global_average_pool_kernel(model, node);
    case fb::OpCode::Sub:
    case fb::OpCode::Mul:
    case fb::OpCode::Div:
    case fb::OpCode::Pow: return create_binary_kernel(model, node);
    case fb::OpCode::Sigmoid:
    case fb::OpCode::HardSigmoid:
    case fb::OpCode::Sqrt:
    case fb::OpCode::Erf:
    case fb::OpCode::Tanh:
    case fb::OpCode::Exp:
    case fb::OpCode::Log:
    case fb::OpCode::Neg:
    case fb::OpCode::Abs:
    case fb::OpCode::Reciprocal: return create_unary_kernel(model, node);
    case fb::OpCode::Cast: return create_cast_kernel(model, node);
    case fb::OpCode::Softmax: return create_softmax_kernel(model, node);
    case fb::OpCode::ReduceMean: return create_reduce_mean_kernel(model, node);
    case fb::OpCode::MatMul: return create_matmul_kernel(model, node);
    case fb::OpCode::Transpose: return create_transpose_kernel(model, node);
    case fb::OpCode::Reshape: return create_reshape_kernel(model, node);
    case fb::OpCode::Squeeze:
    case fb::OpCode::Unsqueeze: return create_squeeze_kernel(model, node);
    case fb::OpCode::Concat: return create_concat_kernel(model, node);
    case fb::OpCode::Slice: return create_slice_kernel(model, node);
    case fb::OpCode::Gather: return create_gather_kernel(model, node);
    case fb::OpCode::Shape: return create_shape_kernel(model, node);
    case fb::OpCode::ConstantOfShape: return create_constant_of_shape_kernel(model, node);
    case fb::OpCode::Range: return create_range_kernel(model, node);
    case fb::OpCode::ConvTranspose: return create_conv_transpose_kernel(model, node);
    case fb::OpCode::Resize: return create_resize_kernel(model, node);
    case fb::OpCode::AveragePool: return create_average_pool_kernel(model, node);
    case fb::OpCode::LSTM: return create_lstm_kernel(model, node);
    case fb::OpCode::Pad: return create_pad_kernel(model, node);
    case fb::OpCode::Split: return create_split_kernel(model, node);
    case fb::OpCode::Where: return create_where_kernel(model, node);
    case fb::OpCode::HardSwish: return create_lut_kernel(model, node);
    case fb::OpCode::DynamicQuantMatMul: return create_dynamic_matmul_kernel(model, node);
    case fb::OpCode::DynamicQuantLSTM: return create_dynamic_lstm_kernel(model, node);
  }
  throw Error(model.source() + ": " + model.describe(node) + ": no kernel for this op");
}

}  // namespace qinfer
