#pragma once
// File helpers that keep the "nothing half-written" rule: write to a temporary name in the same
// directory, then rename over the target.
#include <string>

namespace spiketlm {

// Writes `content` to `path` atomically (temp file + rename). Throws Error on failure.
void write_file_atomic(const std::string& path, const std::string& content);

// Reads a whole file; throws InputError naming the file if it cannot be read.
std::string read_file(const std::string& path);

}  // namespace spiketlm
