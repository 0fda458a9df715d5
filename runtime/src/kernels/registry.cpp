// Op code -> kernel factory.
#include "kernels/kernel.h"
#include "qinfer/error.h"

namespace qinfer {

std::unique_ptr<Kernel> create_conv_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_gemm_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_maxpool_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_add_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_clamp_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_flatten_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_quantize_kernel(const Model&, const NodeDesc&);
std::unique_ptr<Kernel> create_global_average_pool_kernel(const Model&, const NodeDesc&);

std::unique_ptr<Kernel> create_kernel(const Model& model, const NodeDesc& node) {
  switch (node.op) {
    case fb::OpCode::Quantize:
    case fb::OpCode::Dequantize: return create_quantize_kernel(model, node);
    case fb::OpCode::Conv: return create_conv_kernel(model, node);
    case fb::OpCode::Relu:
    case fb::OpCode::Clip: return create_clamp_kernel(model, node);
    case fb::OpCode::Add: return create_add_kernel(model, node);
    case fb::OpCode::MaxPool: return create_maxpool_kernel(model, node);
    case fb::OpCode::Flatten: return create_flatten_kernel(model, node);
    case fb::OpCode::Gemm: return create_gemm_kernel(model, node);
    case fb::OpCode::GlobalAveragePool: return create_global_average_pool_kernel(model, node);
  }
  throw Error(model.source() + ": " + model.describe(node) + ": no kernel for this op");
}

}  // namespace qinfer
