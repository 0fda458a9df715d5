// int16 x int8 -> uint8 convolution and float -> int16 quantization (see conv_qs16s8_hwy.h).
#include "conv_qs16s8_hwy.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "quant_math.h"

// Also compile the AVX-512 VNNI target (vpdpwssd), as the depthwise kernel does.
#ifndef HWY_WANT_AVX3_DL
#define HWY_WANT_AVX3_DL
#endif
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128 | HWY_RVV)
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "hwy/conv_qs16s8_hwy.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/qu8s8_common-inl.h"

HWY_BEFORE_NAMESPACE();
namespace qinfer::q8 {
namespace HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;

// Output pixels x vectors of channels per register tile: with 32 vector registers (AVX-512),
// 6 x 4 (24 accumulators, 4 weight vectors, 1 broadcast): ResNet-50's int16 7x7 stem 1.46-1.53 ->
// 1.33-1.37 ms at 1 thread, 0.89-0.92 -> 0.71-0.73 ms at 2 than 4 x 2 (vpdpwssd bound: about one per
// cycle); with 16 registers (AVX2, SSE4), NEON and others 4 x 2.
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
constexpr int64_t kPixelsPerBlock = 6;
constexpr int kMaxVectors = 4;
#else
constexpr int64_t kPixelsPerBlock = 4;
constexpr int kMaxVectors = 2;
#endif
static_assert(kPixelsPerBlock <= 8, "conv_qs16s8_scratch_bytes holds 8 gathered pixels");

// n int16 values (a short run: a plain loop, no library call per tap).
HWY_INLINE void CopyS16(const int16_t* HWY_RESTRICT src, int64_t n, int16_t* HWY_RESTRICT dst) {
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
}

HWY_INLINE void ZeroS16(int64_t n, int16_t* HWY_RESTRICT dst) {
  for (int64_t i = 0; i < n; ++i) dst[i] = 0;
}

// The receptive field of output pixel `pixel` (index into batch * out_h * out_w) for group `grp`,
// as k int16 values in OHWI weight order (ky, kx, ic), 0 in padding, then one more 0 when k is odd.
// The pixel's position (n, oy, ox): the caller steps it along instead of dividing per pixel.
struct PixelPos {
  int64_t n, oy, ox;
  PixelPos(const ref::Conv2DGeometry& g, int64_t pixel)
      : n(pixel / (g.out_w * g.out_h)), oy(pixel / g.out_w % g.out_h), ox(pixel % g.out_w) {}
  void next(const ref::Conv2DGeometry& g) {
    if (++ox < g.out_w) return;
    ox = 0;
    if (++oy < g.out_h) return;
    oy = 0;
    ++n;
  }
};

void Qs16GatherPixel(const PackedConvQs16s8& p, const ref::Conv2DGeometry& g, const int16_t* HWY_RESTRICT x,
                     const PixelPos& pos, int64_t grp, int16_t* HWY_RESTRICT dst) {
  const int64_t icg = g.in_c / g.groups;
  const int64_t ox = pos.ox, oy = pos.oy, n = pos.n;
  const int64_t ix0 = ox * g.stride_w - g.pad_left;
  // One kernel row's kw * ic values are contiguous in NHWC when the row is inside and not dilated.
  const bool row_contiguous = g.groups == 1 && g.dilation_w == 1 && ix0 >= 0 && ix0 + g.kernel_w <= g.in_w;
  const int64_t row_len = g.kernel_w * icg;
  for (int64_t ky = 0; ky < g.kernel_h; ++ky, dst += row_len) {
    const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
    if (iy < 0 || iy >= g.in_h) {
      ZeroS16(row_len, dst);
      continue;
    }
    const int16_t* xrow = x + (n * g.in_h + iy) * g.in_w * g.in_c + grp * icg;
    if (row_contiguous) {
      CopyS16(xrow + ix0 * g.in_c, row_len, dst);
      continue;
    }
    for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
      const int64_t ix = ix0 + kx * g.dilation_w;
      if (ix < 0 || ix >= g.in_w)
        ZeroS16(icg, dst + kx * icg);
      else
        CopyS16(xrow + ix * g.in_c, icg, dst + kx * icg);
    }
  }
  if (p.k % 2 != 0) *dst = 0;
}

