#include "sw/encode/delta.h"

#include <cstdio>

#include "sw/common/error.h"

namespace spiketlm::encode {

namespace {
const EncoderRegistrar reg{"delta", "delta/event: ON/OFF events when |x - x_ref| > delta_threshold (2n channels)",
                           [](const EncodingSpec& s) { return std::make_unique<DeltaEncoder>(s); }};
}  // namespace

DeltaEncoder::DeltaEncoder(const EncodingSpec& spec) : m_steps(spec.steps), m_threshold(spec.delta_threshold) {
    if (!(spec.delta_threshold > 0.0 && spec.delta_threshold <= 1.0)) {
        char b[64];
        std::snprintf(b, sizeof b, "%g", spec.delta_threshold);
        throw InputError(std::string("encoding.delta_threshold = ") + b + " is out of range (0, 1]");
    }
}

SpikeTrain DeltaEncoder::encode(const float* x, std::size_t n, std::uint64_t) const {
    std::vector<double> ref(n, 0.0);
    SpikeTrain out;
    for (std::uint32_t f = 0; f < m_steps; ++f) {
        const double scale = static_cast<double>(f + 1) / static_cast<double>(m_steps);
        // Fade-in only brightens: OFF events cannot occur, so ON channels (< n) keep the order.
        for (std::size_t i = 0; i < n; ++i) {
            const double v = clamp01(x[i]) * scale;
            if (v - ref[i] > m_threshold) {
                ref[i] = v;
                out.push_back(InputSpike{f, static_cast<std::uint32_t>(i)});
            }
        }
    }
    return out;
}

SpikeTrain DeltaEncoder::encode_sequence(const float* frames, std::size_t n, std::size_t n_frames,
                                         const float* initial_ref) const {
    std::vector<double> ref(n, 0.0);
    if (initial_ref)
        for (std::size_t i = 0; i < n; ++i) ref[i] = clamp01(initial_ref[i]);
    SpikeTrain out, off;
    for (std::size_t f = 0; f < n_frames; ++f) {
        off.clear();
        const auto step = static_cast<std::uint32_t>(f);
        for (std::size_t i = 0; i < n; ++i) {
            const double v = clamp01(frames[f * n + i]);
            const double d = v - ref[i];
            if (d > m_threshold) {
                ref[i] = v;
                out.push_back(InputSpike{step, static_cast<std::uint32_t>(i)});
            } else if (d < -m_threshold) {
                ref[i] = v;
                off.push_back(InputSpike{step, static_cast<std::uint32_t>(n + i)});
            }
        }
        out.insert(out.end(), off.begin(), off.end());  // OFF channels (>= n) follow ON ones
    }
    return out;
}

SpikeTrain DeltaEncoder::encode_sequence(const std::vector<std::vector<float>>& frames) const {
    if (frames.empty()) return {};
    const std::size_t n = frames[0].size();
    std::vector<float> flat;
    flat.reserve(n * frames.size());
    for (std::size_t f = 0; f < frames.size(); ++f) {
        if (frames[f].size() != n)
            throw InputError("delta encoder: frame " + std::to_string(f) + " has " + std::to_string(frames[f].size()) +
                             " inputs, frame 0 has " + std::to_string(n));
        flat.insert(flat.end(), frames[f].begin(), frames[f].end());
    }
    return encode_sequence(flat.data(), n, frames.size());
}

}  // namespace spiketlm::encode
