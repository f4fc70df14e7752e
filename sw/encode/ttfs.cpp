#include "sw/encode/ttfs.h"

#include <cmath>

#include "sw/encode/bucket.h"

namespace spiketlm::encode {

namespace {
const EncoderRegistrar reg{"ttfs", "time to first spike: step floor(T(1-x)+0.5), x <= threshold silent",
                           [](const EncodingSpec& s) { return std::make_unique<TtfsEncoder>(s); }};
}  // namespace

std::uint32_t ttfs_step(float x, std::uint32_t steps, double threshold) {
    const double v = clamp01(x);
    if (!(v > threshold)) return detail::kNoSpike;
    return static_cast<std::uint32_t>(std::floor(static_cast<double>(steps) * (1.0 - v) + 0.5));
}

TtfsEncoder::TtfsEncoder(const EncodingSpec& spec) : m_steps(spec.steps), m_threshold(spec.threshold) {}

SpikeTrain TtfsEncoder::encode(const float* x, std::size_t n, std::uint64_t) const {
    std::vector<std::uint32_t> steps(n);
    for (std::size_t i = 0; i < n; ++i) steps[i] = ttfs_step(x[i], m_steps, m_threshold);
    return detail::bucket_by_step(steps, m_steps);
}

}  // namespace spiketlm::encode
