// Conv: fp32 on NCHW data, or uint8 x int8 -> uint8 on NHWC data with per-channel weights, or
// int16 x int8 -> uint8 (the W8A16 input layer of qconv --input-int16; zero point 0).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "kernels/kernel.h"
#include "kernels/node_check.h"
#include "conv_f32_fast.h"
#include "conv_qs16s8_hwy.h"
#include "dwconv_qu8s8_hwy.h"
#include "elementwise_qu8_hwy.h"
#include "kernels/im2col_u8.h"
#include "kernels/int8_gemm.h"
#include "reference/conv.h"
#include "reference/elementwise.h"

namespace qinfer {

namespace {

// QINFER_ISA=ref forces the scalar reference int8 kernels (read once per kernel, at creation).
bool int8_reference_forced() {
  const char* isa = std::getenv("QINFER_ISA");
  return isa && std::strcmp(isa, "ref") == 0;
}

// Output pixels per im2col tile of the int8 GEMM path: as many multiples of 32 as fit in about
// 160 KB, 32 to 128. A GEMM call right after the im2col of a small tile runs slower than one on a
// larger tile (8 x 3x3 convs of 56x56x64 with AMX, cycles per 32 rows: GEMM 2670 after 32-row tiles,
// 2290 after 256-row ones, and at 2 threads 3270 vs 2190), so ResNet-50's 3x3 convs with K = 576 and
// 1152 take 128 rows (2 threads: layer1's 0.083 -> 0.075 ms, layer2's 0.062 -> 0.056 ms; 32 rows
// at 20 KB before), K = 2304 64 rows (equal). The 7x7 stem (K = 147) keeps 128: 256 rows
// measured 0.38 -> 0.45 ms at 1 thread.
constexpr int64_t kIm2colTileBytes = 160 * 1024;
constexpr int64_t kIm2colMinTileRows = 32, kIm2colMaxTileRows = 128;
// Up to this many bytes, a thread's whole share of the im2col matrix is one tile when the weights
// are larger than kWholeShareWeightBytes (about half of L2): with few output pixels and a large
// K x N (ResNet's layer4, 2.4 MB) the GEMM then streams its weights once, not per tile. Smaller
// weights stay in L2 anyway, and tiles keep A in cache while every column panel reads it
// (measured with AMX, 2 threads: layer2.0's stride-2 3x3, 147 KB of weights, 0.078 -> 0.062 ms;
// layer3's 3x3, 590 KB, 0.072 -> 0.061 ms). A single column panel reads A once: whole share then too
// (fewer, longer kernel calls; MobileNetV2's 32-channel stem).
constexpr int64_t kIm2colWholeBytes = 512 * 1024;
constexpr int64_t kWholeShareWeightBytes = 1024 * 1024;
// Output pixels per GEMM call of a 1x1 conv with a fused residual Add: the conv's bytes of one block
// stay in cache for the Add (24 rows: whole tiles of 8, 6 and 4 rows).
constexpr int64_t kResidualTileRows = 24;
constexpr int64_t kColumnSplitRows = 256;  // int8 GEMMs with fewer rows split columns across threads
// ... and only with weights of this size or more: below it, each thread streaming all the weights
// costs less than reading the half of the input rows the other core wrote (ResNet-50 at 2 threads,
// `qrun --profile`: layer3's nodes 1.00 -> 0.91-0.93 ms with layer3's 256-590 KB convs splitting rows,
// layer4's 1-2 MB ones still splitting columns; at 1.1 MB layer4 lost 0.23 ms).
constexpr int64_t kColumnSplitWeightBytes = 768 * 1024;
// ... or with fewer rows than this per thread, where a row share is less than one AMX row block
// (MobileNetV2's 7x7 layers, 49 rows: 2 threads 1.01 ms splitting rows, 0.94-0.96 splitting columns).
constexpr int64_t kRowSplitMinRows = 32;
// Rows per claimable block of a 1x1 conv's GEMM, at most about (RowBlocks). 32-row blocks measured
// slower: each call streams the weights again.
constexpr int64_t kRowBlockRows = 96;
size_t round64(size_t v) { return (v + 63) / 64 * 64; }

// m GEMM rows cut into `count` blocks of whole kernel row tiles (`unit` rows each), as many blocks
// as a multiple of the threads: each thread's home share of blocks (ThreadPool) then holds the same
// number of row tiles, +-1. (With fixed-size blocks, ResNet-50's 196-row layers split 128 vs 68
// rows before the other thread could take a block.)
struct RowBlocks {
  int64_t unit = 1, units = 0, count = 0;
  RowBlocks(int64_t m, int64_t target_rows, int64_t row_tile, int parts)
      : unit(std::max<int64_t>(row_tile, 1)), units((m + unit - 1) / unit) {
    const int64_t wanted = (m + target_rows - 1) / std::max<int64_t>(target_rows, 1);
    count = std::max<int64_t>(1, std::min(units, (wanted + parts - 1) / parts * parts));
  }
  int64_t begin(int64_t block, int64_t m) const { return std::min(m, block * units / count * unit); }
  int64_t max_rows() const { return (units + count - 1) / count * unit; }
};

// The work items of an int8 GEMM of m rows over `parts` threads: RowBlocks over the rows that fill
// whole row tiles evenly across the threads, and the rows left over (fewer than `parts` row tiles)
// split by column panels: each thread computes all of them for its share of the output channels.
// So no thread has a row tile more than the other (ResNet-50's 196-row layer3 at 2 threads: 96 rows
// each plus the last 4 rows x half the channels; 96 vs 100 rows before, a 4-row AMX call costing
// nearly as much as a 32-row one). Items are ordered thread by thread, so thread t's home range
// ends with its share of the leftover rows.
struct GemmWork {
  struct Item {
    int64_t row_begin, row_end, panel_begin, panel_end;
  };
  // split_leftover: whether column panels may be split (a JIT GEMM, fused Add included).
  GemmWork(int64_t m, int64_t target_rows, int64_t row_tile, int parts, int64_t panels, bool split_leftover)
      : m_(m), panels_(panels), parts_(parts), main_rows_(m), blocks_(m, target_rows, row_tile, parts) {
    const int64_t unit = blocks_.unit, main_units = m / unit / parts * parts;
    if (split_leftover && parts > 1 && panels >= parts && main_units > 0 && main_units * unit < m) {
      main_rows_ = main_units * unit;
      blocks_ = RowBlocks(main_rows_, target_rows, row_tile, parts);  // count: a multiple of parts
      per_thread_ = blocks_.count / parts;
    }
  }
  int64_t count() const { return per_thread_ ? blocks_.count + parts_ : blocks_.count; }
  Item item(int64_t i) const {
    if (!per_thread_) return {blocks_.begin(i, m_), blocks_.begin(i + 1, m_), 0, panels_};
    const int64_t t = i / (per_thread_ + 1), j = i % (per_thread_ + 1);
    if (j == per_thread_) return {main_rows_, m_, panels_ * t / parts_, panels_ * (t + 1) / parts_};
    const int64_t block = t * per_thread_ + j;
    return {blocks_.begin(block, main_rows_), blocks_.begin(block + 1, main_rows_), 0, panels_};
  }
  int64_t max_rows() const { return std::max(blocks_.max_rows(), m_ - main_rows_); }

