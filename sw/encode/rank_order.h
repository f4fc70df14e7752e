#pragma once
// Rank-order coding: only the order of the inputs carries information. The K inputs with
// x > threshold are ranked by decreasing x (ties: lower index first), rank r = 0..K-1, and
// input of rank r spikes once at step
//   n = floor(r * T / max(K, T))
// i.e. one input per step while K <= T, otherwise K spread evenly over the T steps (groups of
// ceil(K/T) or floor(K/T) consecutive ranks share a step). Steps are in [0, T-1].
#include <cstdint>

#include "sw/encode/encoder.h"

namespace spiketlm::encode {

class RankOrderEncoder : public Encoder {
  public:
    explicit RankOrderEncoder(const EncodingSpec& spec);
    SpikeTrain encode(const float* x, std::size_t n, std::uint64_t seed) const override;
    std::uint32_t max_step() const override { return m_steps - 1; }

  private:
    std::uint32_t m_steps;
    double m_threshold;
};

}  // namespace spiketlm::encode
