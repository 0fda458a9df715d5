// What a .qbin holds — inputs, outputs, ops, quantization per tensor, weight bytes per node — as
// text or JSON. Shared by `qinfo` and `qconv inspect` (library qinfer_model_info).
#pragma once

#include <string>

namespace qinfer {

// Prints the description of the qbin at `path` to stdout: a text table, or one JSON document when
// `as_json`; `tensors` adds every tensor to the text form (JSON always has them). Throws Error
// naming the file when it does not load.
void print_model_info(const std::string& path, bool as_json, bool tensors);

}  // namespace qinfer
