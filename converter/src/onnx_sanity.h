// Checks that protect the onnx library from inputs it does not handle itself: its shape
// inference divides by strides and trusts attribute ranges, so a hostile or corrupt file could
// crash it. Run before onnx::checker / shape inference.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

namespace qinfer {

// Throws Error naming the file, node, attribute and value that breaks a range rule.
void check_attribute_ranges(const onnx::ModelProto& model, const std::string& path);

}  // namespace qinfer
