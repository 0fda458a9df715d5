// Every input a fuzzer once crashed on must now fail cleanly: a qinfer error message and exit
// code 1, never a signal.
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>

#include <fstream>
#include <iterator>

#include "fuzz/fuzz_limits.h"
#include "qinfer/runtime.h"
#include "test_support.h"

namespace qinfer {

namespace {
std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') out.push_back(dir + "/" + e->d_name);
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

TEST(FuzzRegressions, OnnxInputsFailCleanly) {
  const auto files = files_in(testing::source_dir() + "/tests/fuzz/regressions/fuzz_onnx");
  ASSERT_FALSE(files.empty());
  const std::string out = testing::temp_dir() + "/out.qbin";
  for (const std::string& f : files) {
    const auto r = testing::run_command(testing::tool("qconv") + " " + f + " --no-quantize -o " + out);
    EXPECT_EQ(r.exit_code, 1) << f << "\n" << r.output;
    EXPECT_NE(r.output.find("qconv: error:"), std::string::npos) << f << "\n" << r.output;
    EXPECT_FALSE(testing::exists(out)) << f;
  }
}

TEST(FuzzRegressions, QbinInputsLoadOrFailCleanly) {
  const auto files = files_in(testing::source_dir() + "/tests/fuzz/regressions/fuzz_qbin");
  ASSERT_FALSE(files.empty());
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    try {
      Runtime::Options options;
      options.max_memory_bytes = fuzz::kMaxMemoryBytes;  // as fuzz_qbin: refuse, do not allocate, huge plans
      Runtime rt(bytes.data(), bytes.size(), options);
      if (!fuzz::cheap_geometry(reinterpret_cast<const uint8_t*>(bytes.data()))) continue;  // as fuzz_qbin
      std::map<std::string, Tensor> inputs;
      bool small = true;
      for (const TensorInfo& info : rt.inputs()) {
        std::vector<int64_t> shape = info.shape;
        for (int64_t& d : shape) d = d < 0 ? 1 : d;
        small = small && element_count(shape) <= fuzz::kMaxInputElements;
        if (small) inputs.emplace(info.name, Tensor(info.dtype, shape));
      }
      if (small) rt.run(inputs);
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()), "") << f;
    }
  }
}

}  // namespace qinfer
