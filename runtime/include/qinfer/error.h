// qinfer::Error: every failure the public API reports. The message names the file, node or
// tensor involved, the offending value and the rule it broke.
#pragma once

#include <stdexcept>
#include <string>

namespace qinfer {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace qinfer
