// HardSwish (float32 and uint8), the uint8 table forms of HardSigmoid / Sigmoid / Tanh, uint8 Mul
// with broadcasting and uint8 Concat with requantization. On uint8 data a unary op is one
// 256-entry table built here from the input and output quantization (ops/reference/lut.h).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "broadcast.h"
#include "elementwise_qu8_hwy.h"
#include "kernels/broadcast_layout.h"
#include "kernels/kernel.h"
#include "kernels/node_check.h"
#include "kernels/values.h"
#include "lut_u8_fast.h"
#include "reference/int8_data.h"
#include "reference/lut.h"

namespace qinfer {

namespace {

// Grain of element-wise work handed to one thread.
constexpr int64_t kChunk = 16384;

class LutKernel : public Kernel {
 public:
  LutKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(1, 1, 1);
    const TensorDesc& x = check_.input(0);
    const TensorDesc& y = check_.output(0);
    check_.expect_dtype(y, x.dtype, "output");
    check_.expect_layout(y, x.layout, "output");
    switch (node.op) {
      case fb::OpCode::HardSwish: {
        const fb::HardSwishOptions* o = check_.options<fb::HardSwishOptions>("HardSwishOptions");
        fn_ = ref::LutFunction::HardSwish;
        params_.post_mul = o->post_mul();
        params_.post_add = o->post_add();
        params_.pre_mul = o->pre_mul();
        params_.pre_add = o->pre_add();
        for (float v : {params_.post_mul, params_.post_add, params_.pre_mul, params_.pre_add})
          if (!std::isfinite(v)) check_.fail("HardSwish pre/post affine values must be finite");
        break;
      }
      case fb::OpCode::HardSigmoid: {
        const fb::HardSigmoidOptions* o = check_.options<fb::HardSigmoidOptions>("HardSigmoidOptions");
        fn_ = ref::LutFunction::HardSigmoid;
        params_.alpha = o->alpha();
        params_.beta = o->beta();
        break;
      }
      case fb::OpCode::Sigmoid: fn_ = ref::LutFunction::Sigmoid; break;
      case fb::OpCode::Tanh: fn_ = ref::LutFunction::Tanh; break;
      default: check_.fail("no table form for this op");
    }
    quantized_ = x.dtype != DType::Float32;
    if (!quantized_) {
      if (fn_ != ref::LutFunction::HardSwish) check_.fail("float32 form is handled by the unary kernel");
      check_.expect_layout(x, fb::Layout::Plain, "input");
      return;
    }
    check_.expect_dtype(x, DType::UInt8, "input");
    check_.expect_per_tensor(x, "input");
    check_.expect_per_tensor(y, "output");
    ref::build_lut_u8(fn_, params_, x.quant.scale[0], x.quant.zero_point[0], y.quant.scale[0], y.quant.zero_point[0],
                      table_);
    const char* isa = std::getenv("QINFER_ISA");  // QINFER_ISA=ref keeps the scalar reference loop
    vector_ = !(isa && std::strcmp(isa, "ref") == 0);
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    if (quantized_ && check_.input(0).layout == fb::Layout::NHWC && in[0]->size() != 4)
      check_.fail("NHWC input must have rank 4, got " + shape_string(*in[0]));
    return {*in[0]};
  }

  void run(const KernelIO& io, ThreadPool& pool) const override {
    const int64_t count = element_count(*io.input_shapes[0]);
    const int64_t chunks = (count + kChunk - 1) / kChunk;
    if (quantized_) {
      const auto* x = static_cast<const uint8_t*>(io.inputs[0]);
      auto* y = static_cast<uint8_t*>(io.outputs[0]);
      pool.parallel_for(chunks, [&](int64_t b, int64_t e) {
        if (vector_)
          apply_lut_u8_fast(table_, x, y, b * kChunk, std::min(e * kChunk, count));
        else
          ref::apply_lut_u8(table_, x, y, b * kChunk, std::min(e * kChunk, count));
      });
    } else {
      const auto* x = static_cast<const float*>(io.inputs[0]);
      auto* y = static_cast<float*>(io.outputs[0]);
      pool.parallel_for(chunks, [&](int64_t b, int64_t e) {
        ref::hardswish_f32(x, params_, y, b * kChunk, std::min(e * kChunk, count));
      });
    }
  }

