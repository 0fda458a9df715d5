// Flatten, Quantize and Dequantize: ops that move data between types and layouts.
#include <cstdlib>
#include <cstring>

#include "conv_qs16s8_hwy.h"
#include "elementwise_qu8_hwy.h"
#include "kernels/kernel.h"
#include "kernels/node_check.h"
#include "reference/quantize.h"

namespace qinfer {

namespace {

ref::Dims4 dims4(const Shape& s) { return {s[0], s[1], s[2], s[3]}; }

ref::LayoutMove layout_move(fb::Layout from, fb::Layout to) {
  if (from == to) return ref::LayoutMove::None;
  return from == fb::Layout::Plain ? ref::LayoutMove::NchwToNhwc : ref::LayoutMove::NhwcToNchw;
}

class FlattenKernel : public Kernel {
 public:
  FlattenKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(1, 1, 1);
    axis_ = check_.options<fb::FlattenOptions>("FlattenOptions")->axis();
    const TensorDesc& x = check_.input(0);
    const TensorDesc& y = check_.output(0);
    check_.expect_dtype(y, x.dtype, "output");
    check_.expect_layout(y, fb::Layout::Plain, "output");
    nhwc_input_ = x.layout == fb::Layout::NHWC;
    if (nhwc_input_ && dtype_size(x.dtype) != 1) check_.fail("NHWC input must be 8-bit");
    if (x.dtype != DType::Float32 && (x.quant.scale != y.quant.scale || x.quant.zero_point != y.quant.zero_point))
      check_.fail("quantized Flatten needs identical input and output quantization");
    elem_size_ = dtype_size(x.dtype);
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    const Shape& x = *in[0];
    const int64_t rank = static_cast<int64_t>(x.size());
    const int64_t axis = axis_ < 0 ? axis_ + rank : axis_;
    if (axis < 0 || axis > rank) check_.fail("axis " + std::to_string(axis_) + " is out of range for input " + shape_string(x));
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < rank; ++i) (i < axis ? outer : inner) *= x[i];
    return {Shape{outer, inner}};
  }

  void run(const KernelIO& io, ThreadPool&) const override {
    const Shape& x = *io.input_shapes[0];
    if (nhwc_input_)  // data leaves the NHWC world: restore the logical (NCHW) element order
      ref::move_layout_u8(static_cast<const uint8_t*>(io.inputs[0]), static_cast<uint8_t*>(io.outputs[0]), dims4(x),
                          ref::LayoutMove::NhwcToNchw);
    else
      std::memcpy(io.outputs[0], io.inputs[0], static_cast<size_t>(element_count(x)) * elem_size_);
  }

 private:
  NodeCheck check_;
  int32_t axis_ = 1;
  bool nhwc_input_ = false;
  size_t elem_size_ = 4;
};