 private:
  int64_t m_, panels_;
  int parts_;
  int64_t main_rows_;
  RowBlocks blocks_;
  int64_t per_thread_ = 0;  // row blocks per thread when the leftover rows are split by columns
};

class ConvKernel : public Kernel {
 public:
  ConvKernel(const Model& model, const NodeDesc& node) : check_(model, node) {
    check_.expect_version(1);
    fused_add_ = node.fused_add != nullptr;
    check_.expect_arity(2, fused_add_ ? 4 : 3, 1);
    const fb::ConvOptions* o = check_.options<fb::ConvOptions>("ConvOptions");
    kernel_ = check_.ints(o->kernel(), 2, 1, 0, "kernel");
    strides_ = check_.ints(o->strides(), 2, 1, 1, "strides");
    pads_ = check_.ints(o->pads(), 4, 0, 0, "pads");
    dilations_ = check_.ints(o->dilations(), 2, 1, 1, "dilations");
    if (o->group() < 1) check_.fail("group " + std::to_string(o->group()) + " must be >= 1");
    groups_ = o->group();
    clamp_ = fused_clamp(check_, o->activation(), o->clip_min(), o->clip_max());

    const TensorDesc& x = check_.input(0);
    const TensorDesc& w = check_.input(1);
    // With a fused Add the conv's own result is the no longer materialized tensor the Add read.
    const TensorDesc& y = fused_add_ ? model.tensors()[node.fused_conv_output] : check_.output(0);
    check_.expect_constant(w, "weight");
    if (w.dims.size() != 4) check_.fail("weight '" + w.name + "' has rank " + std::to_string(w.dims.size()) + ", expected 4 (O, I, KH, KW)");
    if (kernel_[0] == 0) kernel_ = {w.dims[2], w.dims[3]};
    if (kernel_[0] != w.dims[2] || kernel_[1] != w.dims[3]) check_.fail("kernel does not match the weight's spatial shape");
    if (w.dims[0] % groups_ != 0) check_.fail("weight has " + std::to_string(w.dims[0]) + " output channels, not divisible by group " + std::to_string(groups_));
    const TensorDesc* b = check_.has_input(2) ? &check_.input(2) : nullptr;
    if (b) {
      check_.expect_constant(*b, "bias");
      if (b->dims != Shape{w.dims[0]}) check_.fail("bias '" + b->name + "' must have shape [" + std::to_string(w.dims[0]) + "]");
    }
    out_c_ = w.dims[0];
    in_c_per_group_ = w.dims[1];
    weights_ = w.constant;
    bias_ = b ? b->constant : nullptr;

    quantized_ = x.dtype != DType::Float32;
    if (fused_add_ && (!quantized_ || groups_ != 1)) check_.fail("a fused Add needs an int8 conv with group 1");
    if (!quantized_) {
      for (const TensorDesc* t : {&x, &w, &y}) check_.expect_dtype(*t, DType::Float32, "tensor");
      if (b) check_.expect_dtype(*b, DType::Float32, "bias");
      for (const TensorDesc* t : {&x, &w, &y}) check_.expect_layout(*t, fb::Layout::Plain, "tensor");
      // Pack the weights once for the fast fp32 convolution (ops/conv_f32_fast.h).
      const ref::Conv2DGeometry wg = weight_geometry();
      packed_f32_.resize(static_cast<size_t>(f32::conv2d_f32_packed_floats(wg)));
      f32::conv2d_f32_pack(wg, reinterpret_cast<const float*>(weights_), packed_f32_.data());
      return;
    }
    if (x.dtype == DType::Int16) {
      init_int16(x, w, b, y);
      return;
    }
    check_.expect_dtype(x, DType::UInt8, "input");
    init_requantization(x, w, b, y);
    x_zero_point_ = x.quant.zero_point[0];
    if (fused_add_) init_residual(y);
    if (int8_reference_forced()) return;
    const auto* wq = reinterpret_cast<const int8_t*>(weights_);
    const auto* bq = reinterpret_cast<const int32_t*>(bias_);
    if (groups_ == 1) {
      // OHWI weights are already B [OC, KH*KW*IC], row-major.
      int8_mode_ = Int8Mode::kGemm;
      gemm_k_ = kernel_[0] * kernel_[1] * in_c_per_group_;
      gemm_q8_.pack(out_c_, gemm_k_, wq, x_zero_point_, bq, multipliers_.data(), y_zero_point_, y_min_, y_max_,
                    fused_add_ && residual_vector_ ? &residual_ : nullptr);
    } else if (groups_ == out_c_ && in_c_per_group_ == 1) {
      int8_mode_ = Int8Mode::kDepthwise;
      packed_dw_ = q8::dwconv_qu8s8_pack(out_c_, kernel_[0], kernel_[1], wq, bq, multipliers_.data(), x_zero_point_,
                                         y_zero_point_, y_min_, y_max_);
    }
  }