// int16 pair j of a gathered row as one int32 word (element 2j in the low half).
HWY_INLINE int32_t PairWord(const int16_t* row, int64_t j) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  int32_t word;  // one 4-byte load (x86: a broadcast straight from memory)
  std::memcpy(&word, row + 2 * j, sizeof(word));
  return word;
#else
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint16_t>(row[2 * j])) |
                              static_cast<uint32_t>(static_cast<uint16_t>(row[2 * j + 1])) << 16);
#endif
}

// Requantizes `acc` into `valid` channels at out (valid <= Lanes: a partial vector goes through a buffer).
template <class D>
HWY_INLINE void StoreChannels(D d, hn::Vec<D> acc, const float* mult, const Requant& rq, int64_t valid, int64_t lanes,
                              uint8_t* out) {
  if (valid == lanes) {
    RequantStore(d, acc, mult, rq, out);
    return;
  }
  uint8_t buf[64];
  RequantStore(d, acc, mult, rq, buf);
  std::memcpy(out, buf, static_cast<size_t>(valid));
}

// MR gathered pixels (rows of `xs`, stride 2 * kpairs) times NV vectors of output channels of group
// `grp` from c0 (the packed weights are zero past the group's channels). out[r] points at pixel r's
// first output channel of the group.
template <int MR, int NV>
HWY_INLINE void Qs16ConvTile(const PackedConvQs16s8& p, int64_t grp, int64_t ocg, int64_t c0,
                             const int16_t* HWY_RESTRICT xs, uint8_t* const (&out)[MR]) {
  const hn::ScalableTag<int32_t> d;
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  const int64_t stride = 2 * p.kpairs;
  const int32_t* wg = p.w.data() + grp * p.kpairs * p.ocpad + c0;
  const int32_t* bg = p.bias.data() + grp * p.ocpad + c0;
  hn::Vec<decltype(d)> acc[MR][NV];
  for (int v = 0; v < NV; ++v) {
    const auto b = hn::LoadU(d, bg + v * L);
    for (int r = 0; r < MR; ++r) acc[r][v] = b;
  }
  for (int64_t j = 0; j < p.kpairs; ++j) {
    hn::Vec<decltype(d)> wv[NV];
    for (int v = 0; v < NV; ++v) wv[v] = hn::LoadU(d, wg + j * p.ocpad + v * L);
    for (int r = 0; r < MR; ++r) {
      const auto xv = hn::Set(d, PairWord(xs + r * stride, j));
      for (int v = 0; v < NV; ++v) acc[r][v] = PairDotVV(d, xv, wv[v], acc[r][v]);
    }
  }
  const float* mg = p.multiplier.data() + grp * p.ocpad + c0;
  const Requant rq(p.y_zero_point, p.y_min, p.y_max);
  for (int v = 0; v < NV; ++v) {
    const int64_t valid = std::min(L, ocg - c0 - v * L);
    if (valid <= 0) break;
    for (int r = 0; r < MR; ++r) StoreChannels(d, acc[r][v], mg + v * L, rq, valid, L, out[r] + c0 + v * L);
  }
}

template <int MR>
void Qs16ConvBlock(const PackedConvQs16s8& p, int64_t grp, int64_t ocg, const int16_t* HWY_RESTRICT xs,
                   uint8_t* const (&out)[MR]) {
  const int64_t L = static_cast<int64_t>(hn::Lanes(hn::ScalableTag<int32_t>()));
  int64_t c0 = 0;
  // Four, then two vectors of channels at a time while more than that many minus one remain (ocpad
  // holds whole 16-channel blocks).
  if constexpr (kMaxVectors >= 4)
    for (; c0 + 3 * L < ocg && c0 + 4 * L <= p.ocpad; c0 += 4 * L) Qs16ConvTile<MR, 4>(p, grp, ocg, c0, xs, out);
  for (; c0 + L < ocg && c0 + 2 * L <= p.ocpad; c0 += 2 * L) Qs16ConvTile<MR, 2>(p, grp, ocg, c0, xs, out);
  for (; c0 < ocg; c0 += L) Qs16ConvTile<MR, 1>(p, grp, ocg, c0, xs, out);
}

