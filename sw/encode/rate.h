#pragma once
// Rate coding: in each step t = 0..T-1 input i spikes independently with probability
//   p_i = rate_max * x_i   (Bernoulli per step; expected count T * p_i).
// Randomness is counter-based, so the train depends only on (seed, i, t), never on thread count
// or evaluation order:
//   key = derive_seed(seed, "encode.rate")
//   r   = mix64(key + (i * 2^32 + t + 1) * 0x9E3779B97F4A7C15)      (SplitMix64 finaliser)
//   u   = (r >> 11) * 2^-53  in [0, 1);   spike iff u < p_i.
#include <cstdint>

#include "sw/encode/encoder.h"

namespace spiketlm::encode {

// The uniform variate u(key, input, step) above.
double rate_uniform(std::uint64_t key, std::uint32_t input, std::uint32_t step);

class RateEncoder : public Encoder {
  public:
    explicit RateEncoder(const EncodingSpec& spec);
    SpikeTrain encode(const float* x, std::size_t n, std::uint64_t seed) const override;
    std::uint32_t max_step() const override { return m_steps - 1; }
    bool stochastic() const override { return true; }

  private:
    std::uint32_t m_steps;
    double m_rate_max;
};

}  // namespace spiketlm::encode
