// qinfo: what a .qbin holds — inputs, outputs, ops, quantization per tensor, weight bytes per node.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "model_info.h"
#include "qinfer/version.h"

int main(int argc, char** argv) {
  CLI::App app{"qinfo: describe a qinfer .qbin model (inputs, outputs, ops, quantization, weight bytes)"};
  std::string path;
  bool as_json = false, tensors = false;
  app.add_option("model", path, "the .qbin model")->required();
  app.add_flag("--json", as_json, "print everything as one JSON document");
  app.add_flag("--tensors", tensors, "also list every tensor with its quantization");
  app.footer("Exit codes: 0 success, 1 the file does not load (message on stderr), other non-zero values: bad "
             "command line. `qconv inspect` prints the same.");
  app.set_version_flag("--version", std::string("qinfo ") + qinfer::version_string());
  CLI11_PARSE(app, argc, argv);
  try {
    qinfer::print_model_info(path, as_json, tensors);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "qinfo: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
