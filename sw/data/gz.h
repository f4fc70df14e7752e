#pragma once
// Whole-file reading with transparent gzip decompression (zlib), and gzip compression.
#include <string>

namespace spiketlm::data {

// Returns the decompressed content of a gzip file, or the bytes of a raw file. Throws
// InputError naming the file when it is missing, unreadable, or a truncated/corrupt gzip stream.
std::string read_maybe_gzip(const std::string& path);

// gzip-compresses `bytes` (a single gzip member).
std::string gzip_compress(const std::string& bytes);

}  // namespace spiketlm::data
