#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "qinfer/error.h"

#include "qinfer/npy.h"
#include "test_support.h"

namespace qinfer {

TEST(Npy, RoundTripsEveryDType) {
  const std::string dir = testing::temp_dir();
  for (DType d : {DType::Float32, DType::UInt8, DType::Int8, DType::Int32, DType::Int64, DType::Float64, DType::Float16,
                  DType::UInt32, DType::UInt64}) {
    Tensor t(d, {2, 3, 5});
    auto* bytes = static_cast<uint8_t*>(t.raw_data());
    for (size_t i = 0; i < t.byte_size(); ++i) bytes[i] = static_cast<uint8_t>(i * 37 + 11);
    write_npy(dir + "/t.npy", t);
    const Tensor back = read_npy(dir + "/t.npy");
    EXPECT_EQ(back.dtype(), d);
    EXPECT_EQ(back.shape(), t.shape());
    EXPECT_EQ(std::memcmp(back.raw_data(), t.raw_data(), t.byte_size()), 0) << dtype_name(d);
  }
  Tensor vec(DType::Float32, {4});
  write_npy(dir + "/v.npy", vec);
  EXPECT_EQ(read_npy(dir + "/v.npy").shape(), std::vector<int64_t>{4});
  Tensor scalar(DType::Float32, {});
  write_npy(dir + "/s.npy", scalar);
  EXPECT_EQ(read_npy(dir + "/s.npy").element_count(), 1);
}

TEST(Npy, ReadsTheSharedMnistFilesWhenPresent) {
  const std::string path = testing::source_dir() + "/examples/mnist/data/test_labels.npy";
  const Tensor labels = read_npy(path);
  EXPECT_EQ(labels.dtype(), DType::Int64);
  EXPECT_EQ(labels.shape(), std::vector<int64_t>{500});
}

TEST(Npy, ErrorsNameTheFileAndTheProblem) {
  const std::string dir = testing::temp_dir();
  auto expect_error = [](const std::string& path, const std::string& needle) {
    try {
      read_npy(path);
      FAIL() << "expected an error for " << path;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  };
  expect_error(dir + "/missing.npy", "cannot open");
  std::ofstream(dir + "/junk.npy") << "hello world, not numpy";
  expect_error(dir + "/junk.npy", "not a .npy file");
  Tensor t(DType::Float32, {10, 10});
  write_npy(dir + "/full.npy", t);
  std::string bytes = testing::read_text(dir + "/full.npy");
  std::ofstream(dir + "/cut.npy", std::ios::binary) << bytes.substr(0, bytes.size() - 8);
  expect_error(dir + "/cut.npy", "truncated");
  std::string c64 = bytes;
  c64.replace(c64.find("<f4"), 3, "<c8");
  std::ofstream(dir + "/c64.npy", std::ios::binary) << c64;
  expect_error(dir + "/c64.npy", "unsupported .npy dtype '<c8'");
}

}  // namespace qinfer

namespace qinfer {

// bfloat16 has no numpy type: writing it is refused by name.
TEST(Npy, BFloat16IsRefused) {
  try {
    write_npy(testing::temp_dir() + "/b.npy", Tensor(DType::BFloat16, {2}));
    ADD_FAILURE() << "bfloat16 was written";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bfloat16 has no .npy type"), std::string::npos) << e.what();
  }
}

}  // namespace qinfer
