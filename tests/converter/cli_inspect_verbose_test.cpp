// `qconv inspect` (the same description as qinfo, from one shared implementation) and the -v/--verbose
// output of qconv and qrun.
#include <gtest/gtest.h>

#include <cctype>

#include "test_support.h"

namespace qinfer {
namespace {

using testing::run_command;
using testing::source_dir;
using testing::tool;

std::string mnist_onnx() { return source_dir() + "/examples/mnist/data/mnist_cnn.onnx"; }

// An int8 MNIST qbin with recorded preprocessing, converted once per test binary.
const std::string& mnist_qbin() {
  static const std::string path = [] {
    const std::string p = testing::temp_dir() + "/mnist.qbin";
    const auto r = run_command(tool("qconv") + " " + mnist_onnx() + " --calib " + source_dir() +
                               "/examples/mnist/data/calib_images.npy --calib-limit 16 "
                               "--preprocess channels=1,scale=1/255,mean=0.1307,std=0.3081 -q -o " + p);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return p;
  }();
  return path;
}

TEST(QconvInspect, PrintsWhatQinfoPrints) {
  for (const std::string flags : {"", " --tensors", " --json"}) {
    const auto a = run_command(tool("qconv") + " inspect " + mnist_qbin() + flags);
    const auto b = run_command(tool("qinfo") + " " + mnist_qbin() + flags);
    ASSERT_EQ(a.exit_code, 0) << a.output;
    ASSERT_EQ(b.exit_code, 0) << b.output;
    EXPECT_EQ(a.output, b.output) << flags;
    EXPECT_NE(a.output.find("preprocess"), std::string::npos) << a.output;
  }
  const auto help = run_command(tool("qconv") + " inspect --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--json"), std::string::npos) << help.output;
  EXPECT_NE(help.output.find("Exit codes"), std::string::npos) << help.output;
  const auto missing = run_command(tool("qconv") + " inspect /nonexistent/model.qbin");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("/nonexistent/model.qbin"), std::string::npos) << missing.output;
  EXPECT_NE(run_command(tool("qconv") + " inspect").exit_code, 0);
}

TEST(Verbose, QconvPrintsStagesAndRecordedMetadata) {
  const std::string out = testing::temp_dir() + "/v.qbin";
  const std::string cmd = tool("qconv") + " " + mnist_onnx() + " --calib " + source_dir() +
                          "/examples/classify/data/calib --preprocess channels=1,scale=1/255 -o " + out;
  const auto v = run_command(cmd + " -v");
  ASSERT_EQ(v.exit_code, 0) << v.output;
  for (const char* stage : {"import", "passes", "calibration", "quantization", "write"})
    EXPECT_NE(v.output.find(std::string("qconv: -v: ") + stage), std::string::npos) << v.output;
  EXPECT_NE(v.output.find("qconv: -v: metadata preprocess: channels=1,"), std::string::npos) << v.output;
  const auto plain = run_command(cmd);
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_EQ(plain.output.find("-v:"), std::string::npos) << plain.output;
  const auto both = run_command(cmd + " -v -q");  // contradictory: a command-line error, not a conversion error
  EXPECT_NE(both.exit_code, 0);
  EXPECT_NE(both.exit_code, 1);
  const auto help = run_command(tool("qconv") + " --help");
  EXPECT_NE(help.output.find("--verbose"), std::string::npos);
  EXPECT_NE(help.output.find("Exit codes"), std::string::npos);
  EXPECT_NE(help.output.find("qconv inspect"), std::string::npos);
}

TEST(Verbose, QrunPrintsLoadKernelsAndFirstRun) {
  const std::string cmd = tool("qrun") + " " + mnist_qbin() + " --input " + source_dir() + "/examples/mnist/data/test_images.npy";
  const auto v = run_command(cmd + " -v");
  ASSERT_EQ(v.exit_code, 0) << v.output;
  for (const char* line : {"qrun: -v: loaded ", "qrun: -v: int8 kernels: ", "qrun: -v: first run of ",
                           "qrun: -v: metadata preprocess: ", "qrun: -v: input input float32 shape [500,1,28,28]"})
    EXPECT_NE(v.output.find(line), std::string::npos) << line << "\n" << v.output;
  const auto plain = run_command(cmd);
  ASSERT_EQ(plain.exit_code, 0);
  EXPECT_EQ(plain.output.find("-v:"), std::string::npos) << plain.output;
  EXPECT_NE(run_command(tool("qrun") + " --help").output.find("Exit codes"), std::string::npos);
}

}  // namespace
}  // namespace qinfer

namespace qinfer {
namespace {

// Every --flag a tool's --help prints is documented in docs/cli.md.
TEST(CliDocs, EveryHelpFlagIsInCliMd) {
  const std::string doc = testing::read_text(testing::source_dir() + "/docs/cli.md");
  ASSERT_FALSE(doc.empty());
  for (const std::string t : {"qconv", "qconv inspect", "qrun", "qinfo"}) {
    const std::string help = testing::run_command(testing::tool(t) + " --help").output;
    size_t at = 0, flags = 0;
    while ((at = help.find("--", at)) != std::string::npos) {
      size_t end = at + 2;
      while (end < help.size() && (std::isalnum(static_cast<unsigned char>(help[end])) || help[end] == '-')) ++end;
      const std::string flag = help.substr(at, end - at);
      at = end;
      if (flag.size() < 4 || flag == "--help") continue;
      ++flags;
      bool found = false;  // as a whole word: --calib does not count for --calib-limit
      for (size_t d = doc.find(flag); d != std::string::npos && !found; d = doc.find(flag, d + 1)) {
        const char next = d + flag.size() < doc.size() ? doc[d + flag.size()] : ' ';
        found = !std::isalnum(static_cast<unsigned char>(next)) && next != '-';
      }
      EXPECT_TRUE(found) << t << ": " << flag << " is not in docs/cli.md";
    }
    EXPECT_GT(flags, 0u) << t;
  }
}

}  // namespace
}  // namespace qinfer
