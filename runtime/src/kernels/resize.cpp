// Resize of H and W of an NCHW fp32 tensor; scales or sizes must be known at plan time.
#include <cmath>

#include "kernels/kernel.h"
#include "kernels/node_check.h"
#include "kernels/values.h"
#include "reference/resize.h"

namespace qinfer {

namespace {

class ResizeKernel : public Kernel {
 public:
  ResizeKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(1, 3, 1);
    const TensorDesc& x = check_.input(0);
    quantized_ = x.dtype == DType::UInt8;  // nearest on NHWC uint8: a copy, quantization passes through
    for (const TensorDesc* t : {&x, &check_.output(0)}) {
      check_.expect_dtype(*t, quantized_ ? DType::UInt8 : DType::Float32, "tensor");
      check_.expect_layout(*t, quantized_ ? fb::Layout::NHWC : fb::Layout::Plain, "tensor");
    }
    if (check_.has_input(1)) check_.expect_dtype(check_.input(1), DType::Float32, "scales");
    const fb::ResizeOptions* o = check_.options<fb::ResizeOptions>("ResizeOptions");
    mode_ = static_cast<ref::ResizeMode>(o->mode());
    coordinates_ = static_cast<ref::ResizeCoordinates>(o->coordinates());
    nearest_ = static_cast<ref::NearestRounding>(o->nearest());
    cubic_a_ = o->cubic_coeff_a();
    exclude_outside_ = o->exclude_outside();
    if (!std::isfinite(cubic_a_)) check_.fail("cubic_coeff_a must be finite");
    if (o->mode() > fb::ResizeMode::MAX || o->coordinates() > fb::ResizeCoordinates::MAX || o->nearest() > fb::NearestRounding::MAX)
      check_.fail("unknown resize mode, coordinate transformation or nearest rounding");
    if (o->coordinates() == fb::ResizeCoordinates::TfCropAndResize) {
      if (!o->roi() || o->roi()->size() != 4) check_.fail("tf_crop_and_resize needs roi with 4 values (H, W starts, then ends)");
      roi_.assign(o->roi()->begin(), o->roi()->end());
      for (float r : roi_)
        if (!std::isfinite(r)) check_.fail("roi values must be finite");
      extrapolation_value_ = o->extrapolation_value();
      if (quantized_) check_.fail("uint8 Resize does not support tf_crop_and_resize");
    }
    if (quantized_) {
      const TensorDesc& y = check_.output(0);
      check_.expect_per_tensor(x, "input");
      check_.expect_per_tensor(y, "output");
      if (mode_ != ref::ResizeMode::Nearest) check_.fail("uint8 Resize supports nearest mode only");
      if (x.quant.scale != y.quant.scale || x.quant.zero_point != y.quant.zero_point)
        check_.fail("uint8 Resize needs identical input and output quantization");
    }
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    return output_shapes(in, std::vector<const void*>(in.size(), nullptr));
  }
  bool needs_value(size_t index) const override { return index == 1 || index == 2; }
  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in, const std::vector<const void*>& values) const override {
    float sh, sw;
    return {resolve(in, values, &sh, &sw)};
  }

  void run(const KernelIO& io, ThreadPool& pool) const override {
    ref::ResizeGeometry g;
    const Shape& x = *io.input_shapes[0];
    const Shape y = resolve(io.input_shapes, io.inputs, &g.scale_h, &g.scale_w);
    g.planes = x[0] * x[1], g.in_h = x[2], g.in_w = x[3], g.out_h = y[2], g.out_w = y[3];
    g.mode = mode_, g.coordinates = coordinates_, g.nearest = nearest_;
    g.cubic_a = cubic_a_, g.exclude_outside = exclude_outside_;
    if (!roi_.empty()) {
      g.roi_h_start = roi_[0], g.roi_w_start = roi_[1], g.roi_h_end = roi_[2], g.roi_w_end = roi_[3];
      g.extrapolation_value = extrapolation_value_;
    }
    if (quantized_) {  // NHWC rows of N * out_h
      pool.parallel_for(x[0] * g.out_h, [&](int64_t b, int64_t e) {
        ref::resize_nearest_u8_nhwc(g, x[1], static_cast<const uint8_t*>(io.inputs[0]), static_cast<uint8_t*>(io.outputs[0]), b, e);
      });
      return;
    }
    pool.parallel_for(g.planes, [&](int64_t b, int64_t e) {
      ref::resize2d_f32_nchw(g, static_cast<const float*>(io.inputs[0]), static_cast<float*>(io.outputs[0]), b, e);
    });
  }

 private:
  // Output shape and the H/W scales, from the scales input (or, when that is absent or empty,
  // the sizes input).
  Shape resolve(const std::vector<const Shape*>& in, const std::vector<const void*>& values, float* sh, float* sw) const {
    const Shape& x = *in[0];
    if (x.size() != 4) check_.fail("input " + shape_string(x) + " must have rank 4 (only H and W are resized)");
    const bool has_scales = in.size() > 1 && in[1] && element_count(*in[1]) > 0;
    const bool has_sizes = in.size() > 2 && in[2] && element_count(*in[2]) > 0;
    if (has_scales == has_sizes) check_.fail("exactly one of scales and sizes must be given");
    Shape out = x;
    if (has_scales) {
      if (!values[1]) check_.fail("scales must be a constant or computable when planning");
      if (element_count(*in[1]) != 4) check_.fail("scales must have 4 values, got " + shape_string(*in[1]));
      const float* s = static_cast<const float*>(values[1]);
      if (s[0] != 1.0f || s[1] != 1.0f) check_.fail("only H and W may be scaled (scales N, C must be 1)");
      for (int a = 0; a < 2; ++a) {
        if (!(s[2 + a] > 0.0f) || !std::isfinite(s[2 + a])) check_.fail("scales must be finite and > 0");
        const double extent = std::floor(static_cast<double>(x[2 + a]) * s[2 + a]);
        if (extent > double(int64_t{1} << 40)) check_.fail("scaled extent is too large");
        out[2 + a] = static_cast<int64_t>(extent);
      }
      *sh = s[2], *sw = s[3];
    } else {
      const Shape sizes = plan_time_ints(check_, 2, *in[2], values[2], "sizes");
      if (sizes.size() != 4 || sizes[0] != x[0] || sizes[1] != x[1])
        check_.fail("sizes " + shape_string(sizes) + " must have 4 values and keep N and C of " + shape_string(x));
      out = sizes;
      *sh = static_cast<float>(double(out[2]) / double(x[2]));
      *sw = static_cast<float>(double(out[3]) / double(x[3]));
    }
    if (out[2] <= 0 || out[3] <= 0 || x[2] == 0 || x[3] == 0) check_.fail("resize of " + shape_string(x) + " to " + shape_string(out) + " is empty");
    return out;
  }
  NodeCheck check_;
  bool quantized_ = false;
  ref::ResizeMode mode_;
  ref::ResizeCoordinates coordinates_;
  ref::NearestRounding nearest_;
  float cubic_a_ = -0.75f;
  bool exclude_outside_ = false;
  std::vector<float> roi_;  // TfCropAndResize: H, W starts then ends
  float extrapolation_value_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> create_resize_kernel(const Model& m, const NodeDesc& n) { return std::make_unique<ResizeKernel>(m, n); }

}  // namespace qinfer
