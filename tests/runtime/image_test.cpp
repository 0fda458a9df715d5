#include <gtest/gtest.h>

#include <fstream>

#include "qinfer/image.h"
#include "test_support.h"

namespace qinfer {

TEST(Image, DecodesPngAndJpegToInterleavedRgb) {
  const std::string dir = testing::source_dir() + "/tests/fuzz/corpus/fuzz_image";
  const Image gray = read_image(dir + "/gray.png", 3);  // 6x8 gray ramp, values (i*3) % 256
  EXPECT_EQ(gray.height, 8);
  EXPECT_EQ(gray.width, 6);
  EXPECT_EQ(gray.channels, 3);
  ASSERT_EQ(gray.pixels.size(), 8u * 6u * 3u);
  EXPECT_EQ(gray.pixels[0], 0);
  EXPECT_EQ(gray.pixels[3], 3);  // second pixel: value 3, replicated to R, G, B
  EXPECT_EQ(gray.pixels[4], 3);
  const Image one = read_image(dir + "/gray.png", 1);
  EXPECT_EQ(one.pixels.size(), 48u);
  EXPECT_EQ(one.pixels[47], 141);
  const Image jpg = read_image(dir + "/tiny.jpg", 0);
  EXPECT_EQ(jpg.channels, 3);
  EXPECT_EQ(jpg.width, 6);
}

// fuzz_image: a truncated 16-bit PNM header made stb_image read out of bounds; only PNG and JPEG
// reach the decoder now.
TEST(Image, OtherFormatsAreRefusedBeforeDecoding) {
  const std::string file = testing::source_dir() + "/tests/fuzz/regressions/fuzz_image/pnm_16bit_truncated.pgm";
  try {
    read_image(file, 3);
    FAIL() << "a PNM file was decoded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a PNG or JPEG"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
  }
}

TEST(Image, ErrorsNameTheFile) {
  const std::string dir = testing::temp_dir();
  std::ofstream(dir + "/bad.png") << "not an image at all";
  try {
    read_image(dir + "/bad.png");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir + "/bad.png: not a readable image"), std::string::npos) << e.what();
  }
  try {
    read_image(dir + "/missing.png");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open for reading"), std::string::npos) << e.what();
  }
}

}  // namespace qinfer
