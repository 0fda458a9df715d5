// Helpers shared by the test suites: paths, temporary folders, running the tools.
#pragma once

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace qinfer::testing {

inline std::string shared_dir() { return QINFER_SHARED_DIR; }
inline std::string source_dir() { return QINFER_SOURCE_DIR; }
// A tool of this build, as a shell command; QINFER_TOOL_WRAPPER (e.g. a qemu command line for a
// cross build) is put in front of it.
inline std::string tool(const std::string& name) {
  const char* wrapper = std::getenv("QINFER_TOOL_WRAPPER");
  return (wrapper && *wrapper ? std::string(wrapper) + " " : std::string()) + QINFER_BIN_DIR + "/" + name;
}

inline bool exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

// A fresh temporary folder for one test.
inline std::string temp_dir() {
  char tmpl[] = "/tmp/qinfer_test_XXXXXX";
  const char* dir = mkdtemp(tmpl);
  return dir ? dir : "/tmp";
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct CommandResult {
  int exit_code;
  std::string output;  // stdout and stderr together
};

// Runs a shell command, capturing its output.
inline CommandResult run_command(const std::string& command) {
  const std::string log = temp_dir() + "/out.txt";
  const int status = std::system((command + " > " + log + " 2>&1").c_str());
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return {code, read_text(log)};
}

}  // namespace qinfer::testing
