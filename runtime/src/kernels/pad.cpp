// Pad on Plain tensors of any dtype, and on quantized 8-bit data (Plain or NHWC) as an exact copy
// whose constant is the real value quantized with the data's parameters. The pads decide the
// output shape, so they must be known at plan time; a float constant value is read when running.
#include <algorithm>
#include <cstring>

#include "kernels/kernel.h"
#include "kernels/node_check.h"
#include "kernels/quantized_copy.h"
#include "kernels/values.h"
#include "quant_math.h"
#include "reference/pad.h"

namespace qinfer {

namespace {

constexpr int64_t kMaxPad = int64_t{1} << 40;  // keeps dim + begin + end far from overflow

class PadKernel : public Kernel {
 public:
  PadKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    check_.expect_arity(2, 3, 1);
    const TensorDesc& x = check_.input(0);
    check_.expect_dtype(check_.output(0), x.dtype, "output");
    layout_ = x.layout;
    check_.expect_layout(check_.output(0), layout_, "output");
    quantized_ = !x.quant.empty();
    if (quantized_) {
      expect_copy_quantization(check_, x, check_.output(0));
      float real = 0.0f;  // absent value: real 0, i.e. the zero point
      if (check_.has_input(2)) {
        const TensorDesc& v = check_.input(2);
        check_.expect_dtype(v, DType::Float32, "constant value of quantized data");
        check_.expect_constant(v, "constant value of quantized data");
        if (v.constant_bytes != sizeof(float)) check_.fail("constant value '" + v.name + "' must hold one element");
        std::memcpy(&real, v.constant, sizeof real);
      }
      const qmath::QRange r = x.dtype == DType::UInt8 ? qmath::uint8_range() : qmath::int8_range();
      const int32_t q = qmath::quantize(real, x.quant.scale[0], x.quant.zero_point[0], r.lo, r.hi);
      quantized_value_ = static_cast<uint8_t>(q & 0xff);  // int8: two's complement byte
    } else {
      check_.expect_layout(x, fb::Layout::Plain, "input");
      if (check_.has_input(2)) check_.expect_dtype(check_.input(2), x.dtype, "constant value");
    }
    const fb::PadMode m = check_.options<fb::PadOptions>("PadOptions")->mode();
    switch (m) {
      case fb::PadMode::Constant: mode_ = ref::PadMode::Constant; break;
      case fb::PadMode::Reflect: mode_ = ref::PadMode::Reflect; break;
      case fb::PadMode::Edge: mode_ = ref::PadMode::Edge; break;
      default: check_.fail("unknown pad mode " + std::to_string(int(m)));
    }
    elem_ = dtype_size(x.dtype);
  }
  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    return output_shapes(in, std::vector<const void*>(in.size(), nullptr));
  }
  bool needs_value(size_t index) const override { return index == 1; }
  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in, const std::vector<const void*>& values) const override {
    Shape begins, ends;
    resolve(in, values, &begins, &ends);
    if (layout_ == fb::Layout::NHWC && in[0]->size() != 4) check_.fail("NHWC input must have rank 4, got " + shape_string(*in[0]));
    if (in.size() > 2 && in[2] && element_count(*in[2]) != 1)
      check_.fail("constant value must hold one element, got shape " + shape_string(*in[2]));
    Shape out = *in[0];
    for (size_t d = 0; d < out.size(); ++d) out[d] += begins[d] + ends[d];
    return {out};
  }
  void run(const KernelIO& io, ThreadPool&) const override {
    Shape begins, ends;
    resolve(io.input_shapes, io.inputs, &begins, &ends);
    const uint64_t zero = 0;
    const void* value = quantized_ ? &quantized_value_ : io.inputs.size() > 2 && io.inputs[2] ? io.inputs[2] : &zero;
    if (layout_ == fb::Layout::NHWC) {  // pads in logical N,C,H,W order; memory is N,H,W,C
      ref::pad(nhwc_memory_shape(*io.input_shapes[0]), nhwc_memory_shape(begins), nhwc_memory_shape(ends), mode_, value,
               elem_, io.inputs[0], io.outputs[0]);
      return;
    }
    ref::pad(*io.input_shapes[0], begins, ends, mode_, value, elem_, io.inputs[0], io.outputs[0]);
  }

 private:
  void resolve(const std::vector<const Shape*>& in, const std::vector<const void*>& values, Shape* begins, Shape* ends) const {
    const Shape& x = *in[0];
    const size_t rank = x.size();
    if (rank > ref::kPadMaxRank) check_.fail("input " + shape_string(x) + " has rank " + std::to_string(rank) + " (at most 8)");
    const Shape pads = plan_time_ints(check_, 1, *in[1], values[1], "pads");
    if (pads.size() != 2 * rank)
      check_.fail("pads has " + std::to_string(pads.size()) + " values, expected 2 * rank = " + std::to_string(2 * rank) +
                  " for input " + shape_string(x));
    begins->assign(pads.begin(), pads.begin() + rank);
    ends->assign(pads.begin() + rank, pads.end());
    for (size_t d = 0; d < rank; ++d) {
      const int64_t b = (*begins)[d], e = (*ends)[d];
      if (b < -kMaxPad || b > kMaxPad || e < -kMaxPad || e > kMaxPad)
        check_.fail("pads " + shape_string(pads) + " has a value beyond +-2^40");
      if (x[d] + b + e < 0)
        check_.fail("pads " + shape_string(pads) + " crop more than dim " + std::to_string(d) + " of " + shape_string(x) + " holds");
      const bool grows = b > 0 || e > 0, empty = x[d] + std::min<int64_t>(b, 0) + std::min<int64_t>(e, 0) <= 0;
      if (grows && empty && mode_ != ref::PadMode::Constant)
        check_.fail("reflect and edge pads need a non-empty extent to copy from; dim " + std::to_string(d) + " of " +
                    shape_string(x) + " with pads " + shape_string(pads) + " has none");
    }
  }
  NodeCheck check_;
  ref::PadMode mode_ = ref::PadMode::Constant;
  fb::Layout layout_ = fb::Layout::Plain;
  bool quantized_ = false;
  uint8_t quantized_value_ = 0;
  size_t elem_ = 4;
};

}  // namespace

std::unique_ptr<Kernel> create_pad_kernel(const Model& m, const NodeDesc& n) { return std::make_unique<PadKernel>(m, n); }

}  // namespace qinfer
