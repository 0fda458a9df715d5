// ONNX -> IR: parses the file with the onnx library, runs its checker and shape inference, and
// builds an ir::Graph. Unsupported ops are reported here, before anything is written.
#pragma once

#include <string>
#include <vector>

#include "ir.h"

namespace qinfer {

// ONNX op types this converter accepts (some are removed or folded by passes).
const std::vector<std::string>& supported_onnx_ops();

// Throws Error naming the file, node and op on anything it cannot import.
ir::Graph import_onnx(const std::string& path);

}  // namespace qinfer
