// IR -> qbin bytes. Each IR op is lowered to a qbin op code and options here; anything that
// cannot be expressed throws Error naming the node.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ir.h"

namespace qinfer {

// Explicit pads [begin..., end...] of a window op (Conv, pools; 2-D: top, left, bottom, right) from its
// pads/auto_pad.
std::vector<int64_t> window_pads(const ir::Graph& g, const ir::Node& n, const std::vector<int64_t>& kernel,
                                 const std::vector<int64_t>& strides, const std::vector<int64_t>& dilations);

std::vector<uint8_t> write_qbin(const ir::Graph& g, const std::map<std::string, std::string>& metadata);

}  // namespace qinfer
