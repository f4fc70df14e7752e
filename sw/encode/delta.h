#pragma once
// Delta (event) coding, DVS-like: each input keeps a reference level x_ref (initially 0, or a
// given initial frame). Frame f is examined at step f:
//   d = x_f - x_ref;  d >  θ: ON event,  x_ref <- x_f
//                     d < -θ: OFF event, x_ref <- x_f      (θ = delta_threshold; |d| = θ: none)
// Channels: ON events of input i on channel i, OFF events on channel n + i (2n outputs).
// A static image (Encoder::encode) is presented as a linear fade-in from black over T frames,
// x_f = x * (f + 1) / T for f = 0..T-1, so brighter inputs emit more and earlier ON events
// (about x / θ of them) and OFF channels stay silent. Evaluated in double.
#include <cstdint>
#include <vector>

#include "sw/encode/encoder.h"

namespace spiketlm::encode {

class DeltaEncoder : public Encoder {
  public:
    explicit DeltaEncoder(const EncodingSpec& spec);
    SpikeTrain encode(const float* x, std::size_t n, std::uint64_t seed) const override;
    std::size_t outputs(std::size_t n) const override { return 2 * n; }
    std::uint32_t max_step() const override { return m_steps - 1; }

    // frames: n_frames frames of n inputs each, back to back; frame f -> step f. initial_ref:
    // n reference values (nullptr = all 0). Channels 0..2n-1 as above.
    SpikeTrain encode_sequence(const float* frames, std::size_t n, std::size_t n_frames,
                               const float* initial_ref = nullptr) const;
    SpikeTrain encode_sequence(const std::vector<std::vector<float>>& frames) const;

  private:
    std::uint32_t m_steps;
    double m_threshold;
};

}  // namespace spiketlm::encode
