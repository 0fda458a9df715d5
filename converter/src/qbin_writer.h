// IR -> qbin bytes. Each IR op is lowered to a qbin op code and options here; anything that
// cannot be expressed throws Error naming the node.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ir.h"

namespace qinfer {

std::vector<uint8_t> write_qbin(const ir::Graph& g, const std::map<std::string, std::string>& metadata);

}  // namespace qinfer
