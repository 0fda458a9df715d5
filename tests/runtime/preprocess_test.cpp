// qinfer/preprocess.h: the --preprocess SPEC (parsing, errors, canonical form) and applying it to
// an 8-bit image (channel conversion, order, scale/mean/std, layout, bilinear resize).
#include <gtest/gtest.h>

#include <cmath>

#include "qinfer/preprocess.h"

namespace qinfer {
namespace {

std::string error_of(const std::string& spec) {
  try {
    parse_preprocess(spec);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// A width x height RGB image whose pixel (y, x, c) is (7 * y + 3 * x + 50 * c) % 256.
Image ramp(int height, int width, int channels = 3) {
  Image im;
  im.height = height, im.width = width, im.channels = channels;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < channels; ++c) im.pixels.push_back(static_cast<uint8_t>((7 * y + 3 * x + 50 * c) % 256));
  return im;
}

TEST(Preprocess, ParsesEveryKeyAndRoundTripsTheCanonicalForm) {
  const PreprocessSpec s =
      parse_preprocess("resize=224x160,mean=0.485:0.456:0.406,std=0.229:0.224:0.225,order=bgr,layout=nhwc,scale=1/255");
  EXPECT_EQ(s.resize_height, 224);
  EXPECT_EQ(s.resize_width, 160);
  EXPECT_TRUE(s.bgr);
  EXPECT_TRUE(s.nhwc);
  EXPECT_EQ(s.channels, 3);
  EXPECT_DOUBLE_EQ(s.scale, 1.0 / 255.0);
  ASSERT_EQ(s.mean.size(), 3u);
  EXPECT_FLOAT_EQ(s.mean[1], 0.456f);
  EXPECT_FLOAT_EQ(s.std[2], 0.225f);
  const std::string canonical = to_string(s);
  EXPECT_NE(canonical.find("scale=1/255"), std::string::npos) << canonical;
  EXPECT_NE(canonical.find("mean=0.485:0.456:0.406,std=0.229:0.224:0.225"), std::string::npos) << canonical;
  const PreprocessSpec again = parse_preprocess(canonical);
  EXPECT_EQ(to_string(again), canonical);
  EXPECT_EQ(again.mean, s.mean);
  EXPECT_EQ(again.std, s.std);
  EXPECT_EQ(again.scale, s.scale);
  // Defaults: no resize, 3 channels rgb nchw, identity values.
  const PreprocessSpec d = parse_preprocess("scale=0.5");
  EXPECT_EQ(d.resize_height, 0);
  EXPECT_FALSE(d.bgr);
  EXPECT_FALSE(d.nhwc);
  EXPECT_EQ(to_string(parse_preprocess(to_string(d))), to_string(d));
}

TEST(Preprocess, ErrorsNameTheKeyTheValueAndTheRule) {
  EXPECT_NE(error_of("resize=224").find("resize=224: must be HEIGHTxWIDTH"), std::string::npos) << error_of("resize=224");
  EXPECT_NE(error_of("resize=0x5").find("resize=0x5"), std::string::npos);
  EXPECT_NE(error_of("mean=0.1:x:0.3").find("mean=0.1:x:0.3: 'x' is not a finite number"), std::string::npos)
      << error_of("mean=0.1:x:0.3");
  EXPECT_NE(error_of("std=1:0:1").find("std=1:0:1: every std must be > 0"), std::string::npos);
  EXPECT_NE(error_of("order=rbg").find("order=rbg: must be rgb or bgr"), std::string::npos);
  EXPECT_NE(error_of("layout=chw").find("layout=chw: must be nchw or nhwc"), std::string::npos);
  EXPECT_NE(error_of("scale=1/0").find("scale=1/0"), std::string::npos);
  EXPECT_NE(error_of("flip=1").find("unknown key 'flip'"), std::string::npos);
  EXPECT_NE(error_of("scale").find("'scale' is not key=value"), std::string::npos);
  EXPECT_NE(error_of("mean=1:2").find("mean=1:2: needs 1 value or one per channel (3"), std::string::npos)
      << error_of("mean=1:2");
  EXPECT_NE(error_of("channels=1,mean=1:2:3").find("mean=1:2:3"), std::string::npos);
  EXPECT_NE(error_of("channels=2").find("channels=2: must be 1 or 3"), std::string::npos);
  EXPECT_NE(error_of("scale=2,scale=3").find("given twice"), std::string::npos);
  EXPECT_NE(error_of("").find("empty spec"), std::string::npos);
}

TEST(Preprocess, NormalisesEveryChannelInNchwAndNhwc) {
  const Image im = ramp(3, 4);
  const PreprocessSpec s = parse_preprocess("scale=1/255,mean=0.1:0.2:0.3,std=0.5:0.25:2");
  const Tensor t = preprocess_image(im, s);
  ASSERT_EQ(t.shape(), (std::vector<int64_t>{1, 3, 3, 4}));
  PreprocessSpec n = s;
  n.nhwc = true;
  const Tensor u = preprocess_image(im, n);
  ASSERT_EQ(u.shape(), (std::vector<int64_t>{1, 3, 4, 3}));
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < 4; ++x) {
        const float pixel = im.pixels[(y * 4 + x) * 3 + c];
        const float want = (pixel * static_cast<float>(1.0 / 255.0) - s.mean[c]) / s.std[c];
        EXPECT_FLOAT_EQ(t.data<float>()[(c * 3 + y) * 4 + x], want) << c << " " << y << " " << x;
        EXPECT_FLOAT_EQ(u.data<float>()[(y * 4 + x) * 3 + c], want);
      }
}

TEST(Preprocess, BgrOrderGrayAndAlpha) {
  const Image im = ramp(2, 2, 4);  // RGBA: alpha dropped
  const Tensor bgr = preprocess_image(im, parse_preprocess("order=bgr"));
  for (int p = 0; p < 4; ++p)
    for (int c = 0; c < 3; ++c) EXPECT_EQ(bgr.data<float>()[c * 4 + p], im.pixels[p * 4 + (2 - c)]);
  const Tensor gray = preprocess_image(im, parse_preprocess("channels=1"));
  ASSERT_EQ(gray.shape(), (std::vector<int64_t>{1, 1, 2, 2}));
  for (int p = 0; p < 4; ++p) {
    const uint8_t* px = &im.pixels[p * 4];
    EXPECT_NEAR(gray.data<float>()[p], 0.299f * px[0] + 0.587f * px[1] + 0.114f * px[2], 1e-3);
  }
  const Image g = ramp(2, 3, 1);  // gray replicated to three channels
  const Tensor rgb = preprocess_image(g, parse_preprocess("mean=1"));
  for (int c = 0; c < 3; ++c)
    for (int p = 0; p < 6; ++p) EXPECT_EQ(rgb.data<float>()[c * 6 + p], g.pixels[p] - 1.0f);
}

TEST(Preprocess, BilinearResizeWithHalfPixelCentres) {
  const Image im = ramp(4, 6);
  // Same size: the pixels themselves.
  const Tensor same = preprocess_image(im, parse_preprocess("resize=4x6"));
  EXPECT_EQ(same.data<float>()[5], im.pixels[5 * 3]);
  // Halving: every output is the mean of a 2x2 block (source centre exactly between four pixels).
  const Tensor half = preprocess_image(im, parse_preprocess("resize=2x3"));
  ASSERT_EQ(half.shape(), (std::vector<int64_t>{1, 3, 2, 3}));
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 3; ++x) {
        float sum = 0;
        for (int dy = 0; dy < 2; ++dy)
          for (int dx = 0; dx < 2; ++dx) sum += im.pixels[((2 * y + dy) * 6 + 2 * x + dx) * 3 + c];
        EXPECT_FLOAT_EQ(half.data<float>()[(c * 2 + y) * 3 + x], sum / 4) << c << y << x;
      }
  // Upscaling keeps the corners at the edge pixels and stays within the input's range.
  const Tensor up = preprocess_image(im, parse_preprocess("resize=9x13"));
  EXPECT_FLOAT_EQ(up.data<float>()[0], im.pixels[0]);
  EXPECT_FLOAT_EQ(up.data<float>()[9 * 13 - 1], im.pixels[(3 * 6 + 5) * 3]);
  EXPECT_EQ(preprocessed_shape(parse_preprocess("resize=9x13,layout=nhwc"), 4, 6), (std::vector<int64_t>{1, 9, 13, 3}));
}

TEST(Preprocess, CentreCropAfterResize) {
  const Image im = ramp(6, 9);
  const Tensor c = preprocess_image(im, parse_preprocess("crop=3x4"));  // rows 1..3, columns 2..5
  ASSERT_EQ(c.shape(), (std::vector<int64_t>{1, 3, 3, 4}));
  for (int ch = 0; ch < 3; ++ch)
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < 4; ++x)
        EXPECT_EQ(c.data<float>()[(ch * 3 + y) * 4 + x], im.pixels[((y + 1) * 9 + x + 2) * 3 + ch]);
  // resize then crop = crop of the resized image.
  const Tensor r = preprocess_image(im, parse_preprocess("resize=4x6"));
  const Tensor rc = preprocess_image(im, parse_preprocess("resize=4x6,crop=2x2"));
  ASSERT_EQ(rc.shape(), (std::vector<int64_t>{1, 3, 2, 2}));
  EXPECT_EQ(rc.data<float>()[0], r.data<float>()[1 * 6 + 2]);
  EXPECT_EQ(to_string(parse_preprocess("resize=4x6,crop=2x2")).find("crop=2x2") != std::string::npos, true);
  EXPECT_NE(error_of("resize=4x6,crop=5x5").find("crop=5x5: must fit inside resize=4x6"), std::string::npos);
  EXPECT_THROW(preprocess_image(im, parse_preprocess("crop=7x7")), Error);
}

TEST(Preprocess, RecordedSpecAndMalformedImages) {
  const Image im = ramp(2, 2);
  const std::map<std::string, std::string> meta{{kPreprocessMetadataKey, "scale=2"}};
  EXPECT_FLOAT_EQ(preprocess_image(im, meta).data<float>()[1], 2.0f * im.pixels[3]);
  try {
    preprocess_image(im, std::map<std::string, std::string>{});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("records no input preprocessing"), std::string::npos) << e.what();
  }
  Image bad = im;
  bad.pixels.pop_back();
  EXPECT_THROW(preprocess_image(bad, parse_preprocess("scale=1")), Error);
}

}  // namespace
}  // namespace qinfer
