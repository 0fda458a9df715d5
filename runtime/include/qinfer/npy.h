// Reading and writing NumPy .npy files (format versions 1.0-3.0, little-endian, C order).
#pragma once

#include <string>

#include "qinfer/error.h"
#include "qinfer/tensor.h"

namespace qinfer {

// Supported element types: float32 ('<f4'), uint8, int8, int32, int64. Throws Error naming the
// file and the problem (missing, not .npy, unsupported dtype, Fortran order, truncated data).
Tensor read_npy(const std::string& path);
// Parses .npy bytes; `what` names the source in error messages.
Tensor parse_npy(const void* data, size_t size, const std::string& what);
// Writes atomically (temporary file + rename); throws Error on failure.
void write_npy(const std::string& path, const Tensor& tensor);

}  // namespace qinfer