void Qs16ConvRun(const PackedConvQs16s8& p, const ref::Conv2DGeometry& g, const int16_t* x, uint8_t* y,
                 int64_t row_begin, int64_t row_end, void* scratch) {
  auto* xs = static_cast<int16_t*>(scratch);
  const int64_t stride = 2 * p.kpairs, ocg = g.out_c / g.groups;
  const int64_t end = row_end * g.out_w;
  PixelPos block_pos(g, row_begin * g.out_w);
  for (int64_t pixel = row_begin * g.out_w; pixel < end; pixel += kPixelsPerBlock) {
    const int64_t count = std::min(kPixelsPerBlock, end - pixel);
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      PixelPos pos = block_pos;
      for (int64_t r = 0; r < count; ++r, pos.next(g)) Qs16GatherPixel(p, g, x, pos, grp, xs + r * stride);
      if (count == kPixelsPerBlock) {
        uint8_t* out[kPixelsPerBlock];
        for (int64_t r = 0; r < kPixelsPerBlock; ++r) out[r] = y + (pixel + r) * g.out_c + grp * ocg;
        Qs16ConvBlock<kPixelsPerBlock>(p, grp, ocg, xs, out);
      } else {
        for (int64_t r = 0; r < count; ++r) {
          uint8_t* const out[1] = {y + (pixel + r) * g.out_c + grp * ocg};
          Qs16ConvBlock<1>(p, grp, ocg, xs + r * stride, out);
        }
      }
    }
    for (int64_t r = 0; r < count; ++r) block_pos.next(g);
  }
}

// Contiguous float -> int16: q = clamp(rne(x / scale), -32768, 32767).
void QuantizeSpanS16(int64_t count, const float* HWY_RESTRICT x, float scale, int16_t* HWY_RESTRICT y) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<int16_t, decltype(di)> d16;
  const int64_t n = static_cast<int64_t>(hn::Lanes(df));
  const auto s = hn::Set(df, scale);
  const auto flo = hn::Set(df, -1073741824.0f), fhi = hn::Set(df, 1073741824.0f);
  const auto lo = hn::Set(di, -32768), hi = hn::Set(di, 32767);
  int64_t i = 0;
  for (; i + n <= count; i += n) {
    // As the reference: clamp the quotient to +-2^30 (any such value ends at lo or hi), round, clamp.
    const auto f = hn::Min(hn::Max(hn::Div(hn::LoadU(df, x + i), s), flo), fhi);
    hn::StoreU(hn::DemoteTo(d16, hn::Min(hn::Max(hn::NearestInt(f), lo), hi)), d16, y + i);
  }
  for (; i < count; ++i) y[i] = static_cast<int16_t>(qmath::quantize(x[i], scale, 0, -32768, 32767));
}

// Share `part` of `parts` (elements, or whole pixels when the layout moves) of float -> int16.
void QuantizeS16(const float* x, float scale, int16_t* y, const ref::Dims4& d, ref::LayoutMove move, int64_t count,
                 int64_t part, int64_t parts) {
  if (move == ref::LayoutMove::None || d.c == 1) {
    const int64_t i0 = count * part / parts, i1 = count * (part + 1) / parts;
    return QuantizeSpanS16(i1 - i0, x + i0, scale, y + i0);
  }
  // NCHW -> NHWC: quantize a block of each channel plane, then interleave (3 channels, an image:
  // with vector stores instead of one store per value).
  constexpr int64_t kBlock = 256;
  HWY_ALIGN int16_t block[3][kBlock];
  const hn::ScalableTag<int16_t> d16;
  const int64_t n16 = static_cast<int64_t>(hn::Lanes(d16));
  const int64_t hw = d.h * d.w, total = d.n * hw;
  const int64_t q1 = total * (part + 1) / parts;
  for (int64_t q = total * part / parts; q < q1;) {
    const int64_t n = q / hw, p0 = q % hw, len = std::min({kBlock, hw - p0, q1 - q});
    q += len;
    if (d.c == 3) {
      for (int64_t c = 0; c < 3; ++c) QuantizeSpanS16(len, x + (n * 3 + c) * hw + p0, scale, block[c]);
      int16_t* out = y + (n * hw + p0) * 3;
      int64_t i = 0;
      for (; i + n16 <= len; i += n16)
        hn::StoreInterleaved3(hn::Load(d16, block[0] + i), hn::Load(d16, block[1] + i), hn::Load(d16, block[2] + i),
                              d16, out + i * 3);
      for (; i < len; ++i)
        for (int64_t c = 0; c < 3; ++c) out[i * 3 + c] = block[c][i];
      continue;
    }
    for (int64_t c = 0; c < d.c; ++c) {
      QuantizeSpanS16(len, x + (n * d.c + c) * hw + p0, scale, block[0]);
      int16_t* out = y + (n * hw + p0) * d.c + c;
      for (int64_t i = 0; i < len; ++i) out[i * d.c] = block[0][i];
    }
  }
}

