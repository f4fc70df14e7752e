#pragma once
// Time to first spike (linear latency): one spike per input at step
//   n = floor(T * (1 - x) + 0.5)  in [0, T],  x <= threshold: no spike.
// This is t = T_in * (1 - x) sampled with Δ = T_in / T and rounded half up: the rounding the
// quantizer (sw/quant) assumes for n_i = round(t_i / Δ). Evaluated in double from the float x.
#include <cstdint>

#include "sw/encode/encoder.h"

namespace spiketlm::encode {

// The step of input value x, or UINT32_MAX for no spike.
std::uint32_t ttfs_step(float x, std::uint32_t steps, double threshold);

class TtfsEncoder : public Encoder {
  public:
    explicit TtfsEncoder(const EncodingSpec& spec);
    SpikeTrain encode(const float* x, std::size_t n, std::uint64_t seed) const override;
    std::uint32_t max_step() const override { return m_steps; }

  private:
    std::uint32_t m_steps;
    double m_threshold;
};

}  // namespace spiketlm::encode