  std::vector<Shape> output_shapes(const std::vector<const Shape*>& in) const override {
    const Shape& x = *in[0];
    if (x.size() != 4) check_.fail("input shape " + shape_string(x) + " must have rank 4 (N, C, H, W)");
    if (x[1] != in_c_per_group_ * groups_)
      check_.fail("input has " + std::to_string(x[1]) + " channels but weight expects " +
                  std::to_string(in_c_per_group_) + " x group " + std::to_string(groups_));
    const int64_t oh = ref::conv_out_extent(x[2], kernel_[0], strides_[0], pads_[0], pads_[2], dilations_[0]);
    const int64_t ow = ref::conv_out_extent(x[3], kernel_[1], strides_[1], pads_[1], pads_[3], dilations_[1]);
    if (oh <= 0 || ow <= 0) check_.fail("input " + shape_string(x) + " is smaller than the (dilated) kernel after padding");
    Shape y{x[0], out_c_, oh, ow};
    if (fused_add_ && *in[3] != y)
      check_.fail("fused residual input " + shape_string(*in[3]) + " does not match the conv output " + shape_string(y));
    return {y};
  }

  int64_t macs(const std::vector<const Shape*>&, const std::vector<const Shape*>& out) const override {
    const Shape& y = *out[0];
    return y[0] * y[1] * y[2] * y[3] * in_c_per_group_ * kernel_[0] * kernel_[1];
  }

