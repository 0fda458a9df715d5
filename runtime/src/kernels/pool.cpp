// MaxPool: fp32 NCHW or uint8 NHWC (max commutes with the monotonic quantization).
#include <cstdlib>
#include <cstring>

#include "kernels/kernel.h"
#include "kernels/node_check.h"
#include "pool_qu8_hwy.h"
#include "reference/pool.h"

namespace qinfer {

namespace {

class MaxPoolKernel : public Kernel {
 public:
  MaxPoolKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(1, 1, node.outputs.size() == 2 ? 2 : 1);  // optional Indices (fp32 only)
    const fb::PoolOptions* o = check_.options<fb::PoolOptions>("PoolOptions");
    kernel_ = check_.ints(o->kernel(), 2, 1, 1, "kernel");
    if (!o->kernel()) check_.fail("kernel is required");
    if (node.outputs.size() == 2) {
      indices_ = true;
      column_major_ = o->column_major_indices();
      check_.expect_dtype(check_.input(0), DType::Float32, "input");
      check_.expect_dtype(check_.output(1), DType::Int64, "indices");
      check_.expect_layout(check_.output(1), fb::Layout::Plain, "indices");
    }
    strides_ = check_.ints(o->strides(), 2, 1, 1, "strides");
    pads_ = check_.ints(o->pads(), 4, 0, 0, "pads");
    dilations_ = check_.ints(o->dilations(), 2, 1, 1, "dilations");
    ceil_mode_ = o->ceil_mode();
    for (int i = 0; i < 4; ++i)
      if (pads_[i] >= kernel_[i % 2] * dilations_[i % 2])
        check_.fail("pad " + std::to_string(pads_[i]) + " must be smaller than the window");
    const TensorDesc& x = check_.input(0);
    const TensorDesc& y = check_.output(0);
    quantized_ = x.dtype != DType::Float32;
    check_.expect_dtype(y, x.dtype, "output");
    if (x.dtype == DType::UInt8 && x.quant.empty() && x.layout == fb::Layout::Plain) {
      // Plain uint8 NCHW: each (n, c) plane is an NHWC image with one channel.
      if (!y.quant.empty()) check_.fail("output '" + y.name + "' is quantized but the input is plain uint8");
      check_.expect_layout(y, fb::Layout::Plain, "output");
      plain_u8_ = true;
      return;
    }
    if (!quantized_) {
      check_.expect_layout(x, fb::Layout::Plain, "input");
      check_.expect_layout(y, fb::Layout::Plain, "output");
      return;
    }
    check_.expect_dtype(x, DType::UInt8, "input");
    check_.expect_layout(x, fb::Layout::NHWC, "input");
    check_.expect_layout(y, fb::Layout::NHWC, "output");
    if (x.quant.scale != y.quant.scale || x.quant.zero_point != y.quant.zero_point)
      check_.fail("int8 MaxPool needs identical input and output quantization");
    const char* isa = std::getenv("QINFER_ISA");  // QINFER_ISA=ref keeps the scalar reference
    vector_ = !(isa && std::strcmp(isa, "ref") == 0);
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    const Shape& x = *in[0];
    if (x.size() != 4) check_.fail("input shape " + shape_string(x) + " must have rank 4 (N, C, H, W)");
    const int64_t oh = ref::conv_out_extent(x[2], kernel_[0], strides_[0], pads_[0], pads_[2], dilations_[0], ceil_mode_);
    const int64_t ow = ref::conv_out_extent(x[3], kernel_[1], strides_[1], pads_[1], pads_[3], dilations_[1], ceil_mode_);
    if (oh <= 0 || ow <= 0) check_.fail("input " + shape_string(x) + " is smaller than the pooling window");
    if (indices_) return {Shape{x[0], x[1], oh, ow}, Shape{x[0], x[1], oh, ow}};
    return {Shape{x[0], x[1], oh, ow}};
  }

