#pragma once
// Encoded input spikes of one frame: (timestep, input index) pairs sorted by (step, input),
// at most one spike per pair. An input spike at step t is delivered to the first layer at t + 1.
#include <cstdint>
#include <vector>

namespace spiketlm::encode {

struct InputSpike {
    std::uint32_t step;
    std::uint32_t input;
    bool operator==(const InputSpike& o) const { return step == o.step && input == o.input; }
    bool operator<(const InputSpike& o) const {
        return step != o.step ? step < o.step : input < o.input;
    }
};

using SpikeTrain = std::vector<InputSpike>;

}  // namespace spiketlm::encode
