#pragma once
// Spike encoders: turn one frame of n inputs in [0, 1] into a SpikeTrain (step, input) within
// an input window of T = spec.steps timesteps. Each kind lives in its own file under impl/ and
// registers itself by name; make_encoder picks it. Formulas, units and tie rules: docs/encoding.md.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sw/encode/spike_train.h"

namespace spiketlm::encode {

struct EncodingSpec {
    std::string kind = "ttfs";     // ttfs | rate | log | rank | delta
    std::uint32_t steps = 32;      // T: the input window in timesteps
    double threshold = 0.0;        // ttfs/log/rank: inputs x <= threshold never spike
    double rate_max = 1.0;         // rate: spike probability per step at x = 1 (Bernoulli per step)
    double log_base = 2.0;         // log: one step later per factor log_base less intensity (> 1)
    double delta_threshold = 0.1;  // delta: |x_t - x_ref| > this emits an ON/OFF event
};

class Encoder {
  public:
    virtual ~Encoder() = default;
    // x: n inputs in [0,1] (values outside are clamped, NaN counts as 0); seed: the frame's seed
    // (only stochastic encoders use it). The result is sorted by (step, input), no duplicates.
    virtual SpikeTrain encode(const float* x, std::size_t n, std::uint64_t seed) const = 0;
    // Number of input channels the encoding produces for n inputs (delta: 2n, ON then OFF).
    virtual std::size_t outputs(std::size_t n) const { return n; }
    // The largest step any spike of this encoder can have (ttfs/log: T, others: T - 1).
    virtual std::uint32_t max_step() const = 0;
    // True if encode() depends on the seed.
    virtual bool stochastic() const { return false; }
};

// Builds the encoder named spec.kind. Throws InputError for an unknown kind (naming it and the
// valid kinds) or a parameter out of range (naming the parameter, e.g. "encoding.rate_max").
std::unique_ptr<Encoder> make_encoder(const EncodingSpec& spec);

// Registered kinds, sorted by name.
std::vector<std::string> encoder_kinds();

// Registration, one static object per implementation file:
//   const EncoderRegistrar reg{"ttfs", "time to first spike", [](const EncodingSpec& s) {...}};
using EncoderFactory = std::function<std::unique_ptr<Encoder>(const EncodingSpec&)>;
struct EncoderRegistrar {
    EncoderRegistrar(const std::string& kind, const std::string& description, EncoderFactory factory);
};

// One-line description of a registered kind ("" if unknown).
std::string encoder_description(const std::string& kind);

// Throws Error if `train` is not sorted by (step, input) with unique pairs, or has an input
// >= n_inputs or a step > max_step. For tests and for consumers that take trains from files.
void check_spike_train(const SpikeTrain& train, std::size_t n_inputs, std::uint32_t max_step);

// Clamps x to [0, 1]; NaN -> 0. Every encoder reads its inputs through this.
inline double clamp01(float x) { return x > 1.0f ? 1.0 : (x > 0.0f ? static_cast<double>(x) : 0.0); }

}  // namespace spiketlm::encode