  void run(const KernelIO& io, ThreadPool& pool) const override {
    const Shape& x = *io.input_shapes[0];
    const Shape& y = *io.output_shapes[0];
    ref::Conv2DGeometry g;
    g.batch = x[0], g.in_c = g.out_c = x[1], g.in_h = x[2], g.in_w = x[3];
    g.out_h = y[2], g.out_w = y[3];
    g.kernel_h = kernel_[0], g.kernel_w = kernel_[1];
    g.stride_h = strides_[0], g.stride_w = strides_[1];
    g.pad_top = pads_[0], g.pad_left = pads_[1];
    g.dilation_h = dilations_[0], g.dilation_w = dilations_[1];
    if (plain_u8_) g.batch *= g.in_c, g.in_c = g.out_c = 1;
    if (indices_) {
      pool.parallel_for(g.rows(), [&](int64_t b, int64_t e) {
        ref::maxpool2d_f32_nchw_indices(g, column_major_, static_cast<const float*>(io.inputs[0]), static_cast<float*>(io.outputs[0]),
                                        static_cast<int64_t*>(io.outputs[1]), b, e);
      });
      return;
    }
    pool.parallel_for(g.rows(), [&](int64_t b, int64_t e) {
      if (quantized_ && vector_)
        q8::maxpool2d_u8_nhwc_hwy(g, static_cast<const uint8_t*>(io.inputs[0]), static_cast<uint8_t*>(io.outputs[0]), b, e);
      else if (quantized_)
        ref::maxpool2d_u8_nhwc(g, static_cast<const uint8_t*>(io.inputs[0]), static_cast<uint8_t*>(io.outputs[0]), b, e);
      else
        ref::maxpool2d_f32_nchw(g, static_cast<const float*>(io.inputs[0]), static_cast<float*>(io.outputs[0]), b, e);
    });
  }

 private:
  NodeCheck check_;
  std::vector<int64_t> kernel_, strides_, pads_, dilations_;
  bool ceil_mode_ = false, quantized_ = false, plain_u8_ = false, indices_ = false, column_major_ = false;
  bool vector_ = false;
};

// GlobalAveragePool: fp32 NCHW, or uint8 NHWC requantized to the output's own scale.
class GlobalAveragePoolKernel : public Kernel {
 public:
  GlobalAveragePoolKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(1, 1, 1);
    const TensorDesc& x = check_.input(0);
    const TensorDesc& y = check_.output(0);
    quantized_ = x.dtype != DType::Float32;
    if (!quantized_) {
      check_.expect_dtype(y, DType::Float32, "output");
      check_.expect_layout(x, fb::Layout::Plain, "input");
      check_.expect_layout(y, fb::Layout::Plain, "output");
      return;
    }
    check_.expect_dtype(x, DType::UInt8, "input");
    check_.expect_dtype(y, DType::UInt8, "output");
    check_.expect_layout(x, fb::Layout::NHWC, "input");
    check_.expect_per_tensor(x, "input");
    check_.expect_per_tensor(y, "output");
    x_zero_point_ = x.quant.zero_point[0];
    y_zero_point_ = y.quant.zero_point[0];
    scale_ratio_ = double(x.quant.scale[0]) / double(y.quant.scale[0]);
    const char* isa = std::getenv("QINFER_ISA");  // QINFER_ISA=ref keeps the scalar reference
    vector_ = !(isa && std::strcmp(isa, "ref") == 0);
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    const Shape& x = *in[0];
    if (x.size() != 4) check_.fail("input shape " + shape_string(x) + " must have rank 4 (N, C, H, W)");
    if (x[2] * x[3] == 0) check_.fail("input " + shape_string(x) + " has an empty plane");
    return {Shape{x[0], x[1], 1, 1}};
  }

  void run(const KernelIO& io, ThreadPool& pool) const override {
    const Shape& x = *io.input_shapes[0];
    const int64_t hw = x[2] * x[3];
    if (!quantized_) {
      ref::global_average_pool_f32_nchw(x[0], x[1], hw, static_cast<const float*>(io.inputs[0]), static_cast<float*>(io.outputs[0]));
      return;
    }
    const float multiplier = static_cast<float>(scale_ratio_ / static_cast<double>(hw));
    const auto* xp = static_cast<const uint8_t*>(io.inputs[0]);
    auto* yp = static_cast<uint8_t*>(io.outputs[0]);
    if (!vector_) {
      ref::global_average_pool_u8_nhwc(x[0], x[1], hw, xp, x_zero_point_, multiplier, y_zero_point_, 0, 255, yp);
      return;
    }
    // Threads take blocks of channels (ResNet-50's 7x7x2048: 32 blocks).
    pool.parallel_for((x[1] + kChannelBlock - 1) / kChannelBlock, [&](int64_t b, int64_t e) {
      q8::global_average_pool_u8_nhwc_hwy(x[0], x[1], hw, xp, x_zero_point_, multiplier, y_zero_point_, 0, 255, yp,
                                          b * kChannelBlock, std::min(x[1], e * kChannelBlock));
    });
  }

