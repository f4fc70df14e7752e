#include "sw/encode/aer_adapter.h"

#include <algorithm>

#include "sw/common/error.h"

namespace spiketlm::encode {

AerBinningResult events_to_spikes(const data::EventStream& s, const AerBinning& b) {
    if (b.bin_us < 1) throw InputError("AER binning: bin width must be >= 1 us");
    AerBinningResult r;
    const std::size_t plane = static_cast<std::size_t>(s.width) * s.height;
    r.channels = 2 * plane;
    SpikeTrain all;
    all.reserve(s.events.size());
    for (const data::Event& e : s.events) {
        if (e.t_us < b.t0_us) {
            ++r.dropped;
            continue;
        }
        const std::uint64_t step = (e.t_us - b.t0_us) / b.bin_us;
        if ((b.max_steps > 0 && step >= b.max_steps) || step >= UINT32_MAX) {
            ++r.dropped;
            continue;
        }
        if (e.x >= s.width || e.y >= s.height)
            throw InputError("AER binning: event at (" + std::to_string(e.x) + ", " + std::to_string(e.y) +
                             ") outside the " + std::to_string(s.width) + "x" + std::to_string(s.height) + " sensor");
        const std::size_t ch = (e.on ? 0 : plane) + static_cast<std::size_t>(e.y) * s.width + e.x;
        all.push_back(InputSpike{static_cast<std::uint32_t>(step), static_cast<std::uint32_t>(ch)});
    }
    std::sort(all.begin(), all.end());
    const auto last = std::unique(all.begin(), all.end());
    r.merged = static_cast<std::size_t>(all.end() - last);
    all.erase(last, all.end());
    r.steps = all.empty() ? 0 : all.back().step + 1;
    r.spikes = std::move(all);
    return r;
}

}  // namespace spiketlm::encode
