#include "sw/snn/network.h"

#include <cstdlib>

#include "sw/common/error.h"

namespace spiketlm::snn {

namespace {

template <class E, std::size_t N>
E parse_enum(const std::string& s, const std::string& what, const char* const (&names)[N], const char* kind) {
    for (std::size_t k = 0; k < N; ++k)
        if (s == names[k]) return static_cast<E>(k);
    std::string list;
    for (std::size_t k = 0; k < N; ++k) list += (k ? ", " : "") + std::string(names[k]);
    throw InputError(what + ": unknown " + kind + " '" + s + "' (expected one of: " + list + ")");
}

const char* const kNeuronKinds[] = {"relpsp", "if", "lif", "cuba_lif", "stochastic"};
const char* const kResetModes[] = {"to_value", "subtract"};
const char* const kNoiseModes[] = {"none", "threshold", "bernoulli"};
const char* const kLayerKinds[] = {"dense", "sparse", "conv2d"};
const char* const kDecodes[] = {"first_spike", "count"};

}  // namespace

const char* to_string(NeuronKind k) { return kNeuronKinds[static_cast<int>(k)]; }
const char* to_string(ResetMode m) { return kResetModes[static_cast<int>(m)]; }
const char* to_string(NoiseMode m) { return kNoiseModes[static_cast<int>(m)]; }
const char* to_string(LayerKind k) { return kLayerKinds[static_cast<int>(k)]; }
const char* to_string(Decode d) { return kDecodes[static_cast<int>(d)]; }

NeuronKind parse_neuron_kind(const std::string& s, const std::string& what) {
    return parse_enum<NeuronKind>(s, what, kNeuronKinds, "neuron kind");
}
ResetMode parse_reset_mode(const std::string& s, const std::string& what) {
    return parse_enum<ResetMode>(s, what, kResetModes, "reset mode");
}
NoiseMode parse_noise_mode(const std::string& s, const std::string& what) {
    return parse_enum<NoiseMode>(s, what, kNoiseModes, "noise mode");
}
LayerKind parse_layer_kind(const std::string& s, const std::string& what) {
    return parse_enum<LayerKind>(s, what, kLayerKinds, "layer kind");
}
Decode parse_decode(const std::string& s, const std::string& what) {
    return parse_enum<Decode>(s, what, kDecodes, "decode mode");
}

NeuronParams NeuronParams::defaults(NeuronKind kind) {
    NeuronParams p;
    p.kind = kind;
    switch (kind) {
        case NeuronKind::relpsp:
            break;  // decay 1 on both states, single spike
        case NeuronKind::if_:
            p.decay_i = 0;
            p.single_spike = false;
            break;
        case NeuronKind::lif:
            p.decay_i = 0;
            p.decay_v = kDecayOne - kDecayOne / 16;  // tau = 16 steps
            p.single_spike = false;
            break;
        case NeuronKind::cuba_lif:
            p.decay_i = kDecayOne - kDecayOne / 4;   // tau_i = 4 steps
            p.decay_v = kDecayOne - kDecayOne / 16;  // tau_v = 16 steps
            p.single_spike = false;
            break;
        case NeuronKind::stochastic:
            p.decay_i = 0;
            p.single_spike = false;
            p.noise = NoiseMode::threshold;
            p.noise_bits = 4;
            break;
    }
    return p;
}

std::uint64_t Network::parameter_count() const {
    std::uint64_t n = 0;
    for (const auto& l : layers) n += l.weights.size();
    return n;
}

namespace {

void check(bool ok, const std::string& where, const std::string& what) {
    if (!ok) throw InputError(where + ": " + what);
}

void validate_neuron(const NeuronParams& p, const std::string& where) {
    const std::string w = where + " neuron";
    check(p.state_bits >= 2 && p.state_bits <= 32, w, "state_bits " + std::to_string(p.state_bits) + " outside [2, 32]");
    check(p.decay_i >= 0 && p.decay_i <= kDecayOne, w, "decay_i " + std::to_string(p.decay_i) + " outside [0, 4096] (Q12)");
    check(p.decay_v >= 0 && p.decay_v <= kDecayOne, w, "decay_v " + std::to_string(p.decay_v) + " outside [0, 4096] (Q12)");
    const auto in_state = [&](std::int32_t x) { return x >= p.state_min() && x <= p.state_max(); };
    const std::string range = " outside the " + std::to_string(p.state_bits) + "-bit state range [" +
                              std::to_string(p.state_min()) + ", " + std::to_string(p.state_max()) + "]";
    check(in_state(p.theta), w, "theta " + std::to_string(p.theta) + range);
    check(in_state(p.bias), w, "bias " + std::to_string(p.bias) + range);
    check(in_state(p.v_reset), w, "v_reset " + std::to_string(p.v_reset) + range);
    check(p.refractory >= 0 && p.refractory <= 65535, w, "refractory " + std::to_string(p.refractory) + " outside [0, 65535]");
    check(p.noise_shift >= 0 && p.noise_shift <= 16, w, "noise_shift " + std::to_string(p.noise_shift) + " outside [0, 16]");
    if (p.noise == NoiseMode::threshold)
        check(p.noise_bits >= 1 && p.noise_bits <= 16, w,
              "noise_bits " + std::to_string(p.noise_bits) + " outside [1, 16] (threshold noise)");
    switch (p.kind) {
        case NeuronKind::relpsp:
            check(p.decay_i == kDecayOne && p.decay_v == kDecayOne, w,
                  "relpsp needs decay_i = decay_v = 4096 (no decay); use kind cuba_lif for decaying states");
            check(p.single_spike, w, "relpsp neurons fire once per frame (single_spike: true)");
            break;
        case NeuronKind::if_:
            check(p.decay_v == kDecayOne, w, "if neurons do not leak (decay_v = 4096); use kind lif");
            break;
        case NeuronKind::lif:
        case NeuronKind::cuba_lif:
            break;
        case NeuronKind::stochastic:
            check(p.noise != NoiseMode::none, w, "stochastic neurons need noise: threshold or bernoulli");
            break;
    }
    if (p.kind != NeuronKind::stochastic)
        check(p.noise == NoiseMode::none, w, std::string("noise '") + to_string(p.noise) + "' needs kind stochastic");
}

}  // namespace

void Network::validate() const {
    const std::string net = "network '" + name + "'";
    check(inputs >= 1, net, "inputs must be >= 1 (got " + std::to_string(inputs) + ")");
    check(!layers.empty(), net, "has no layers");
    check(timesteps >= 1 && timesteps <= 1000000, net, "timesteps " + std::to_string(timesteps) + " outside [1, 1000000]");
    try {
        encode::make_encoder(encoding);
    } catch (const InputError& e) {
        throw InputError(net + ": " + e.what());
    }
    if (encoding.kind == "ttfs" || encoding.kind == "log")
        check(timesteps > static_cast<int>(encoding.steps), net,
              "timesteps (" + std::to_string(timesteps) + ") must exceed the temporal encoding window steps (" +
                  std::to_string(encoding.steps) + "): deeper layers fire after the last input");
    check(!(early_stop && decode == Decode::count), net,
          "early_stop needs decode first_spike (a spike count is only known at the end of the window)");
    int prev = inputs;
    for (std::size_t k = 0; k < layers.size(); ++k) {
        const Layer& l = layers[k];
        const std::string where = net + " layer " + std::to_string(k) + " '" + l.name + "'";
        check(l.kind == LayerKind::dense, where,
              std::string("layer kind ") + to_string(l.kind) + " is not supported by this version (dense layers only)");
        check(l.in >= 1 && l.out >= 1, where, "in and out must be >= 1");
        check(l.in == prev, where,
              "in = " + std::to_string(l.in) + " but the " + (k ? "previous layer has out = " : "network has inputs = ") +
                  std::to_string(prev));
        check(l.weight_bits >= 2 && l.weight_bits <= 32, where,
              "weight_bits " + std::to_string(l.weight_bits) + " outside [2, 32]");
        check(l.delay >= 0 && l.delay <= 1024, where, "delay " + std::to_string(l.delay) + " outside [0, 1024]");
        const std::size_t n = static_cast<std::size_t>(l.in) * static_cast<std::size_t>(l.out);
        check(l.weights.size() == n, where,
              "has " + std::to_string(l.weights.size()) + " weights, expected out x in = " + std::to_string(l.out) +
                  " x " + std::to_string(l.in));
        const std::int64_t wmax = (std::int64_t{1} << (l.weight_bits - 1)) - 1;
        for (std::size_t j = 0; j < n; ++j) {
            if (std::llabs(l.weights[j]) > wmax)
                throw InputError(where + ": weight [" + std::to_string(j / l.in) + ", " + std::to_string(j % l.in) +
                                 "] = " + std::to_string(l.weights[j]) + " does not fit " +
                                 std::to_string(l.weight_bits) + "-bit signed weights (|w| <= " +
                                 std::to_string(wmax) + ")");
        }
        validate_neuron(l.neuron, where);
        prev = l.out;
    }
}

}  // namespace spiketlm::snn
