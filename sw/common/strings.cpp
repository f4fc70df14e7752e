#include "sw/common/strings.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace spiketlm {

std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

namespace {
std::string last_segment(const std::string& s) {
    const auto pos = s.rfind('.');
    return pos == std::string::npos ? s : s.substr(pos + 1);
}
}  // namespace

std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_d = static_cast<std::size_t>(-1);
    for (const auto& c : candidates) {
        // Compare whole dotted names, and also the last segment (a typo in a leaf name should
        // find the leaf even when the prefix differs).
        std::size_t d = edit_distance(word, c);
        const std::size_t leaf = edit_distance(last_segment(word), last_segment(c));
        d = std::min(d, leaf + (word.size() > c.size() ? word.size() - c.size() : c.size() - word.size()) / 2);
        if (d < best_d || (d == best_d && c < best)) {
            best_d = d;
            best = c;
        }
    }
    const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
    return best_d <= limit ? best : std::string();
}

std::string fnv1a_hex(const std::string& data) {
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : data) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

}  // namespace spiketlm
