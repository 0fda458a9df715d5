// The loader must reject damaged or malicious qbins with a qinfer::Error, never crash.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "qinfer/runtime.h"
#include "runtime/tiny_models.h"
#include "test_support.h"

namespace qinfer {

namespace {
std::string load_error(const std::vector<uint8_t>& bytes) {
  try {
    Runtime rt(bytes.data(), bytes.size());
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}
}  // namespace

TEST(Loader, AcceptsTheIntactTinyModel) {
  const std::vector<uint8_t> bytes = testing::relu_add_model();
  EXPECT_EQ(load_error(bytes), "");
}

TEST(Loader, RejectsEveryTruncation) {
  const std::vector<uint8_t> bytes = testing::relu_add_model();
  for (size_t len = 0; len < bytes.size(); ++len) {
    const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(len));
    EXPECT_NE(load_error(cut), "") << "truncated to " << len << " of " << bytes.size() << " bytes";
  }
}

TEST(Loader, RejectsRandomBytesWithAMessage) {
  std::mt19937 rng(7);
  for (size_t size : {0, 1, 7, 8, 64, 1000, 100000}) {
    std::vector<uint8_t> junk(size);
    for (auto& v : junk) v = static_cast<uint8_t>(rng());
    const std::string message = load_error(junk);
    EXPECT_NE(message, "") << size << " random bytes";
  }
  std::vector<uint8_t> junk(256);
  for (auto& v : junk) v = static_cast<uint8_t>(rng());
  EXPECT_NE(load_error(junk).find("QBIN"), std::string::npos) << load_error(junk);
}

TEST(Loader, RejectsOutOfRangeTensorIndexNamingTheNode) {
  testing::TinyModelOptions o;
  o.relu_input_index = 99;
  const std::string message = load_error(testing::relu_add_model(o));
  EXPECT_NE(message.find("node 'relu'"), std::string::npos) << message;
  EXPECT_NE(message.find("index 99 out of range"), std::string::npos) << message;
}

TEST(Loader, RejectsReadingATensorBeforeItIsProduced) {
  testing::TinyModelOptions o;
  o.relu_input_index = 2;  // y, produced later by 'add'
  const std::string message = load_error(testing::relu_add_model(o));
  EXPECT_NE(message.find("topological order"), std::string::npos) << message;
}

TEST(Qrun, PrintsLoaderErrorAndExitsNonZero) {
  const std::string dir = testing::temp_dir();
  std::vector<uint8_t> bytes = testing::relu_add_model();
  bytes.resize(bytes.size() / 2);
  write_bytes(dir + "/truncated.qbin", bytes);
  write_bytes(dir + "/x.npy", {});
  const auto r = testing::run_command(testing::tool("qrun") + " " + dir + "/truncated.qbin --input " + dir + "/x.npy");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("qrun: error:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("truncated.qbin"), std::string::npos) << r.output;

  testing::TinyModelOptions o;
  o.relu_input_index = 42;
  write_bytes(dir + "/bad_index.qbin", testing::relu_add_model(o));
  const auto r2 = testing::run_command(testing::tool("qrun") + " " + dir + "/bad_index.qbin --input " + dir + "/x.npy");
  EXPECT_NE(r2.exit_code, 0);
  EXPECT_NE(r2.output.find("index 42 out of range"), std::string::npos) << r2.output;
}

TEST(Qinfo, DescribesAModelAsTextAndJson) {
  const std::string dir = testing::temp_dir();
  write_bytes(dir + "/tiny.qbin", testing::relu_add_model());
  const auto text = testing::run_command(testing::tool("qinfo") + " " + dir + "/tiny.qbin --tensors");
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("Relu fp32"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("[N,4]"), std::string::npos) << text.output;
  const auto js = testing::run_command(testing::tool("qinfo") + " " + dir + "/tiny.qbin --json");
  ASSERT_EQ(js.exit_code, 0) << js.output;
  EXPECT_NE(js.output.find("\"inputs\""), std::string::npos) << js.output;
  std::vector<uint8_t> bytes = testing::relu_add_model();
  bytes.resize(10);
  write_bytes(dir + "/bad.qbin", bytes);
  const auto bad = testing::run_command(testing::tool("qinfo") + " " + dir + "/bad.qbin");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("qinfo: error:"), std::string::npos) << bad.output;
}

}  // namespace qinfer
