// im2col for the int8 GEMM convolution: rows of A = the NHWC input patches of output pixels, one
// byte per (ky, kx, ic) in OHWI weight order; taps in the padding hold the input zero point (which
// contributes exactly 0 after the zero-point fold). Within a kernel row the in-bounds taps of an
// undilated conv are kw * ic contiguous input bytes, copied at once: a first layer (ic = 3) would
// otherwise pay one 3-byte copy per tap.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

#include "reference/conv.h"
#include "reference/pool.h"

namespace qinfer {

// Copies n bytes with at most two fixed-size (inlined) copies for n <= 32; reads exactly [src, src + n).
inline void copy_bytes(uint8_t* dst, const uint8_t* src, int64_t n) {
  if (n >= 16 && n <= 32) {
    std::memcpy(dst, src, 16);
    std::memcpy(dst + n - 16, src + n - 16, 16);
  } else if (n >= 8 && n < 16) {
    std::memcpy(dst, src, 8);
    std::memcpy(dst + n - 8, src + n - 8, 8);
  } else if (n >= 4 && n < 8) {
    std::memcpy(dst, src, 4);
    std::memcpy(dst + n - 4, src + n - 4, 4);
  } else {
    std::memcpy(dst, src, static_cast<size_t>(n));
  }
}

// [begin, end) of the in-bounds taps along one axis (ref::pool_valid_taps, without its
// divisions when the conv is undilated: this runs once per output pixel).
inline std::pair<int64_t, int64_t> im2col_valid_taps(int64_t base, int64_t dilation, int64_t kernel, int64_t size) {
  if (dilation != 1) return ref::pool_valid_taps(base, dilation, kernel, size);
  const int64_t begin = std::max<int64_t>(0, -base), end = std::min(kernel, size - base);
  return {begin, std::max(begin, end)};
}

// Kernel row ky of one pixel whose input row is in bounds: zero-point bytes for the taps in the
// padding, the in-bounds taps copied (contiguous when undilated).
inline void im2col_u8_kernel_row(const ref::Conv2DGeometry& g, const uint8_t* in_row, uint8_t zp, int64_t base_x,
                                 uint8_t* dst) {
  const int64_t ic = g.in_c;
  const auto [kx0, kx1] = im2col_valid_taps(base_x, g.dilation_w, g.kernel_w, g.in_w);
  if (kx0 >= kx1) {
    std::memset(dst, zp, static_cast<size_t>(g.kernel_w * ic));
    return;
  }
  if (kx0 > 0) std::memset(dst, zp, static_cast<size_t>(kx0 * ic));
  if (kx1 < g.kernel_w) std::memset(dst + kx1 * ic, zp, static_cast<size_t>((g.kernel_w - kx1) * ic));
  const uint8_t* src = in_row + (base_x + kx0 * g.dilation_w) * ic;
  if (g.dilation_w == 1) {
    copy_bytes(dst + kx0 * ic, src, (kx1 - kx0) * ic);
  } else {
    for (int64_t kx = kx0; kx < kx1; ++kx) copy_bytes(dst + kx * ic, src + (kx - kx0) * g.dilation_w * ic, ic);
  }
}

// A rows for output pixels [m0, m0 + rows) (pixel = (n * out_h + oy) * out_w + ox), each k =
// kernel_h * kernel_w * in_c bytes, at tile + r * k. Walks the pixels of one output row kernel row
// by kernel row, so the common case (all taps in bounds, undilated) is one fixed-size copy per
// (pixel, ky) in a tight loop, with no divisions per pixel.
inline void im2col_u8(const ref::Conv2DGeometry& g, const uint8_t* x, uint8_t zp, int64_t m0, int64_t rows,
                      uint8_t* tile) {
  const int64_t ic = g.in_c, row_bytes = g.kernel_w * ic, k = g.kernel_h * row_bytes;
  const int64_t hw = g.out_h * g.out_w;
  const int64_t span = (g.kernel_w - 1) * g.dilation_w;  // input columns a window covers, minus one
  int64_t n = m0 / hw, oy = m0 % hw / g.out_w, ox = m0 % g.out_w;
  for (int64_t r = 0; r < rows;) {
    const int64_t seg = std::min(rows - r, g.out_w - ox);  // pixels left in this output row
    const int64_t base_y = oy * g.stride_h - g.pad_top;
    for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
      uint8_t* dst = tile + r * k + ky * row_bytes;
      const int64_t iy = base_y + ky * g.dilation_h;
      if (iy < 0 || iy >= g.in_h) {
        for (int64_t j = 0; j < seg; ++j) std::memset(dst + j * k, zp, static_cast<size_t>(row_bytes));
        continue;
      }
      const uint8_t* in_row = x + (n * g.in_h + iy) * g.in_w * ic;
      int64_t base_x = ox * g.stride_w - g.pad_left;
      for (int64_t j = 0; j < seg; ++j, base_x += g.stride_w, dst += k) {
        if (g.dilation_w == 1 && base_x >= 0 && base_x + span < g.in_w)
          copy_bytes(dst, in_row + base_x * ic, row_bytes);
        else
          im2col_u8_kernel_row(g, in_row, zp, base_x, dst);
      }
    }
    r += seg;
    ox += seg;
    if (ox == g.out_w) {
      ox = 0;
      if (++oy == g.out_h) oy = 0, ++n;
    }
  }
}

}  // namespace qinfer