int64_t Qs16ActiveTarget() { return HWY_TARGET; }

}  // namespace HWY_NAMESPACE
}  // namespace qinfer::q8
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qinfer::q8 {

HWY_EXPORT(Qs16ConvRun);
HWY_EXPORT(QuantizeS16);
HWY_EXPORT(Qs16ActiveTarget);

const char* conv_qs16s8_target() { return hwy::TargetName(HWY_DYNAMIC_DISPATCH(Qs16ActiveTarget)()); }

int64_t conv_qs16s8_compiled_targets() { return HWY_TARGETS; }

PackedConvQs16s8 conv_qs16s8_pack(int64_t out_c, int64_t in_c, int64_t kernel_h, int64_t kernel_w, int64_t groups,
                                  const int8_t* w, const int32_t* bias, const float* multiplier, int32_t y_zero_point,
                                  int32_t y_min, int32_t y_max) {
  PackedConvQs16s8 p;
  p.out_c = out_c, p.in_c = in_c, p.kernel_h = kernel_h, p.kernel_w = kernel_w, p.groups = groups;
  p.k = kernel_h * kernel_w * (in_c / groups);
  p.kpairs = (p.k + 1) / 2;
  const int64_t ocg = out_c / groups;
  p.ocpad = (ocg + 15) / 16 * 16;
  p.y_zero_point = y_zero_point, p.y_min = y_min, p.y_max = y_max;
  p.fits_int32 = ref::qs16s8_sum_fits_int32(out_c, p.k, w, bias);
  p.w.assign(static_cast<size_t>(groups * p.kpairs * p.ocpad), 0);
  p.bias.assign(static_cast<size_t>(groups * p.ocpad), 0);
  p.multiplier.assign(static_cast<size_t>(groups * p.ocpad), 0.0f);
  for (int64_t oc = 0; oc < out_c; ++oc) {
    const int64_t grp = oc / ocg, c = oc % ocg;
    for (int64_t j = 0; j < p.k; ++j) {
      const uint32_t half = static_cast<uint16_t>(static_cast<int16_t>(w[oc * p.k + j]));
      int32_t& word = p.w[static_cast<size_t>((grp * p.kpairs + j / 2) * p.ocpad + c)];
      word = static_cast<int32_t>(static_cast<uint32_t>(word) | (j % 2 == 0 ? half : half << 16));
    }
    p.bias[static_cast<size_t>(grp * p.ocpad + c)] = bias ? bias[oc] : 0;
    p.multiplier[static_cast<size_t>(grp * p.ocpad + c)] = multiplier[oc];
  }
  return p;
}

size_t conv_qs16s8_scratch_bytes(const PackedConvQs16s8& packed) {
  const size_t bytes = static_cast<size_t>(8 * 2 * packed.kpairs) * sizeof(int16_t);  // kPixelsPerBlock <= 8 rows
  return (bytes + 63) / 64 * 64;
}

void conv_qs16s8_run(const PackedConvQs16s8& packed, const ref::Conv2DGeometry& g, const int16_t* x, uint8_t* y,
                     int64_t row_begin, int64_t row_end, void* scratch) {
  assert(packed.fits_int32);
  assert(g.out_c == packed.out_c && g.in_c == packed.in_c && g.groups == packed.groups);
  assert(g.kernel_h == packed.kernel_h && g.kernel_w == packed.kernel_w);
  HWY_DYNAMIC_DISPATCH(Qs16ConvRun)(packed, g, x, y, row_begin, row_end, scratch);
}

void quantize_f32_s16_hwy(const float* x, float scale, int16_t* y, const ref::Dims4& dims, ref::LayoutMove move,
                          int64_t count, int64_t part, int64_t parts) {
  HWY_DYNAMIC_DISPATCH(QuantizeS16)(x, scale, y, dims, move, count, part, parts);
}

}  // namespace qinfer::q8
#endif  // HWY_ONCE
