// qconv's command-line behaviour: progress bar only on a terminal, --quiet, --help, --version.
#include <gtest/gtest.h>

#include "test_support.h"

namespace qinfer {

namespace {
std::string convert_command(const std::string& out, const std::string& extra) {
  const std::string d = testing::source_dir() + "/examples/mnist/data";
  return testing::tool("qconv") + " " + d + "/mnist_cnn.onnx --calib " + d + "/calib_images.npy --calib-batch 20 -o " + out + " " + extra;
}
}  // namespace

TEST(QconvCli, ProgressBarOnlyOnATerminal) {
  const std::string dir = testing::temp_dir();
  // `script` gives the command a pseudo-terminal.
  const auto tty = testing::run_command("script -qec '" + convert_command(dir + "/a.qbin", "") + "' /dev/null");
  ASSERT_EQ(tty.exit_code, 0) << tty.output;
  EXPECT_NE(tty.output.find("calibrating ["), std::string::npos) << tty.output;
  EXPECT_NE(tty.output.find("200/200"), std::string::npos) << tty.output;
  EXPECT_NE(tty.output.find("ETA"), std::string::npos) << tty.output;
  const auto pipe = testing::run_command(convert_command(dir + "/b.qbin", ""));
  ASSERT_EQ(pipe.exit_code, 0) << pipe.output;
  EXPECT_EQ(pipe.output.find("calibrating ["), std::string::npos) << pipe.output;
  EXPECT_NE(pipe.output.find("qconv: wrote"), std::string::npos) << pipe.output;
  const auto quiet = testing::run_command("script -qec '" + convert_command(dir + "/c.qbin", "--quiet") + "' /dev/null");
  ASSERT_EQ(quiet.exit_code, 0) << quiet.output;
  EXPECT_EQ(quiet.output.find("calibrating"), std::string::npos) << quiet.output;
  EXPECT_EQ(quiet.output.find("qconv: wrote"), std::string::npos) << quiet.output;
}

TEST(QconvCli, HelpDocumentsEveryFlagAndVersionNamesTheCommit) {
  const auto help = testing::run_command(testing::tool("qconv") + " --help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* flag : {"--output", "--calib", "--no-quantize", "--dynamic", "--method", "--percentile", "--emit-qdq", "--threads",
                           "--calib-batch", "--quiet", "--version"})
    EXPECT_NE(help.output.find(flag), std::string::npos) << flag;
  const auto version = testing::run_command(testing::tool("qconv") + " --version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.output.find("qconv 0."), std::string::npos) << version.output;
  EXPECT_NE(version.output.find("("), std::string::npos) << version.output;
}

}  // namespace qinfer
