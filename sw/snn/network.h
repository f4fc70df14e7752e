#pragma once
// The fixed-point spiking network: what the functional reference (sw/snn/reference.h) simulates,
// what sw/quant produces, what model files (sw/io/model_file.h) store and what sw/map places on
// the chip. The arithmetic these parameters drive is sw/snn/neuron.h (rules: docs/neuron.md).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sw/encode/encoder.h"

namespace spiketlm::snn {

// Q12 decay factors: 4096 = 1.0 (no decay), 0 = forget everything each step.
constexpr int kDecayShift = 12;
constexpr std::int32_t kDecayOne = 1 << kDecayShift;

// The kind is a label with defaults and consistency checks; the datapath itself is one for all.
enum class NeuronKind { relpsp, if_, lif, cuba_lif, stochastic };
enum class ResetMode { to_value, subtract };  // v <- v_reset, or v <- v - theta
// Stochastic firing: none; threshold noise (theta + signed noise); Bernoulli (escape noise).
enum class NoiseMode { none, threshold, bernoulli };

const char* to_string(NeuronKind k);
const char* to_string(ResetMode m);
const char* to_string(NoiseMode m);
// Parse helpers: throw InputError naming `what` (e.g. "model.yaml:12 neuron.kind") on a bad name.
NeuronKind parse_neuron_kind(const std::string& s, const std::string& what);
ResetMode parse_reset_mode(const std::string& s, const std::string& what);
NoiseMode parse_noise_mode(const std::string& s, const std::string& what);

struct NeuronParams {
    NeuronKind kind = NeuronKind::relpsp;
    std::int32_t decay_i = kDecayOne;  // Q12, 0..4096
    std::int32_t decay_v = kDecayOne;  // Q12, 0..4096
    std::int32_t theta = 1;            // firing threshold (membrane units)
    std::int32_t bias = 0;             // added to v every update
    std::int32_t v_reset = 0;          // value after a spike (ResetMode::to_value)
    ResetMode reset = ResetMode::to_value;
    std::int32_t refractory = 0;       // steps after a spike during which v is held (0..65535)
    int state_bits = 24;               // i and v saturate to this two's-complement width (2..32)
    bool single_spike = true;          // `done` after the first spike: the neuron never fires again
    // Stochastic (NoiseMode::threshold): noise = sign-extended low noise_bits of the per-update
    // hash, shifted left by noise_shift, added to theta. NoiseMode::bernoulli: fire with
    // probability clamp(((v - theta) << noise_shift) + 32768, 0, 65536) / 65536.
    NoiseMode noise = NoiseMode::none;
    int noise_bits = 0;   // 1..16 (threshold mode)
    int noise_shift = 0;  // 0..16

    // The defaults DESIGN.md's table gives each kind (theta, refractory, ... left as set here).
    static NeuronParams defaults(NeuronKind kind);
    std::int32_t state_min() const { return static_cast<std::int32_t>(-(std::int64_t{1} << (state_bits - 1))); }
    std::int32_t state_max() const { return static_cast<std::int32_t>((std::int64_t{1} << (state_bits - 1)) - 1); }
};

// Only dense layers are simulated so far; the other kinds are reserved (clear error if used).
enum class LayerKind { dense, conv2d, pool };
const char* to_string(LayerKind k);
LayerKind parse_layer_kind(const std::string& s, const std::string& what);

struct Layer {
    std::string name;
    LayerKind kind = LayerKind::dense;
    int in = 0, out = 0;
    int weight_bits = 8;                 // signed weights lie in [-(2^(b-1)-1), 2^(b-1)-1]
    std::vector<std::int32_t> weights;   // out x in, row-major: weights[o * in + i]
    NeuronParams neuron;
    int delay = 0;                       // extra delivery delay (steps) of spikes INTO this layer

    std::int32_t weight(int o, int i) const { return weights[static_cast<std::size_t>(o) * in + i]; }
};

// How frames become input spikes: the encoder spec of sw/encode (kind, steps T, threshold, ...).
using Encoding = encode::EncodingSpec;

enum class Decode { first_spike, count };
const char* to_string(Decode d);
Decode parse_decode(const std::string& s, const std::string& what);

struct Network {
    std::string name;
    int inputs = 0;                 // size of the encoded input (e.g. 784)
    std::vector<Layer> layers;      // layers[0] reads the inputs, layers.back() is the output
    Encoding encoding;
    int timesteps = 64;             // simulated window per frame (> encoding.steps for TTFS)
    Decode decode = Decode::first_spike;
    bool early_stop = false;        // end the frame after the step of the first output spike
    std::uint64_t seed = 1;         // stochastic neurons' noise seed

    int outputs() const { return layers.empty() ? 0 : layers.back().out; }
    std::uint64_t parameter_count() const;
    // Throws InputError with a message naming the network, layer and field on any inconsistency
    // (sizes, weight count and range, parameter ranges, unimplemented layer kinds, ...).
    void validate() const;
};

}  // namespace spiketlm::snn
