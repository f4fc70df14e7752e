#pragma once
// Log-temporal coding: one spike per input, one step later for every factor `log_base` less
// intensity (so the step is the rounded base-b exponent of 1/x):
//   n = floor(log(1/x) / log(b) + 0.5),   b = log_base > 1
// x = 1 fires at step 0, x = 1/b at step 1, x = 1/b^k at step k. Inputs x <= threshold, and
// inputs whose n would exceed T (x < b^-(T+0.5)), do not spike. Evaluated in double.
#include <cstdint>

#include "sw/encode/encoder.h"

namespace spiketlm::encode {

// The step of input value x, or UINT32_MAX for no spike.
std::uint32_t log_temporal_step(float x, std::uint32_t steps, double threshold, double log_base);

class LogTemporalEncoder : public Encoder {
  public:
    explicit LogTemporalEncoder(const EncodingSpec& spec);
    SpikeTrain encode(const float* x, std::size_t n, std::uint64_t seed) const override;
    std::uint32_t max_step() const override { return m_steps; }

  private:
    std::uint32_t m_steps;
    double m_threshold;
    double m_log_base;
};

}  // namespace spiketlm::encode
