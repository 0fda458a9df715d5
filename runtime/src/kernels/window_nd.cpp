// Conv, ConvTranspose, MaxPool and AveragePool over volumes (spatial rank 3, N, C, D, H, W),
// fp32 Plain, on the reference kernels (ops/reference/window_nd.h). The 2-D forms have their own
// kernels (conv.cpp, pool.cpp, ...); 1-D is lifted to 2-D by the converter.
#include <cmath>

#include "kernels/kernel.h"
#include "kernels/node_check.h"
#include "reference/conv.h"
#include "reference/conv_transpose.h"
#include "reference/window_nd.h"

namespace qinfer {

namespace {

constexpr int kRank = 3;

class WindowNdKernel : public Kernel {
 public:
  WindowNdKernel(const Model& model, const NodeDesc& node) : check_(model, node), op_(node.op) {
    check_.expect_version(1);
    const bool conv = op_ == fb::OpCode::Conv || op_ == fb::OpCode::ConvTranspose;
    check_.expect_arity(conv ? 2 : 1, conv ? 3 : 1, 1);
    if (conv) {
      read_conv(check_.options<fb::ConvOptions>("ConvOptions"));
    } else {
      const fb::PoolOptions* o = check_.options<fb::PoolOptions>("PoolOptions");
      if (!o->kernel()) check_.fail("kernel is required");
      kernel_ = check_.ints(o->kernel(), kRank, 1, 1, "kernel");
      read_window(o->strides(), o->pads(), o->dilations());
      ceil_mode_ = o->ceil_mode();
      count_include_pad_ = o->count_include_pad();
      for (int i = 0; i < 2 * kRank; ++i)
        if (pads_[i] >= kernel_[i % kRank] * dilations_[i % kRank])
          check_.fail("pad " + std::to_string(pads_[i]) + " must be smaller than the window");
    }
    for (const TensorDesc* t : {&check_.input(0), &check_.output(0)}) {
      check_.expect_dtype(*t, DType::Float32, "tensor");
      check_.expect_layout(*t, fb::Layout::Plain, "tensor");
    }
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    const Shape& x = *in[0];
    if (x.size() != kRank + 2) check_.fail("input shape " + shape_string(x) + " must have rank 5 (N, C, D, H, W)");
    if (in_c_ && x[1] != in_c_) check_.fail("input has " + std::to_string(x[1]) + " channels, weight expects " + std::to_string(in_c_));
    Shape y{x[0], out_c_ ? out_c_ : x[1], 0, 0, 0};
    for (int a = 0; a < kRank; ++a) {
      y[2 + a] = op_ == fb::OpCode::ConvTranspose
                     ? ref::conv_transpose_out_extent(x[2 + a], kernel_[a], strides_[a], pads_[a], pads_[a + kRank],
                                                      dilations_[a], output_padding_[a])
                     : ref::conv_out_extent(x[2 + a], kernel_[a], strides_[a], pads_[a], pads_[a + kRank], dilations_[a],
                                            ceil_mode_);
      if (x[2 + a] == 0 || y[2 + a] <= 0) check_.fail("input " + shape_string(x) + " gives an empty output");
    }
    return {y};
  }

  int64_t macs(const std::vector<const Shape*>& in, const std::vector<const Shape*>& out) const override {
    if (!weights_) return 0;
    const Shape& big = op_ == fb::OpCode::Conv ? *out[0] : *in[0];  // every tap of every (transposed) position
    int64_t m = (op_ == fb::OpCode::Conv ? in_c_ : out_c_) / groups_;
    for (int64_t d : big) m *= d;
    for (int64_t k : kernel_) m *= k;
    return m;
  }

  void run(const KernelIO& io, ThreadPool& pool) const override {
    const Shape& x = *io.input_shapes[0];
    const Shape& y = *io.output_shapes[0];
    ref::WindowGeometryNd g;
    g.rank = kRank;
    g.batch = x[0], g.in_c = x[1], g.out_c = y[1], g.groups = groups_;
    for (int a = 0; a < kRank; ++a) {
      g.in[a] = x[2 + a], g.out[a] = y[2 + a], g.kernel[a] = kernel_[a];
      g.stride[a] = strides_[a], g.pad_begin[a] = pads_[a], g.dilation[a] = dilations_[a];
    }
    const auto* xp = static_cast<const float*>(io.inputs[0]);
    auto* yp = static_cast<float*>(io.outputs[0]);
    pool.parallel_for(g.planes(), [&](int64_t b, int64_t e) {
      switch (op_) {
        case fb::OpCode::Conv: ref::conv_nd_f32(g, xp, weights_, bias_, clamp_.lo, clamp_.hi, yp, b, e); break;
        case fb::OpCode::ConvTranspose:
          ref::conv_transpose_nd_f32(g, xp, weights_, bias_, clamp_.lo, clamp_.hi, yp, b, e);
          break;
        case fb::OpCode::MaxPool: ref::maxpool_nd_f32(g, xp, yp, b, e); break;
        default: ref::avgpool_nd_f32(g, count_include_pad_, xp, yp, b, e); break;
      }
    });
  }

