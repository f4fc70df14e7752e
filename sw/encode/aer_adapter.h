#pragma once
// Event streams (AER, sw/data/aer.h) to input spikes by time binning:
//   step = floor((t_us - t0_us) / bin_us)
//   channel = y * W + x for ON events, W*H + y * W + x for OFF events   (2*W*H channels)
// Several events of one channel in one bin merge into one spike (counted in `merged`). Events
// before t0_us, or at step >= max_steps when max_steps > 0, are dropped (counted in `dropped`).
#include <cstdint>

#include "sw/data/aer.h"
#include "sw/encode/spike_train.h"

namespace spiketlm::encode {

struct AerBinning {
    std::uint64_t bin_us = 1000;  // bin width in microseconds (>= 1)
    std::uint64_t t0_us = 0;      // time of step 0's start
    std::uint32_t max_steps = 0;  // 0: as many steps as the stream needs
};

struct AerBinningResult {
    SpikeTrain spikes;
    std::size_t channels = 0;  // 2 * W * H
    std::uint32_t steps = 0;   // last step + 1 (0 if no spikes)
    std::size_t merged = 0;    // events absorbed into an existing spike of the same bin/channel
    std::size_t dropped = 0;   // events outside [t0, t0 + max_steps * bin)
};

AerBinningResult events_to_spikes(const data::EventStream& stream, const AerBinning& binning);

}  // namespace spiketlm::encode