  size_t scratch_bytes(const std::vector<const Shape*>& in, const std::vector<const Shape*>& out,
                       int threads) const override {
    if (quantized_) {
      if (int8_mode_ == Int8Mode::kInt16) return packed_s16_.fits_int32 && !reference_
                                                     ? q8::conv_qs16s8_scratch_bytes(packed_s16_) * std::max(threads, 1)
                                                     : 0;
      if (int8_mode_ != Int8Mode::kGemm) return 0;
      // run() splits into pool.threads() parts: `threads`, or 1 for a node the plan runs serially.
      const int64_t m = (*out[0])[0] * (*out[0])[2] * (*out[0])[3];
      const int parts = std::max(threads, 1);
      size_t bytes = std::max(int8_part_bytes(im2col_tiles(m, 1).max_rows()),
                              int8_part_bytes(im2col_tiles(m, parts).max_rows()) * static_cast<size_t>(parts));
      if (split_columns(m, parts)) bytes = std::max(bytes, int8_part_bytes(m) * static_cast<size_t>(parts));
      return bytes;
    }
    (void)out;
    return f32::conv2d_f32_scratch_bytes(geometry(*in[0], *out[0]), threads);
  }

  void run(const KernelIO& io, ThreadPool& pool) const override {
    const ref::Conv2DGeometry g = geometry(*io.input_shapes[0], *io.output_shapes[0]);
    if (!quantized_) {
      const auto* xp = static_cast<const float*>(io.inputs[0]);
      const auto* bp = reinterpret_cast<const float*>(bias_);
      auto* yp = static_cast<float*>(io.outputs[0]);
      const f32::ConvF32Plan plan = f32::conv2d_f32_plan(g, pool.threads());
      pool.parallel_for(plan.parts, [&](int64_t b, int64_t e) {
        for (int64_t p = b; p < e; ++p)
          f32::conv2d_f32_run_part(g, xp, packed_f32_.data(), bp, clamp_.lo, clamp_.hi, yp, plan, p, io.scratch);
      });
      return;
    }
    if (int8_mode_ == Int8Mode::kInt16) {
      run_int16(g, static_cast<const int16_t*>(io.inputs[0]), static_cast<uint8_t*>(io.outputs[0]), io.scratch, pool);
      return;
    }
    const auto* xp = static_cast<const uint8_t*>(io.inputs[0]);
    const auto* wp = reinterpret_cast<const int8_t*>(weights_);
    const auto* bp = reinterpret_cast<const int32_t*>(bias_);
    auto* yp = static_cast<uint8_t*>(io.outputs[0]);
    const auto* rp = fused_add_ ? static_cast<const uint8_t*>(io.inputs[3]) : nullptr;
    if (int8_mode_ == Int8Mode::kGemm) {
      run_int8_gemm(g, xp, rp, yp, io.scratch, pool);
      return;
    }
    if (int8_mode_ == Int8Mode::kDepthwise) {
      pool.parallel_for(g.rows(), [&](int64_t b, int64_t e) { q8::dwconv_qu8s8_run(packed_dw_, g, xp, yp, b, e); });
      return;
    }
    pool.parallel_for(g.rows(), [&](int64_t b, int64_t e) {
      ref::conv2d_qu8s8_nhwc(g, xp, x_zero_point_, wp, bp, multipliers_.data(), y_zero_point_, y_min_, y_max_, yp, b, e);
      if (rp) {  // the fused Add, in place over the rows just written
        const int64_t row = g.out_w * g.out_c;
        ref::add_qu8_flat((e - b) * row, yp + b * row, rp + b * row, residual_, yp + b * row);
      }
    });
  }

