// uint8 NHWC max pooling, vectorized over channels (see pool_qu8_hwy.h).
#include "pool_qu8_hwy.h"

#include <algorithm>

#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128 | HWY_RVV)
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "hwy/pool_qu8_hwy.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "quant_math.h"
#include "reference/pool.h"

HWY_BEFORE_NAMESPACE();
namespace qinfer::q8 {
namespace HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;

// out[c] = max(0, max over taps of in[tap + c]) for c in [c0, c0 + Lanes(d)).
template <class D>
HWY_INLINE void MaxTaps(D d, const uint8_t* HWY_RESTRICT row0, int64_t row_step, int64_t ny, int64_t col_step,
                        int64_t nx, int64_t c0, uint8_t* HWY_RESTRICT out) {
  auto best = hn::Zero(d);
  for (int64_t ky = 0; ky < ny; ++ky) {
    const uint8_t* p = row0 + ky * row_step + c0;
    for (int64_t kx = 0; kx < nx; ++kx) best = hn::Max(best, hn::LoadU(d, p + kx * col_step));
  }
  hn::StoreU(best, d, out + c0);
}

void MaxPoolU8(const ref::Conv2DGeometry& g, const uint8_t* HWY_RESTRICT x, uint8_t* HWY_RESTRICT y, int64_t row_begin,
               int64_t row_end) {
  const hn::ScalableTag<uint8_t> d;
  const hn::CappedTag<uint8_t, 16> d16;  // channel tails narrower than a full vector
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d)), lanes16 = static_cast<int64_t>(hn::Lanes(d16));
  const int64_t c = g.in_c;
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t n = row / g.out_h, oy = row % g.out_h;
    const int64_t base_y = oy * g.stride_h - g.pad_top;
    const auto [ky0, ky1] = ref::pool_valid_taps(base_y, g.dilation_h, g.kernel_h, g.in_h);
    for (int64_t ox = 0; ox < g.out_w; ++ox) {
      const int64_t base_x = ox * g.stride_w - g.pad_left;
      const auto [kx0, kx1] = ref::pool_valid_taps(base_x, g.dilation_w, g.kernel_w, g.in_w);
      uint8_t* out = y + ((n * g.out_h + oy) * g.out_w + ox) * c;
      const int64_t ny = ky1 - ky0, nx = kx1 - kx0;
      if (ny == 0 || nx == 0) {  // no in-bounds tap: 0, as the reference
        std::fill(out, out + c, uint8_t{0});
        continue;
      }
      const uint8_t* first = x + ((n * g.in_h + base_y + ky0 * g.dilation_h) * g.in_w + base_x + kx0 * g.dilation_w) * c;
      const int64_t row_step = g.dilation_h * g.in_w * c, col_step = g.dilation_w * c;
      int64_t c0 = 0;
      for (; c0 + lanes <= c; c0 += lanes) MaxTaps(d, first, row_step, ny, col_step, nx, c0, out);
      for (; c0 + lanes16 <= c; c0 += lanes16) MaxTaps(d16, first, row_step, ny, col_step, nx, c0, out);
      for (; c0 < c; ++c0) {
        uint8_t best = 0;
        for (int64_t ky = 0; ky < ny; ++ky)
          for (int64_t kx = 0; kx < nx; ++kx) best = std::max(best, first[ky * row_step + kx * col_step + c0]);
        out[c0] = best;
      }
    }
  }
}

// Per channel, the sum over the hw pixels in int32: 16 channels per vector, widened from bytes.
void GlobalAveragePoolU8(int64_t batch, int64_t channels, int64_t hw, const uint8_t* HWY_RESTRICT x,
                         int32_t x_zero_point, float multiplier, int32_t y_zero_point, int32_t y_min, int32_t y_max,
                         uint8_t* HWY_RESTRICT y, int64_t c_begin, int64_t c_end) {
  const hn::ScalableTag<int32_t> d32;
  const hn::Rebind<uint8_t, decltype(d32)> d8;  // as many bytes as int32 lanes
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d32));
  constexpr int64_t kBlock = 256;  // channels summed at once: a few vectors of sums in registers
  HWY_ALIGN int32_t sum[kBlock];
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c0 = c_begin; c0 < c_end; c0 += kBlock) {
      const int64_t cn = std::min(kBlock, c_end - c0);
      const int64_t cv = cn / lanes * lanes;
      int64_t c = 0;
      for (; c + 4 * lanes <= cv; c += 4 * lanes) {  // 4 vectors: a pixel's 64 bytes read once
        auto a0 = hn::Zero(d32), a1 = hn::Zero(d32), a2 = hn::Zero(d32), a3 = hn::Zero(d32);
        const uint8_t* px = x + n * hw * channels + c0 + c;
        for (int64_t i = 0; i < hw; ++i, px += channels) {
          a0 = hn::Add(a0, hn::PromoteTo(d32, hn::LoadU(d8, px)));
          a1 = hn::Add(a1, hn::PromoteTo(d32, hn::LoadU(d8, px + lanes)));
          a2 = hn::Add(a2, hn::PromoteTo(d32, hn::LoadU(d8, px + 2 * lanes)));
          a3 = hn::Add(a3, hn::PromoteTo(d32, hn::LoadU(d8, px + 3 * lanes)));
        }
        hn::Store(a0, d32, sum + c);
        hn::Store(a1, d32, sum + c + lanes);
        hn::Store(a2, d32, sum + c + 2 * lanes);
        hn::Store(a3, d32, sum + c + 3 * lanes);
      }
      for (; c < cv; c += lanes) {
        auto acc = hn::Zero(d32);
        const uint8_t* px = x + n * hw * channels + c0 + c;
        for (int64_t i = 0; i < hw; ++i) acc = hn::Add(acc, hn::PromoteTo(d32, hn::LoadU(d8, px + i * channels)));
        hn::Store(acc, d32, sum + c);
      }
      for (int64_t c = cv; c < cn; ++c) {
        int32_t s = 0;
        for (int64_t i = 0; i < hw; ++i) s += x[(n * hw + i) * channels + c0 + c];
        sum[c] = s;
      }
      for (int64_t c = 0; c < cn; ++c) {
        const int32_t acc = sum[c] - static_cast<int32_t>(hw) * x_zero_point;
        y[n * channels + c0 + c] =
            static_cast<uint8_t>(qmath::requantize(acc, multiplier, y_zero_point, y_min, y_max));
      }
    }
}

}  // namespace HWY_NAMESPACE
}  // namespace qinfer::q8
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qinfer::q8 {

HWY_EXPORT(MaxPoolU8);
HWY_EXPORT(GlobalAveragePoolU8);

void global_average_pool_u8_nhwc_hwy(int64_t batch, int64_t channels, int64_t hw, const uint8_t* x,
                                     int32_t x_zero_point, float multiplier, int32_t y_zero_point, int32_t y_min,
                                     int32_t y_max, uint8_t* y, int64_t c_begin, int64_t c_end) {
  HWY_DYNAMIC_DISPATCH(GlobalAveragePoolU8)(batch, channels, hw, x, x_zero_point, multiplier, y_zero_point, y_min,
                                            y_max, y, c_begin, c_end);
}

void maxpool2d_u8_nhwc_hwy(const ref::Conv2DGeometry& g, const uint8_t* x, uint8_t* y, int64_t row_begin,
                           int64_t row_end) {
  HWY_DYNAMIC_DISPATCH(MaxPoolU8)(g, x, y, row_begin, row_end);
}

}  // namespace qinfer::q8
#endif  // HWY_ONCE
