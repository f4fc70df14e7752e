#include "sw/encode/rank_order.h"

#include <algorithm>

#include "sw/encode/bucket.h"

namespace spiketlm::encode {

namespace {
const EncoderRegistrar reg{"rank", "rank order: inputs ranked by decreasing x, rank r at step floor(rT/max(K,T))",
                           [](const EncodingSpec& s) { return std::make_unique<RankOrderEncoder>(s); }};
}  // namespace

RankOrderEncoder::RankOrderEncoder(const EncodingSpec& spec) : m_steps(spec.steps), m_threshold(spec.threshold) {}

SpikeTrain RankOrderEncoder::encode(const float* x, std::size_t n, std::uint64_t) const {
    std::vector<std::uint32_t> order;
    for (std::size_t i = 0; i < n; ++i)
        if (clamp01(x[i]) > m_threshold) order.push_back(static_cast<std::uint32_t>(i));
    std::stable_sort(order.begin(), order.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return clamp01(x[a]) > clamp01(x[b]); });
    const std::uint64_t k = order.size();
    const std::uint64_t denom = std::max<std::uint64_t>(k, m_steps);
    std::vector<std::uint32_t> steps(n, detail::kNoSpike);
    for (std::uint64_t r = 0; r < k; ++r) steps[order[r]] = static_cast<std::uint32_t>(r * m_steps / denom);
    return detail::bucket_by_step(steps, m_steps - 1);
}

}  // namespace spiketlm::encode
