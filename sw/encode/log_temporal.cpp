#include "sw/encode/log_temporal.h"

#include <cmath>
#include <cstdio>

#include "sw/common/error.h"
#include "sw/encode/bucket.h"

namespace spiketlm::encode {

namespace {
const EncoderRegistrar reg{"log", "log-temporal: step floor(log_b(1/x)+0.5) <= T, x <= threshold silent",
                           [](const EncodingSpec& s) { return std::make_unique<LogTemporalEncoder>(s); }};
}  // namespace

std::uint32_t log_temporal_step(float x, std::uint32_t steps, double threshold, double log_base) {
    const double v = clamp01(x);
    if (!(v > threshold)) return detail::kNoSpike;
    const double n = std::floor(-std::log(v) / std::log(log_base) + 0.5);
    if (n > static_cast<double>(steps)) return detail::kNoSpike;
    return static_cast<std::uint32_t>(n);
}

LogTemporalEncoder::LogTemporalEncoder(const EncodingSpec& spec)
    : m_steps(spec.steps), m_threshold(spec.threshold), m_log_base(spec.log_base) {
    if (!(spec.log_base > 1.0 && spec.log_base <= 1e6)) {
        char b[64];
        std::snprintf(b, sizeof b, "%g", spec.log_base);
        throw InputError(std::string("encoding.log_base = ") + b + " is out of range (1, 1e6]");
    }
}

SpikeTrain LogTemporalEncoder::encode(const float* x, std::size_t n, std::uint64_t) const {
    std::vector<std::uint32_t> steps(n);
    for (std::size_t i = 0; i < n; ++i) steps[i] = log_temporal_step(x[i], m_steps, m_threshold, m_log_base);
    return detail::bucket_by_step(steps, m_steps);
}

}  // namespace spiketlm::encode