 private:
  void read_window(const flatbuffers::Vector<int32_t>* strides, const flatbuffers::Vector<int32_t>* pads,
                   const flatbuffers::Vector<int32_t>* dilations) {
    strides_ = check_.ints(strides, kRank, 1, 1, "strides");
    pads_ = check_.ints(pads, 2 * kRank, 0, 0, "pads");
    dilations_ = check_.ints(dilations, kRank, 1, 1, "dilations");
  }

  // Weights [out_c, in_c / group, k...] (Conv) or [in_c, out_c / group, k...] (ConvTranspose).
  void read_conv(const fb::ConvOptions* o) {
    read_window(o->strides(), o->pads(), o->dilations());
    if (o->group() < 1) check_.fail("group " + std::to_string(o->group()) + " must be >= 1");
    groups_ = o->group();
    clamp_ = fused_clamp(check_, o->activation(), o->clip_min(), o->clip_max());
    const TensorDesc& w = check_.input(1);
    check_.expect_constant(w, "weight");
    check_.expect_dtype(w, DType::Float32, "weight");
    if (w.dims.size() != kRank + 2) check_.fail("weight '" + w.name + "' must have rank 5");
    kernel_.assign(w.dims.begin() + 2, w.dims.end());
    const std::vector<int64_t> k = check_.ints(o->kernel(), kRank, 0, 0, "kernel");
    if (k[0] != 0 && k != kernel_) check_.fail("kernel does not match the weight's spatial shape");
    if (w.dims[0] % groups_ != 0) check_.fail("weight's first dim " + std::to_string(w.dims[0]) + " is not divisible by group");
    const bool transpose = op_ == fb::OpCode::ConvTranspose;
    in_c_ = transpose ? w.dims[0] : w.dims[1] * groups_;
    out_c_ = transpose ? w.dims[1] * groups_ : w.dims[0];
    output_padding_ = check_.ints(o->output_padding(), kRank, 0, 0, "output_padding");
    for (int a = 0; a < kRank; ++a)
      if (transpose && output_padding_[a] >= std::max(strides_[a], dilations_[a]))
        check_.fail("output_padding must be smaller than stride or dilation");
    weights_ = reinterpret_cast<const float*>(w.constant);
    bias_ = check_.optional_bias<float>(2, DType::Float32, out_c_);
  }

  NodeCheck check_;
  fb::OpCode op_;
  std::vector<int64_t> kernel_, strides_, pads_, dilations_, output_padding_ = std::vector<int64_t>(kRank, 0);
  bool ceil_mode_ = false, count_include_pad_ = false;
  int64_t groups_ = 1, in_c_ = 0, out_c_ = 0;  // in_c_ / out_c_: 0 for pools (channels kept)
  FloatClamp clamp_;
  const float* weights_ = nullptr;
  const float* bias_ = nullptr;
};

}  // namespace

// Whether `node` is the volume (3-D) form of a windowed op: a rank-5 weight, or a 3-value pool kernel.
bool is_volume_window(const Model& model, const NodeDesc& node) {
  if (node.op == fb::OpCode::Conv || node.op == fb::OpCode::ConvTranspose)
    return node.inputs.size() > 1 && node.inputs[1] >= 0 && model.tensors()[node.inputs[1]].dims.size() == kRank + 2;
  if (node.op == fb::OpCode::MaxPool || node.op == fb::OpCode::AveragePool) {
    const fb::PoolOptions* o = node.fb->options_as<fb::PoolOptions>();
    return o && o->kernel() && o->kernel()->size() == kRank;
  }
  return false;
}

std::unique_ptr<Kernel> create_window_nd_kernel(const Model& model, const NodeDesc& node) {
  return std::make_unique<WindowNdKernel>(model, node);
}

}  // namespace qinfer
