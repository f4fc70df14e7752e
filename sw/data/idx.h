#pragma once
// IDX files (the MNIST / Fashion-MNIST container): big-endian header, unsigned-byte payload.
// Files may be gzip-compressed (detected by content, not by name) or raw.
#include <cstdint>
#include <string>
#include <vector>

#include "sw/data/dataset.h"

namespace spiketlm::data {

// One decoded IDX file: dims from the header, payload bytes (product of dims).
struct IdxArray {
    std::vector<std::uint32_t> dims;
    std::vector<std::uint8_t> data;
};

// Reads an IDX file of unsigned bytes (type 0x08) with `expected_ndims` dimensions.
// Throws InputError naming the file on: missing/unreadable file, empty file, truncated or
// corrupt gzip, bad magic, wrong type or number of dimensions, payload shorter or longer
// than the header says.
IdxArray read_idx_file(const std::string& path, std::size_t expected_ndims);

// Images (idx3: count x rows x cols) + labels (idx1: count), pixels scaled to [0, 1] as x/255.
// Also throws on image/label count mismatch and labels >= num_classes (10).
ImageSet read_idx(const std::string& images_path, const std::string& labels_path,
                  const std::string& name);

// Writes an IDX file of unsigned bytes (raw, or gzip when `gzip` is true); atomic. Used by tests
// and tools that export subsets.
void write_idx_file(const std::string& path, const std::vector<std::uint32_t>& dims,
                    const std::vector<std::uint8_t>& data, bool gzip);

}  // namespace spiketlm::data