 private:
  NodeCheck check_;
  ref::LutFunction fn_ = ref::LutFunction::HardSwish;
  ref::LutParams params_;
  bool quantized_ = false;
  bool vector_ = false;
  uint8_t table_[256] = {};
};

class MulQu8Kernel : public Kernel {
 public:
  MulQu8Kernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(2, 2, 1);
    const TensorDesc& a = check_.input(0);
    const TensorDesc& b = check_.input(1);
    const TensorDesc& y = check_.output(0);
    layout_ = y.layout;
    for (const TensorDesc* t : {&a, &b, &y}) {
      check_.expect_dtype(*t, DType::UInt8, "tensor");
      check_.expect_per_tensor(*t, "tensor");
      check_.expect_layout(*t, layout_, "tensor");
    }
    const qmath::QRange r = qmath::uint8_range();
    params_ = {a.quant.zero_point[0], b.quant.zero_point[0], y.quant.zero_point[0],
               static_cast<float>(double(a.quant.scale[0]) * double(b.quant.scale[0]) / double(y.quant.scale[0])), r.lo,
               r.hi};
    const char* isa = std::getenv("QINFER_ISA");  // QINFER_ISA=ref keeps the scalar reference
    vector_ = !(isa && std::strcmp(isa, "ref") == 0) && std::isfinite(params_.multiplier);
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    return {binary_output_shape(check_, *in[0], *in[1], layout_)};
  }

  void run(const KernelIO& io, ThreadPool& pool) const override {
    const Shape a = physical_shape(*io.input_shapes[0], layout_), b = physical_shape(*io.input_shapes[1], layout_);
    const Shape y = physical_shape(*io.output_shapes[0], layout_);
    const auto* pa = static_cast<const uint8_t*>(io.inputs[0]);
    const auto* pb = static_cast<const uint8_t*>(io.inputs[1]);
    auto* py = static_cast<uint8_t*>(io.outputs[0]);
    if (vector_ && a == y && b == y) {
      const int64_t count = element_count(y);
      pool.parallel_for((count + kChunk - 1) / kChunk, [&](int64_t cb, int64_t ce) {
        const int64_t begin = cb * kChunk, end = std::min(count, ce * kChunk);
        q8::mul_qu8_hwy(end - begin, pa + begin, pb + begin, params_, py + begin);
      });
      return;
    }
    // [N, ..., C] x [N, 1, ..., 1, C] (an SE block's per-channel gate on NHWC data), either order.
    const bool a_gate = gate_of(b, a, y), b_gate = gate_of(a, b, y);
    if (vector_ && (a_gate || b_gate)) {
      const int64_t c = y.back(), rows = element_count(y) / c, per_n = rows / y[0];
      const ref::MulQu8Params p = b_gate ? params_
                                         : ref::MulQu8Params{params_.b_zero_point, params_.a_zero_point, params_.y_zero_point,
                                                             params_.multiplier, params_.y_min, params_.y_max};
      const uint8_t* full = b_gate ? pa : pb;
      const uint8_t* gate = b_gate ? pb : pa;
      pool.parallel_for(rows, [&](int64_t rb, int64_t re) {
        for (int64_t r = rb; r < re; ++r) q8::mul_qu8_hwy(c, full + r * c, gate + (r / per_n) * c, p, py + r * c);
      });
      return;
    }
    ref::mul_qu8(a, pa, b, pb, y, params_, py);
  }

