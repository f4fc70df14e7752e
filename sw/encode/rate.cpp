#include "sw/encode/rate.h"

#include <cstdio>

#include "sw/common/error.h"
#include "sw/common/seed.h"

namespace spiketlm::encode {

namespace {
const EncoderRegistrar reg{"rate", "Bernoulli per step with p = rate_max * x (seeded, counter-based)",
                           [](const EncodingSpec& s) { return std::make_unique<RateEncoder>(s); }};

std::uint64_t mix64(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
}  // namespace

double rate_uniform(std::uint64_t key, std::uint32_t input, std::uint32_t step) {
    const std::uint64_t ctr = (static_cast<std::uint64_t>(input) << 32) + step + 1;
    const std::uint64_t r = mix64(key + ctr * 0x9e3779b97f4a7c15ULL);
    return static_cast<double>(r >> 11) * 0x1.0p-53;
}

RateEncoder::RateEncoder(const EncodingSpec& spec) : m_steps(spec.steps), m_rate_max(spec.rate_max) {
    if (!(spec.rate_max >= 0.0 && spec.rate_max <= 1.0)) {
        char b[64];
        std::snprintf(b, sizeof b, "%g", spec.rate_max);
        throw InputError(std::string("encoding.rate_max = ") + b + " is out of range [0, 1]");
    }
}

SpikeTrain RateEncoder::encode(const float* x, std::size_t n, std::uint64_t seed) const {
    const std::uint64_t key = derive_seed(seed, "encode.rate");
    std::vector<std::uint32_t> active;
    std::vector<double> p;
    for (std::size_t i = 0; i < n; ++i) {
        const double pi = m_rate_max * clamp01(x[i]);
        if (pi > 0.0) {
            active.push_back(static_cast<std::uint32_t>(i));
            p.push_back(pi);
        }
    }
    SpikeTrain out;
    for (std::uint32_t t = 0; t < m_steps; ++t)
        for (std::size_t k = 0; k < active.size(); ++k)
            if (rate_uniform(key, active[k], t) < p[k]) out.push_back(InputSpike{t, active[k]});
    return out;
}

}  // namespace spiketlm::encode