 private:
  enum class Int8Mode { kReference, kGemm, kDepthwise, kInt16 };

  // What every quantized form checks and derives alike: int8 symmetric weights (per tensor or per
  // output channel), int32 bias, NHWC per-tensor input and uint8 output, the output's zero point
  // and clamp, and the per-channel requantization multipliers.
  void init_requantization(const TensorDesc& x, const TensorDesc& w, const TensorDesc* b, const TensorDesc& y) {
    check_.expect_dtype(w, DType::Int8, "weight");
    check_.expect_dtype(y, DType::UInt8, "output");
    for (const TensorDesc* t : {&x, &w, &y}) check_.expect_layout(*t, fb::Layout::NHWC, "tensor");
    check_.expect_per_tensor(x, "input");
    check_.expect_per_tensor(y, "output");
    if (b) check_.expect_dtype(*b, DType::Int32, "bias");
    if (w.quant.empty() || (w.quant.scale.size() > 1 && w.quant.axis != 0))
      check_.fail("weight '" + w.name + "' needs per-tensor or axis-0 (per output channel) quantization");
    for (int32_t z : w.quant.zero_point)
      if (z != 0) check_.fail("weight '" + w.name + "' has zero point " + std::to_string(z) + "; int8 weights must be symmetric (0)");
    y_zero_point_ = y.quant.zero_point[0];
    const qmath::QRange r = quantized_clamp(y, clamp_);
    y_min_ = r.lo;
    y_max_ = r.hi;
    for (int64_t c = 0; c < out_c_; ++c) {
      const float sw = w.quant.scale[w.quant.scale.size() == 1 ? 0 : c];
      multipliers_.push_back(qmath::requant_multiplier(x.quant.scale[0], sw, y.quant.scale[0]));
    }
  }

  // int16 input (zero point 0) x int8 weights -> uint8: the W8A16 input layer.
  void init_int16(const TensorDesc& x, const TensorDesc& w, const TensorDesc* b, const TensorDesc& y) {
    int8_mode_ = Int8Mode::kInt16;
    if (fused_add_) check_.fail("a fused Add needs a uint8 conv input, not int16 ('" + x.name + "')");
    init_requantization(x, w, b, y);
    if (x.quant.zero_point[0] != 0)
      check_.fail("int16 input '" + x.name + "' has zero point " + std::to_string(x.quant.zero_point[0]) +
                  "; int16 activations must be symmetric (0)");
    // Sums that could pass int32 (large weights times K) take the reference's exact int64 path.
    reference_ = int8_reference_forced();
    packed_s16_ = q8::conv_qs16s8_pack(out_c_, in_c_per_group_ * groups_, kernel_[0], kernel_[1], groups_,
                                       reinterpret_cast<const int8_t*>(weights_), reinterpret_cast<const int32_t*>(bias_),
                                       multipliers_.data(), y_zero_point_, y_min_, y_max_);
  }

  void run_int16(const ref::Conv2DGeometry& g, const int16_t* xp, uint8_t* yp, void* scratch, ThreadPool& pool) const {
    if (reference_ || !packed_s16_.fits_int32) {
      pool.parallel_for(g.rows(), [&](int64_t b, int64_t e) {
        ref::conv2d_qs16s8_nhwc(g, xp, reinterpret_cast<const int8_t*>(weights_), reinterpret_cast<const int32_t*>(bias_),
                                multipliers_.data(), y_zero_point_, y_min_, y_max_, yp, b, e);
      });
      return;
    }
    const int parts = pool.threads();
    const size_t part_bytes = q8::conv_qs16s8_scratch_bytes(packed_s16_);
    const int64_t rows = g.rows();
    pool.parallel_for(parts, [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p)
        q8::conv_qs16s8_run(packed_s16_, g, xp, yp, rows * p / parts, rows * (p + 1) / parts,
                            static_cast<uint8_t*>(scratch) + static_cast<size_t>(p) * part_bytes);
    });
  }

