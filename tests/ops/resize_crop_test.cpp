// Resize tf_crop_and_resize (reference/resize.h) by hand: a 4x4 input v = 4y + x + 1 cropped to
// rows [0.2, 0.8] and columns [0, 1.2] of the normalized extent into 3x3. Source rows
// 0.6 + 0.9 o = 0.6, 1.5, 2.4; source columns 1.8 o = 0, 1.8, 3.6 (outside: extrapolated).
#include <gtest/gtest.h>

#include <vector>

#include "reference/resize.h"

namespace qinfer {

namespace {
ref::ResizeGeometry crop_case(ref::ResizeMode mode) {
  ref::ResizeGeometry g;
  g.planes = 1, g.in_h = g.in_w = 4, g.out_h = g.out_w = 3;
  g.scale_h = g.scale_w = 0.75f;
  g.mode = mode;
  g.coordinates = ref::ResizeCoordinates::TfCropAndResize;
  g.roi_h_start = 0.2f, g.roi_h_end = 0.8f, g.roi_w_start = 0.0f, g.roi_w_end = 1.2f;
  g.extrapolation_value = -7.0f;
  return g;
}
std::vector<float> input() {
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i) x[i] = float(i + 1);
  return x;
}
}  // namespace

TEST(ResizeCrop, NearestByHand) {
  const ref::ResizeGeometry g = crop_case(ref::ResizeMode::Nearest);  // round_prefer_floor: rows 1, 1, 2; columns 0, 2
  const std::vector<float> x = input();
  std::vector<float> y(9);
  ref::resize2d_f32_nchw(g, x.data(), y.data(), 0, 1);
  EXPECT_EQ(y, (std::vector<float>{5, 7, -7, 5, 7, -7, 9, 11, -7}));
}

TEST(ResizeCrop, LinearAndCubicExtrapolateOutsideAndInterpolateInside) {
  const std::vector<float> x = input();
  std::vector<float> y(9);
  ref::resize2d_f32_nchw(crop_case(ref::ResizeMode::Linear), x.data(), y.data(), 0, 1);
  // v is linear in (y, x): v = 4 * 0.6 + 1.8 + 1 at (0, 1)
  EXPECT_NEAR(y[1], 4 * 0.6f + 1.8f + 1, 1e-5f);
  EXPECT_NEAR(y[6], 4 * 2.4f + 0 + 1, 1e-5f);
  EXPECT_EQ(y[2], -7.0f);
  ref::ResizeGeometry c = crop_case(ref::ResizeMode::Cubic);
  ref::resize2d_f32_nchw(c, x.data(), y.data(), 0, 1);
  EXPECT_EQ(y[5], -7.0f);
  EXPECT_EQ(y[8], -7.0f);
  c.roi_h_end = 2.0f;  // source row 0.6 + 2.1 * 2 = 4.8 > 3 for output row 2
  ref::resize2d_f32_nchw(c, x.data(), y.data(), 0, 1);
  EXPECT_EQ(y[6], -7.0f);
  EXPECT_NE(y[0], -7.0f);
}

}  // namespace qinfer
