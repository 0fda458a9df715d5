// Fast fp32 Conv2D (ops/conv_f32_fast.h) against ref::conv2d_f32_nchw, on every compiled Highway target.
#include <gtest/gtest.h>

#include <array>

#include "f32_target_test.h"
#include "f32_testers.h"

namespace qinfer::testing {
namespace {

QINFER_F32_TARGET_SUITE(ConvF32);

// 1x1 stride 1: the direct GEMM path (no im2col).
TEST_P(ConvF32, Pointwise) {
  for (int64_t c : {1, 2, 3, 5, 8, 16, 17, 32, 33, 67})
    for (int64_t oc : {1, 4, 7, 9, 24, 67})
      for (auto hw : {std::pair<int64_t, int64_t>{1, 1}, {3, 3}, {7, 5}, {14, 14}})
        ConvF32Tester().channels(c, oc).input(hw.first, hw.second).kernel(1).Test();
}

TEST_P(ConvF32, PointwisePaddedOrStrided) {
  ConvF32Tester().channels(13, 21).input(9, 11).kernel(1).stride(2).Test();
  ConvF32Tester().channels(13, 21).input(9, 11).kernel(1).pads(1, 0, 2, 1).Test();
  ConvF32Tester().channels(64, 128).input(14, 14).kernel(1).stride(2).Test();
}

// k x k through im2col panels: kernels 3/5/7, strides 1/2, symmetric and asymmetric pads.
TEST_P(ConvF32, KernelsStridesPads) {
  for (int64_t k : {3, 5, 7})
    for (int64_t s : {1, 2})
      for (auto p : {std::array<int64_t, 4>{0, 0, 0, 0}, {1, 1, 1, 1}, {2, 1, 0, 3}, {3, 3, 3, 3}})
        for (auto ch : {std::pair<int64_t, int64_t>{1, 3}, {4, 8}, {17, 9}})
          for (auto hw : {std::pair<int64_t, int64_t>{7, 7}, {13, 11}, {20, 33}}) {
            if (hw.first + p[0] + p[2] < k || hw.second + p[1] + p[3] < k) continue;
            ConvF32Tester().channels(ch.first, ch.second).input(hw.first, hw.second).kernel(k).stride(s)
                .pads(p[0], p[1], p[2], p[3]).Test();
          }
}

TEST_P(ConvF32, RectangularKernelsAndStrides) {
  ConvF32Tester().channels(5, 6).input(12, 15).kernel(1, 3).pads(0, 1, 0, 1).Test();
  ConvF32Tester().channels(5, 6).input(12, 15).kernel(3, 1).pads(1, 0, 1, 0).Test();
  ConvF32Tester().channels(5, 6).input(12, 15).kernel(3, 5).stride(1, 2).pads(1, 2, 1, 2).Test();
  ConvF32Tester().channels(5, 6).input(12, 15).kernel(2, 2).stride(2, 1).Test();
  ConvF32Tester().channels(3, 4).input(17, 19).kernel(3).stride(3).pad(1).Test();
}

// Rows long enough for whole vectors in the im2col copies (stride 2: paired loads), with every tail.
TEST_P(ConvF32, WideRows) {
  for (int64_t w : {64, 97, 130})
    for (int64_t s : {1, 2, 3}) {
      ConvF32Tester().channels(3, 10).input(5, w).kernel(7).stride(s).pads(3, 3, 2, 1).Test();
      ConvF32Tester().channels(4, 9).input(3, w).kernel(1).stride(s).Test();
      ConvF32Tester().channels(4, 9).input(4, w).kernel(3).stride(s).pads(1, 0, 1, 2).Test();
    }
}

TEST_P(ConvF32, Dilation) {
  for (int64_t k : {3, 5})
    for (int64_t s : {1, 2})
      ConvF32Tester().channels(6, 10).input(15, 18).kernel(k).stride(s).dilation(2).pad(2).Test();
  ConvF32Tester().channels(6, 10).input(15, 18).kernel(3).dilation(2, 3).pads(2, 3, 1, 0).Test();
}

// The first layer of ResNet-50 (7x7 stride 2, 3 channels) at a small size, and conv shapes of its stages.
TEST_P(ConvF32, ResNetLike) {
  ConvF32Tester().channels(3, 64).input(32, 30).kernel(7).stride(2).pad(3).clamp(0.0f, kInf).Test();
  ConvF32Tester().channels(64, 64).input(14, 14).kernel(3).pad(1).clamp(0.0f, kInf).Test();
  ConvF32Tester().channels(128, 128).input(14, 14).kernel(3).stride(2).pad(1).Test();
  ConvF32Tester().channels(256, 64).input(7, 7).kernel(1).Test();
  ConvF32Tester().channels(96, 520).input(7, 7).kernel(3).pad(1).clamp(0.0f, 6.0f).Test();
}

TEST_P(ConvF32, Grouped) {
  for (int64_t groups : {2, 3, 4})
    for (int64_t k : {1, 3})
      for (int64_t s : {1, 2})
        ConvF32Tester().channels(groups * 5, groups * 3).groups(groups).input(9, 10).kernel(k).stride(s).pad(k / 2).Test();
  ConvF32Tester().channels(64, 64).groups(32).input(8, 8).kernel(3).pad(1).Test();  // ResNeXt-like, 2 per group
}

TEST_P(ConvF32, Depthwise) {
  for (int64_t c : {2, 3, 16, 67})
    for (int64_t k : {1, 3, 5, 7})
      for (int64_t s : {1, 2})
        for (auto hw : {std::pair<int64_t, int64_t>{1, 1}, {2, 3}, {7, 7}, {17, 33}}) {
          const int64_t p = k / 2;
          ConvF32Tester().depthwise(c).input(hw.first, hw.second).kernel(k).stride(s).pad(p).clamp(0.0f, 6.0f).Test();
        }
}

TEST_P(ConvF32, DepthwiseOddGeometry) {
  ConvF32Tester().depthwise(5).input(56, 56).kernel(3).pad(1).Test();
  ConvF32Tester().depthwise(5).input(57, 61).kernel(3).stride(2).pads(0, 0, 1, 1).Test();
  ConvF32Tester().depthwise(4).input(23, 40).kernel(3).stride(3).pads(1, 2, 0, 1).Test();
  ConvF32Tester().depthwise(4).input(23, 40).kernel(3).dilation(2).pad(2).Test();
  ConvF32Tester().depthwise(4).input(23, 40).kernel(5).stride(2).dilation(2, 1).pads(4, 2, 3, 1).Test();
  ConvF32Tester().depthwise(3, 2).input(11, 13).kernel(3).pad(1).Test();  // channel multiplier 2
  ConvF32Tester().depthwise(6).input(9, 9).kernel(3).pad(1).bias(false).Test();
  ConvF32Tester().depthwise(6).input(3, 70).kernel(3, 1).pads(1, 0, 1, 0).Test();
}

// Spatial 1x1 and kernels that mostly see padding.
TEST_P(ConvF32, TinySpatial) {
  ConvF32Tester().channels(7, 5).input(1, 1).kernel(3).pad(1).Test();
  ConvF32Tester().channels(7, 5).input(1, 1).kernel(1).Test();
  ConvF32Tester().channels(7, 5).input(2, 1).kernel(5).pad(2).Test();
  ConvF32Tester().channels(1, 1).input(1, 1).kernel(1).Test();
  ConvF32Tester().depthwise(9).input(1, 1).kernel(3).pad(1).Test();
}

TEST_P(ConvF32, BatchAndThreads) {
  for (int threads : {1, 2, 3, 7}) {
    ConvF32Tester().batch(3).channels(10, 12).input(9, 8).kernel(3).pad(1).threads(threads).Test();
    ConvF32Tester().batch(2).channels(16, 40).input(5, 5).kernel(1).threads(threads).Test();
    ConvF32Tester().batch(2).depthwise(6).input(9, 8).kernel(3).stride(2).pad(1).threads(threads).Test();
    ConvF32Tester().batch(2).channels(8, 12).groups(4).input(6, 7).kernel(3).pad(1).threads(threads).Test();
  }
}

}  // namespace
}  // namespace qinfer::testing