  bool pointwise() const {
    return kernel_[0] == 1 && kernel_[1] == 1 && strides_[0] == 1 && strides_[1] == 1 && pads_[0] == 0 &&
           pads_[1] == 0 && pads_[2] == 0 && pads_[3] == 0;
  }
  // Scratch of one part: the GEMM's packed-A chunk, an im2col tile unless the conv is 1x1, and
  // with a fused Add the tile of conv results the Add reads.
  size_t int8_part_bytes(int64_t tile_rows) const {
    size_t bytes = round64(gemm_q8_.scratch_bytes());
    if (!pointwise()) bytes += round64(static_cast<size_t>(tile_rows * gemm_k_));
    if (fused_add_ && !gemm_q8_.fuses_residual())
      bytes += round64(static_cast<size_t>(std::max(tile_rows, kResidualTileRows) * out_c_));
    return bytes;
  }
  // Few rows, more channels (ResNet-50 layer4: M = 49): threads split the output channels instead of
  // the rows, so each streams only its share of the weights (2.4 MB in layer4's 3x3), not all of them.
  bool split_columns(int64_t m, int parts) const {
    return parts > 1 && m < kColumnSplitRows && m < out_c_ && gemm_q8_.column_panels() >= parts &&
           (out_c_ * gemm_k_ >= kColumnSplitWeightBytes || m < kRowSplitMinRows * parts) &&
           (pointwise() || m * gemm_k_ <= kIm2colWholeBytes);
  }
  // The im2col tiles of m output pixels split over `parts`.
  GemmWork im2col_tiles(int64_t m, int parts) const {
    return GemmWork(m, im2col_tile_rows(m, parts), gemm_q8_.row_tile(), parts, gemm_q8_.column_panels(),
                    split_leftover_columns());
  }
  // Whether GemmWork may split leftover rows by column panels: the Highway kernel has one panel,
  // and an Add applied after the GEMM (not fused into it) takes whole rows.
  bool split_leftover_columns() const { return !fused_add_ || gemm_q8_.fuses_residual(); }
  // Output pixels per im2col tile for m pixels split over `parts`, at most about.
  int64_t im2col_tile_rows(int64_t m, int parts) const {
    const int64_t share = (m + parts - 1) / parts;
    const bool whole = share * gemm_k_ <= kIm2colWholeBytes &&
                       (out_c_ * gemm_k_ > kWholeShareWeightBytes || gemm_q8_.column_panels() == 1);
    const int64_t rows = std::clamp(kIm2colTileBytes / std::max<int64_t>(gemm_k_, 1) / 32 * 32, kIm2colMinTileRows,
                                    kIm2colMaxTileRows);
    return whole ? std::max(share, rows) : rows;
  }

  // The Add fused into this conv (residual_fusion.h): its parameters exactly as the int8 Add kernel
  // derives them (kernels/elementwise.cpp), with the conv's result as operand a (the sum of the two
  // rounded products does not depend on the operand order).
  void init_residual(const TensorDesc& conv_out) {
    const TensorDesc& r = check_.input(3);
    const TensorDesc& out = check_.output(0);
    for (const TensorDesc* t : {&r, &out}) {
      check_.expect_dtype(*t, DType::UInt8, "fused Add tensor");
      check_.expect_layout(*t, fb::Layout::NHWC, "fused Add tensor");
      check_.expect_per_tensor(*t, "fused Add tensor");
    }
    const fb::AddOptions* o = check_.node().fused_add->options_as<fb::AddOptions>();
    if (!o) check_.fail("fused Add has no AddOptions");
    const qmath::QRange range = quantized_clamp(out, fused_clamp(check_, o->activation(), o->clip_min(), o->clip_max()));
    residual_ = {conv_out.quant.zero_point[0], r.quant.zero_point[0], out.quant.zero_point[0],
                 static_cast<float>(double(conv_out.quant.scale[0]) / out.quant.scale[0]),
                 static_cast<float>(double(r.quant.scale[0]) / out.quant.scale[0]), range.lo, range.hi};
    // As the Add kernel: QINFER_ISA=ref and multipliers the vector form does not take use the reference.
    residual_vector_ = !int8_reference_forced() && std::isfinite(residual_.a_multiplier) &&
                       std::isfinite(residual_.b_multiplier);
  }