// Quantize (fp32 -> uint8) and Dequantize (uint8 -> fp32), per tensor, optionally moving
// between plain NCHW and NHWC in the same pass; and Quantize of plain data into int8, or with
// per-axis parameters (an imported QuantizeLinear; reference kernel, no layout move); and Quantize
// into symmetric int16 (the W8A16 input layer, optionally NCHW -> NHWC).
class QuantizeKernel : public Kernel {
 public:
  QuantizeKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(1, 1, 1);
    quantize_ = node.op == fb::OpCode::Quantize;
    const TensorDesc& x = check_.input(0);
    const TensorDesc& y = check_.output(0);
    const TensorDesc& q = quantize_ ? y : x;
    check_.expect_dtype(quantize_ ? x : y, DType::Float32, quantize_ ? "input" : "output");
    if (quantize_ && q.dtype == DType::Int16) {
      check_.expect_per_tensor(q, "output");
      if (q.quant.zero_point[0] != 0)
        check_.fail("int16 output '" + q.name + "' has zero point " + std::to_string(q.quant.zero_point[0]) +
                    "; int16 activations must be symmetric (0)");
      check_.expect_layout(x, fb::Layout::Plain, "input");
      int16_out_ = true;
      scale_ = q.quant.scale[0];
      move_ = layout_move(x.layout, y.layout);
      const char* isa = std::getenv("QINFER_ISA");
      vector_ = !(isa && std::strcmp(isa, "ref") == 0);
      return;
    }
    if (quantize_ && (q.dtype == DType::Int8 || q.quant.scale.size() > 1)) {
      read_axis_form(x, q);
      return;
    }
    check_.expect_dtype(q, DType::UInt8, quantize_ ? "output" : "input");
    check_.expect_per_tensor(q, quantize_ ? "output" : "input");
    check_.expect_layout(quantize_ ? x : y, fb::Layout::Plain, quantize_ ? "input" : "output");
    scale_ = q.quant.scale[0];
    zero_point_ = q.quant.zero_point[0];
    move_ = layout_move(x.layout, y.layout);
    const char* isa = std::getenv("QINFER_ISA");  // QINFER_ISA=ref keeps the scalar reference
    vector_ = !(isa && std::strcmp(isa, "ref") == 0);
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    if (move_ != ref::LayoutMove::None && in[0]->size() != 4)
      check_.fail("a layout change needs a rank-4 input, got " + shape_string(*in[0]));
    if (scales_.size() > 1 &&
        (axis_ >= static_cast<int64_t>(in[0]->size()) || (*in[0])[axis_] != static_cast<int64_t>(scales_.size())))
      check_.fail("input " + shape_string(*in[0]) + " does not have " + std::to_string(scales_.size()) +
                  " slices along axis " + std::to_string(axis_) + " (one per scale)");
    return {*in[0]};
  }

  void run(const KernelIO& io, ThreadPool& pool) const override {
    const Shape& s = *io.input_shapes[0];
    const int64_t count = element_count(s);
    if (!scales_.empty()) {  // the int8 / per-axis form
      int64_t inner = 1;
      for (size_t d = static_cast<size_t>(axis_) + 1; scales_.size() > 1 && d < s.size(); ++d) inner *= s[d];
      ref::quantize_f32_q8_axis(count, static_cast<const float*>(io.inputs[0]), scales_.data(), zero_points_.data(),
                                static_cast<int64_t>(scales_.size()), inner, int8_out_, io.outputs[0]);
      return;
    }
    const ref::Dims4 d = s.size() == 4 ? dims4(s) : ref::Dims4{};
    if (int16_out_ && !vector_) {
      ref::quantize_f32_s16(count, static_cast<const float*>(io.inputs[0]), scale_, static_cast<int16_t*>(io.outputs[0]),
                            d, move_);
      return;
    }
    if (vector_) {
      // Threads take equal shares of a large tensor (a model's input image): the next op then finds
      // each thread's rows in its own cache, and no thread waits for a serial step.
      const int64_t parts = count >= kParallelElements ? pool.threads() : 1;
      pool.parallel_for(parts, [&](int64_t b, int64_t e) {
        for (int64_t part = b; part < e; ++part) {
          if (int16_out_)
            q8::quantize_f32_s16_hwy(static_cast<const float*>(io.inputs[0]), scale_,
                                     static_cast<int16_t*>(io.outputs[0]), d, move_, count, part, parts);
          else if (quantize_)
            q8::quantize_f32_u8_hwy(static_cast<const float*>(io.inputs[0]), scale_, zero_point_,
                                    static_cast<uint8_t*>(io.outputs[0]), d, move_, count, part, parts);
          else
            q8::dequantize_u8_f32_hwy(static_cast<const uint8_t*>(io.inputs[0]), scale_, zero_point_,
                                      static_cast<float*>(io.outputs[0]), d, move_, count, part, parts);
        }
      });
    } else if (quantize_) {
      ref::quantize_f32_u8(count, static_cast<const float*>(io.inputs[0]), scale_, zero_point_,
                           static_cast<uint8_t*>(io.outputs[0]), d, move_);
    } else {
      ref::dequantize_u8_f32(count, static_cast<const uint8_t*>(io.inputs[0]), scale_, zero_point_,
                             static_cast<float*>(io.outputs[0]), d, move_);
    }
  }

 private:
  void read_axis_form(const TensorDesc& x, const TensorDesc& q) {
    if (q.dtype != DType::UInt8 && q.dtype != DType::Int8) check_.fail("output '" + q.name + "' must be uint8 or int8");
    if (q.quant.empty()) check_.fail("output '" + q.name + "' has no quantization");
    for (const TensorDesc* t : {&x, &q}) check_.expect_layout(*t, fb::Layout::Plain, "tensor");
    scales_ = q.quant.scale;
    zero_points_ = q.quant.zero_point;
    zero_points_.resize(scales_.size(), 0);  // an empty list means all zero
    if (q.quant.zero_point.size() > 1 && q.quant.zero_point.size() != scales_.size())
      check_.fail("output '" + q.name + "' has " + std::to_string(q.quant.zero_point.size()) + " zero points for " +
                  std::to_string(scales_.size()) + " scales");
    axis_ = scales_.size() > 1 ? q.quant.axis : 0;
    if (axis_ < 0) check_.fail("output '" + q.name + "' has per-axis quantization without an axis");
    int8_out_ = q.dtype == DType::Int8;
  }

  static constexpr int64_t kParallelElements = 16384;  // smaller tensors: one thread (a split costs more)

  NodeCheck check_;
  std::vector<float> scales_;  // the int8 / per-axis form (empty otherwise)
  std::vector<int32_t> zero_points_;
  int64_t axis_ = 0;
  bool int8_out_ = false;
  bool int16_out_ = false;  // symmetric int16 (per tensor, zero point 0)
  bool quantize_ = true;
  bool vector_ = true;
  float scale_ = 1.0f;
  int32_t zero_point_ = 0;
  ref::LayoutMove move_ = ref::LayoutMove::None;
};

}  // namespace

std::unique_ptr<Kernel> create_flatten_kernel(const Model& model, const NodeDesc& node) {
  return std::make_unique<FlattenKernel>(model, node);
}
std::unique_ptr<Kernel> create_quantize_kernel(const Model& model, const NodeDesc& node) {
  return std::make_unique<QuantizeKernel>(model, node);
}

}  // namespace qinfer
