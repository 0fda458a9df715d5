// Add (with broadcasting), Relu and Clip, in fp32 or on uint8 data.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "broadcast.h"
#include "elementwise_qu8_hwy.h"
#include "kernels/broadcast_layout.h"
#include "kernels/kernel.h"
#include "kernels/node_check.h"
#include "reference/elementwise.h"

namespace qinfer {

namespace {

class AddKernel : public Kernel {
 public:
  AddKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(2, 2, 1);
    const fb::AddOptions* o = check_.options<fb::AddOptions>("AddOptions");
    clamp_ = fused_clamp(check_, o->activation(), o->clip_min(), o->clip_max());
    const TensorDesc& a = check_.input(0);
    const TensorDesc& b = check_.input(1);
    const TensorDesc& y = check_.output(0);
    layout_ = y.layout;
    check_.expect_layout(a, layout_, "input A");
    check_.expect_layout(b, layout_, "input B");
    quantized_ = a.dtype != DType::Float32;
    if (!quantized_) {
      for (const TensorDesc* t : {&a, &b, &y}) check_.expect_dtype(*t, DType::Float32, "tensor");
      return;
    }
    for (const TensorDesc* t : {&a, &b, &y}) {
      check_.expect_dtype(*t, DType::UInt8, "tensor");
      check_.expect_per_tensor(*t, "tensor");
    }
    const qmath::QRange r = quantized_clamp(y, clamp_);
    params_ = {a.quant.zero_point[0], b.quant.zero_point[0], y.quant.zero_point[0],
               static_cast<float>(double(a.quant.scale[0]) / y.quant.scale[0]),
               static_cast<float>(double(b.quant.scale[0]) / y.quant.scale[0]), r.lo, r.hi};
    // QINFER_ISA=ref keeps the scalar reference; so do multipliers the vector form does not take.
    const char* isa = std::getenv("QINFER_ISA");
    vector_ = !(isa && std::strcmp(isa, "ref") == 0) && std::isfinite(params_.a_multiplier) && std::isfinite(params_.b_multiplier);
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    return {binary_output_shape(check_, *in[0], *in[1], layout_)};
  }

  void run(const KernelIO& io, ThreadPool& pool) const override {
    const Shape& ly = *io.output_shapes[0];
    if (quantized_ && vector_ && *io.input_shapes[0] == ly && *io.input_shapes[1] == ly) {  // same shapes: Highway, split over threads
      const auto* pa = static_cast<const uint8_t*>(io.inputs[0]);
      const auto* pb = static_cast<const uint8_t*>(io.inputs[1]);
      auto* py = static_cast<uint8_t*>(io.outputs[0]);
      const int64_t count = element_count(ly), chunk = 16384;
      pool.parallel_for((count + chunk - 1) / chunk, [&](int64_t cb, int64_t ce) {
        const int64_t begin = cb * chunk, end = std::min(count, ce * chunk);
        q8::add_qu8_hwy(end - begin, pa + begin, pb + begin, params_, py + begin);
      });
      return;
    }
    // Physical shapes: the logical ones on plain data (no copy: run() allocates nothing).
    Shape sa, sb, sy;
    auto physical = [&](const Shape& s, Shape& store) -> const Shape& {
      if (layout_ == fb::Layout::Plain) return s;
      return store = physical_shape(s, layout_);
    };
    const Shape& a = physical(*io.input_shapes[0], sa);
    const Shape& b = physical(*io.input_shapes[1], sb);
    const Shape& y = physical(ly, sy);
    if (quantized_)
      ref::add_qu8(a, static_cast<const uint8_t*>(io.inputs[0]), b, static_cast<const uint8_t*>(io.inputs[1]), y, params_,
                   static_cast<uint8_t*>(io.outputs[0]));
    else
      ref::add_f32(a, static_cast<const float*>(io.inputs[0]), b, static_cast<const float*>(io.inputs[1]), y, clamp_.lo,
                   clamp_.hi, static_cast<float*>(io.outputs[0]));
  }

 private:
  NodeCheck check_;
  FloatClamp clamp_;
  fb::Layout layout_ = fb::Layout::Plain;
  bool quantized_ = false;
  bool vector_ = false;
  ref::AddQu8Params params_{};
};

// Relu and Clip: a clamp to [lo, hi]. On uint8 data input and output share quantization and the
// bounds are moved onto the integer grid.
class ClampKernel : public Kernel {
 public:
  ClampKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(1, 1, 1);
    if (node.op == fb::OpCode::Clip) {
      const fb::ClipOptions* o = check_.options<fb::ClipOptions>("ClipOptions");
      clamp_ = fused_clamp(check_, fb::Activation::Clip, o->min(), o->max());
    } else {
      clamp_ = fused_clamp(check_, fb::Activation::Relu, 0, 0);
    }
    const TensorDesc& x = check_.input(0);
    const TensorDesc& y = check_.output(0);
    check_.expect_dtype(y, x.dtype, "output");
    check_.expect_layout(y, x.layout, "output");
    quantized_ = x.dtype != DType::Float32;
    if (!quantized_) return;
    check_.expect_dtype(x, DType::UInt8, "input");
    check_.expect_per_tensor(x, "input");
    if (x.quant.scale != y.quant.scale || x.quant.zero_point != y.quant.zero_point)
      check_.fail("int8 clamp needs identical input and output quantization");
    const qmath::QRange r = quantized_clamp(y, clamp_);
    lo_ = static_cast<uint8_t>(r.lo);
    hi_ = static_cast<uint8_t>(r.hi);
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override { return {*in[0]}; }

  void run(const KernelIO& io, ThreadPool&) const override {
    const int64_t count = element_count(*io.input_shapes[0]);
    if (quantized_)
      ref::clamp_u8(count, static_cast<const uint8_t*>(io.inputs[0]), lo_, hi_, static_cast<uint8_t*>(io.outputs[0]));
    else
      ref::clamp_f32(count, static_cast<const float*>(io.inputs[0]), clamp_.lo, clamp_.hi, static_cast<float*>(io.outputs[0]));
  }

 private:
  NodeCheck check_;
  FloatClamp clamp_;
  bool quantized_ = false;
  uint8_t lo_ = 0, hi_ = 255;
};

}  // namespace

std::unique_ptr<Kernel> create_add_kernel(const Model& model, const NodeDesc& node) {
  return std::make_unique<AddKernel>(model, node);
}
std::unique_ptr<Kernel> create_clamp_kernel(const Model& model, const NodeDesc& node) {
  return std::make_unique<ClampKernel>(model, node);
}

}  // namespace qinfer