  // Whether `g` is a per-(n, channel) gate for the full operand `f` (= the output's shape).
  static bool gate_of(const Shape& f, const Shape& g, const Shape& y) {
    if (f != y || g.size() != y.size() || y.size() < 2 || g[0] != y[0] || g.back() != y.back() || y[0] == 0 || y.back() == 0)
      return false;
    for (size_t d = 1; d + 1 < y.size(); ++d)
      if (g[d] != 1) return false;
    return true;
  }

 private:
  NodeCheck check_;
  fb::Layout layout_ = fb::Layout::Plain;
  bool vector_ = false;
  ref::MulQu8Params params_{};
};

// Concat of uint8 tensors (Plain or NHWC, all alike); inputs whose quantization differs from the
// output's are requantized through a table.
class ConcatQu8Kernel : public Kernel {
 public:
  ConcatQu8Kernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    if (node.inputs.empty()) check_.fail("needs at least one input");
    check_.expect_arity(node.inputs.size(), node.inputs.size(), 1);
    const TensorDesc& y = check_.output(0);
    layout_ = y.layout;
    check_.expect_dtype(y, DType::UInt8, "output");
    check_.expect_per_tensor(y, "output");
    tables_.resize(node.inputs.size());
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const TensorDesc& x = check_.input(i);
      check_.expect_dtype(x, DType::UInt8, "input");
      check_.expect_layout(x, layout_, "input");
      check_.expect_per_tensor(x, "input");
      if (x.quant.scale[0] == y.quant.scale[0] && x.quant.zero_point[0] == y.quant.zero_point[0]) continue;
      tables_[i].resize(256);
      ref::build_requantize_lut_u8(x.quant.scale[0], x.quant.zero_point[0], y.quant.scale[0], y.quant.zero_point[0],
                                   tables_[i].data());
    }
    axis_ = check_.options<fb::AxisOptions>("AxisOptions")->axis();
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    if (layout_ == fb::Layout::NHWC && in[0]->size() != 4) check_.fail("NHWC inputs must have rank 4, got " + shape_string(*in[0]));
    return {concat_output_shape(check_, in, axis_)};
  }

  void run(const KernelIO& io, ThreadPool&) const override {
    const int64_t rank = static_cast<int64_t>(io.output_shapes[0]->size());
    int64_t axis = axis_ < 0 ? axis_ + rank : axis_;
    if (layout_ == fb::Layout::NHWC) axis = axis == 1 ? 3 : axis >= 2 ? axis - 1 : axis;  // N,C,H,W -> N,H,W,C
    std::vector<Shape> shapes(io.inputs.size());
    std::vector<const Shape*> shape_ptrs(io.inputs.size());
    std::vector<const uint8_t*> inputs(io.inputs.size()), tables(io.inputs.size());
    for (size_t i = 0; i < io.inputs.size(); ++i) {
      shapes[i] = physical_shape(*io.input_shapes[i], layout_);
      shape_ptrs[i] = &shapes[i];
      inputs[i] = static_cast<const uint8_t*>(io.inputs[i]);
      tables[i] = tables_[i].empty() ? nullptr : tables_[i].data();
    }
    ref::concat_u8(shape_ptrs, inputs, tables, axis, static_cast<uint8_t*>(io.outputs[0]));
  }

 private:
  NodeCheck check_;
  fb::Layout layout_ = fb::Layout::Plain;
  int32_t axis_ = 0;
  std::vector<std::vector<uint8_t>> tables_;
};

}  // namespace

std::unique_ptr<Kernel> create_lut_kernel(const Model& model, const NodeDesc& node) {
  return std::make_unique<LutKernel>(model, node);
}
std::unique_ptr<Kernel> create_mul_qu8_kernel(const Model& model, const NodeDesc& node) {
  return std::make_unique<MulQu8Kernel>(model, node);
}
std::unique_ptr<Kernel> create_concat_qu8_kernel(const Model& model, const NodeDesc& node) {
  return std::make_unique<ConcatQu8Kernel>(model, node);
}

}  // namespace qinfer
