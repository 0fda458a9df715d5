// File helpers shared by the runtime and the tools: whole-file reads and atomic writes.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace qinfer {

// Reads a whole file; throws Error naming the path when it cannot.
std::vector<char> read_file_bytes(const std::string& path);

// Writes to a temporary file beside `path`, flushes it, then renames it over `path`, so a
// failure at any point leaves no partial file and keeps an existing `path` intact.
void write_file_atomically(const std::string& path, const void* data, size_t size);

}  // namespace qinfer