 private:
  static constexpr int64_t kChannelBlock = 64;
  NodeCheck check_;
  bool quantized_ = false, vector_ = false;
  int32_t x_zero_point_ = 0, y_zero_point_ = 0;
  double scale_ratio_ = 1.0;
};

}  // namespace

namespace {

// AveragePool: fp32 NCHW only.
class AveragePoolKernel : public Kernel {
 public:
  AveragePoolKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(1, 1, 1);
    const fb::PoolOptions* o = check_.options<fb::PoolOptions>("PoolOptions");
    if (!o->kernel()) check_.fail("kernel is required");
    kernel_ = check_.ints(o->kernel(), 2, 1, 1, "kernel");
    strides_ = check_.ints(o->strides(), 2, 1, 1, "strides");
    pads_ = check_.ints(o->pads(), 4, 0, 0, "pads");
    dilations_ = check_.ints(o->dilations(), 2, 1, 1, "dilations");
    ceil_mode_ = o->ceil_mode();
    count_include_pad_ = o->count_include_pad();
    for (int i = 0; i < 4; ++i)
      if (pads_[i] >= kernel_[i % 2] * dilations_[i % 2]) check_.fail("pad " + std::to_string(pads_[i]) + " must be smaller than the window");
    for (const TensorDesc* t : {&check_.input(0), &check_.output(0)}) {
      check_.expect_dtype(*t, DType::Float32, "tensor");
      check_.expect_layout(*t, fb::Layout::Plain, "tensor");
    }
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    const Shape& x = *in[0];
    if (x.size() != 4) check_.fail("input shape " + shape_string(x) + " must have rank 4 (N, C, H, W)");
    const int64_t oh = ref::conv_out_extent(x[2], kernel_[0], strides_[0], pads_[0], pads_[2], dilations_[0], ceil_mode_);
    const int64_t ow = ref::conv_out_extent(x[3], kernel_[1], strides_[1], pads_[1], pads_[3], dilations_[1], ceil_mode_);
    if (oh <= 0 || ow <= 0) check_.fail("input " + shape_string(x) + " is smaller than the pooling window");
    return {Shape{x[0], x[1], oh, ow}};
  }

  void run(const KernelIO& io, ThreadPool& pool) const override {
    const Shape& x = *io.input_shapes[0];
    const Shape& y = *io.output_shapes[0];
    ref::Conv2DGeometry g;
    g.batch = x[0], g.in_c = g.out_c = x[1], g.in_h = x[2], g.in_w = x[3];
    g.out_h = y[2], g.out_w = y[3];
    g.kernel_h = kernel_[0], g.kernel_w = kernel_[1];
    g.stride_h = strides_[0], g.stride_w = strides_[1];
    g.pad_top = pads_[0], g.pad_left = pads_[1];
    g.dilation_h = dilations_[0], g.dilation_w = dilations_[1];
    pool.parallel_for(g.rows(), [&](int64_t b, int64_t e) {
      ref::avgpool2d_f32_nchw(g, count_include_pad_, static_cast<const float*>(io.inputs[0]),
                              static_cast<float*>(io.outputs[0]), b, e);
    });
  }

 private:
  NodeCheck check_;
  std::vector<int64_t> kernel_, strides_, pads_, dilations_;
  bool ceil_mode_ = false, count_include_pad_ = false;
};

}  // namespace

std::unique_ptr<Kernel> create_average_pool_kernel(const Model& model, const NodeDesc& node) {
  return std::make_unique<AveragePoolKernel>(model, node);
}

std::unique_ptr<Kernel> create_global_average_pool_kernel(const Model& model, const NodeDesc& node) {
  return std::make_unique<GlobalAveragePoolKernel>(model, node);
}

std::unique_ptr<Kernel> create_maxpool_kernel(const Model& model, const NodeDesc& node) {
  return std::make_unique<MaxPoolKernel>(model, node);
}

}  // namespace qinfer
