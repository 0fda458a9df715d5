// Fuzzes ONNX import and conversion to an fp32 qbin (no calibration): protobuf parsing, the
// onnx checker and shape inference, our import, passes and qbin writer.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "qinfer/converter.h"
#include "qinfer/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/qinfer_fuzz_onnx_XXXXXX";
    return std::string(mkdtemp(tmpl));
  }();
  const std::string in = dir + "/model.onnx", out = dir + "/model.qbin";
  FILE* f = std::fopen(in.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  qinfer::ConvertOptions o;
  o.onnx_path = in;
  o.output_path = out;
  o.quantize = false;
  try {
    qinfer::convert(o);
  } catch (const qinfer::Error&) {
  }
  return 0;
}
