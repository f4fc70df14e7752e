#pragma once
#include <string>
#include <vector>

namespace spiketlm {

// Levenshtein edit distance (for "did you mean" suggestions).
std::size_t edit_distance(const std::string& a, const std::string& b);

// The candidate closest to `word`, or "" when none is reasonably close.
std::string nearest(const std::string& word, const std::vector<std::string>& candidates);

// 64-bit FNV-1a hash as 16 hex digits (stable across platforms; used for config hashes).
std::string fnv1a_hex(const std::string& data);

}  // namespace spiketlm
