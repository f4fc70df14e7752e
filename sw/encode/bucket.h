#pragma once
// Internal: builds a sorted SpikeTrain from one optional step per input (counting sort by step).
#include <cstdint>
#include <vector>

#include "sw/encode/spike_train.h"

namespace spiketlm::encode::detail {

inline constexpr std::uint32_t kNoSpike = UINT32_MAX;

// steps[i] = step of input i or kNoSpike; every real step <= max_step.
inline SpikeTrain bucket_by_step(const std::vector<std::uint32_t>& steps, std::uint32_t max_step) {
    std::vector<std::uint32_t> start(static_cast<std::size_t>(max_step) + 2, 0);
    std::size_t total = 0;
    for (std::uint32_t s : steps)
        if (s != kNoSpike) {
            ++start[s + 1];
            ++total;
        }
    for (std::size_t k = 1; k < start.size(); ++k) start[k] += start[k - 1];
    SpikeTrain out(total);
    for (std::size_t i = 0; i < steps.size(); ++i)
        if (steps[i] != kNoSpike) out[start[steps[i]]++] = InputSpike{steps[i], static_cast<std::uint32_t>(i)};
    return out;
}

}  // namespace spiketlm::encode::detail