  // y = Add(conv, residual) over `count` bytes (conv is a scratch tile, never y).
  void add_residual(int64_t count, const uint8_t* conv, const uint8_t* residual, uint8_t* y) const {
    if (residual_vector_)
      q8::add_qu8_hwy(count, conv, residual, residual_, y);
    else
      ref::add_qu8_flat(count, conv, residual, residual_, y);
  }

  // group == 1 int8 conv as GEMM: 1x1 stride-1 unpadded directly on the NHWC input, otherwise
  // through im2col tiles (kernels/im2col_u8.h). With a fused Add (rp != null) each GEMM block
  // writes into a scratch tile, and the Add reads it from cache and writes the output.
  void run_int8_gemm(const ref::Conv2DGeometry& g, const uint8_t* xp, const uint8_t* rp, uint8_t* yp, void* scratch,
                     ThreadPool& pool) const {
    const int64_t m = g.batch * g.out_h * g.out_w, n = g.out_c;
    const int parts = pool.threads();
    const GemmWork tiles = im2col_tiles(m, parts);
    const int64_t tile_rows = tiles.max_rows();
    const size_t part_bytes = int8_part_bytes(tile_rows);
    const size_t gemm_bytes = round64(gemm_q8_.scratch_bytes());
    const size_t im2col_bytes = pointwise() ? 0 : round64(static_cast<size_t>(tile_rows * gemm_k_));
    auto* sbase = static_cast<uint8_t*>(scratch);
    // Every thread all rows (one im2col of them), its panels; a fused Add reads R's same columns.
    // (Splitting rows would make each thread stream all the weights: 6.5 MB more per ResNet-50 run
    // from L3 at 2 threads, mostly layer4's residual convs.)
    if ((!rp || gemm_q8_.fuses_residual()) && split_columns(m, parts)) {
      const int64_t panels = gemm_q8_.column_panels();
      const size_t column_part_bytes = int8_part_bytes(m);
      pool.parallel_for(parts, [&](int64_t b, int64_t e) {
        for (int64_t p = b; p < e; ++p) {
          uint8_t* part = sbase + static_cast<size_t>(p) * column_part_bytes;
          const uint8_t* a = xp;
          if (!pointwise()) {
            im2col_u8(g, xp, static_cast<uint8_t>(x_zero_point_), 0, m, part + gemm_bytes);
            a = part + gemm_bytes;
          }
          gemm_q8_.run_panels(m, a, gemm_k_, yp, n, 0, m, panels * p / parts, panels * (p + 1) / parts, part, rp, n);
        }
      });
      return;
    }
    // The loops below hand out blocks of rows (or im2col tiles) as claimable chunks: a thread that
    // finishes early takes the rest of the other's share, and scratch follows the thread.
    auto scratch_of = [&](ThreadPool& tp) { return sbase + static_cast<size_t>(tp.this_thread()) * part_bytes; };
    if (pointwise() && (!rp || gemm_q8_.fuses_residual())) {  // the JIT adds R in its epilogue
      const GemmWork blocks(m, kRowBlockRows, gemm_q8_.row_tile(), parts, gemm_q8_.column_panels(), true);
      pool.parallel_for(blocks.count(), [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          const GemmWork::Item w = blocks.item(i);
          gemm_q8_.run_panels(m, xp, gemm_k_, yp, n, w.row_begin, w.row_end, w.panel_begin, w.panel_end,
                              scratch_of(pool), rp, n);
        }
      });
      return;
    }
    if (pointwise()) {
      pool.parallel_for((m + kResidualTileRows - 1) / kResidualTileRows, [&](int64_t b, int64_t e) {
        uint8_t* part = scratch_of(pool);
        uint8_t* ytile = part + gemm_bytes;
        for (int64_t m0 = b * kResidualTileRows, end = std::min(m, e * kResidualTileRows); m0 < end;
             m0 += kResidualTileRows) {
          const int64_t rows = std::min(kResidualTileRows, end - m0);
          gemm_q8_.run(rows, xp + m0 * gemm_k_, gemm_k_, ytile, n, 0, rows, part);
          add_residual(rows * n, ytile, rp + m0 * n, yp + m0 * n);
        }
      });
      return;
    }
    const uint8_t zp = static_cast<uint8_t>(x_zero_point_);
    pool.parallel_for(tiles.count(), [&](int64_t b, int64_t e) {
      uint8_t* part = scratch_of(pool);
      uint8_t* tile = part + gemm_bytes;
      uint8_t* ytile = tile + im2col_bytes;
      for (int64_t t = b; t < e; ++t) {
        const GemmWork::Item w = tiles.item(t);
        const int64_t m0 = w.row_begin, rows = w.row_end - m0;
        im2col_u8(g, xp, zp, m0, rows, tile);
        if (!rp || gemm_q8_.fuses_residual()) {
          gemm_q8_.run_panels(rows, tile, gemm_k_, yp + m0 * n, n, 0, rows, w.panel_begin, w.panel_end, part,
                              rp ? rp + m0 * n : nullptr, n);
          continue;
        }
        gemm_q8_.run(rows, tile, gemm_k_, ytile, n, 0, rows, part);
        add_residual(rows * n, ytile, rp + m0 * n, yp + m0 * n);
      }
    });
  }

  // The fields of the geometry that only depend on the weights (what packing reads).
  ref::Conv2DGeometry weight_geometry() const {
    ref::Conv2DGeometry g;
    g.in_c = in_c_per_group_ * groups_;
    g.out_c = out_c_;
    g.groups = groups_;
    g.kernel_h = kernel_[0], g.kernel_w = kernel_[1];
    return g;
  }

  ref::Conv2DGeometry geometry(const Shape& x, const Shape& y) const {
    ref::Conv2DGeometry g;
    g.batch = x[0];
    g.in_c = x[1], g.in_h = x[2], g.in_w = x[3];
    g.out_c = y[1], g.out_h = y[2], g.out_w = y[3];
    g.kernel_h = kernel_[0], g.kernel_w = kernel_[1];
    g.stride_h = strides_[0], g.stride_w = strides_[1];
    g.pad_top = pads_[0], g.pad_left = pads_[1];
    g.dilation_h = dilations_[0], g.dilation_w = dilations_[1];
    g.groups = groups_;
    return g;
  }

  NodeCheck check_;
  std::vector<int64_t> kernel_, strides_, pads_, dilations_;
  int64_t groups_ = 1, out_c_ = 0, in_c_per_group_ = 0;
  FloatClamp clamp_;
  const uint8_t* weights_ = nullptr;
  const uint8_t* bias_ = nullptr;
  bool quantized_ = false;
  int32_t x_zero_point_ = 0, y_zero_point_ = 0, y_min_ = 0, y_max_ = 255;
  std::vector<float> multipliers_;
  std::vector<float> packed_f32_;  // fp32 weights packed for f32::conv2d_f32_run_part
  Int8Mode int8_mode_ = Int8Mode::kReference;
  bool fused_add_ = false;          // a following int8 Add is fused (NodeDesc::fused_add)
  ref::AddQu8Params residual_{};    // that Add's arithmetic, the conv's result as operand a
  bool residual_vector_ = false;
  int64_t gemm_k_ = 0;              // KH * KW * IC (group 1)
  Int8Gemm gemm_q8_;                // group-1 int8 weights as GEMM B (JIT or Highway)
  q8::PackedDwQu8s8 packed_dw_;     // depthwise int8 weights for q8::dwconv_qu8s8_run
  q8::PackedConvQs16s8 packed_s16_; // int16-input weights for q8::conv_qs16s8_run
  bool reference_ = false;          // int16 input: QINFER_ISA=ref
};

}  // namespace

std::unique_ptr<Kernel> create_conv_kernel(const Model& model, const NodeDesc& node) {
  return std::make_unique<ConvKernel>(model, node);
}

}  // namespace qinfer
