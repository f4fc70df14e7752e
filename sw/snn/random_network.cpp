#include "sw/snn/random_network.h"

#include <algorithm>
#include <cmath>

#include "sw/common/error.h"
#include "sw/snn/neuron.h"

namespace spiketlm::snn {

Network random_network(const RandomNetworkSpec& spec) {
    if (spec.sizes.size() < 2) throw InputError("random_network: sizes needs the input size and at least one layer");
    if (spec.weight_bits < 2 || spec.weight_bits > 16) throw InputError("random_network: weight_bits must be in [2, 16]");
    Network n;
    n.name = std::string("random-") + to_string(spec.kind);
    n.inputs = spec.sizes[0];
    n.timesteps = spec.timesteps;
    n.seed = spec.seed;
    n.encoding = spec.encoding;
    if (spec.kind == NeuronKind::relpsp) {
        n.decode = Decode::first_spike;
        if (n.encoding.kind != "ttfs" && n.encoding.kind != "log") n.encoding.kind = "ttfs";
    } else {
        n.decode = Decode::count;
        if (n.encoding.kind == "ttfs") n.encoding.kind = "rate";
    }
    n.encoding.steps = std::min<std::uint32_t>(n.encoding.steps, static_cast<std::uint32_t>(
                                                                     std::max(1, spec.timesteps - 8)));
    std::uint64_t state = spec.seed * 0x2545F4914F6CDD1DULL + 1;
    const auto next = [&]() {
        state = noise_mix(state);
        return state;
    };
    const std::int64_t wmax = (std::int64_t{1} << (spec.weight_bits - 1)) - 1;
    const std::int64_t wmin = -static_cast<std::int64_t>(std::llround(spec.neg_fraction * static_cast<double>(wmax)));
    const double mean_w = 0.5 * static_cast<double>(wmax + wmin);
    for (std::size_t k = 1; k < spec.sizes.size(); ++k) {
        Layer l;
        l.name = "l" + std::to_string(k - 1);
        l.in = spec.sizes[k - 1];
        l.out = spec.sizes[k];
        l.weight_bits = spec.weight_bits;
        l.weights.resize(static_cast<std::size_t>(l.in) * static_cast<std::size_t>(l.out));
        const auto span = static_cast<std::uint64_t>(wmax - wmin + 1);
        for (auto& w : l.weights) w = static_cast<std::int32_t>(wmin + static_cast<std::int64_t>(next() % span));
        l.neuron = NeuronParams::defaults(spec.kind);
        l.neuron.state_bits = spec.state_bits;
        if (spec.kind != NeuronKind::relpsp) l.neuron.refractory = spec.refractory;
        const double theta = spec.steps_to_fire * spec.input_activity * l.in * std::max(1.0, mean_w);
        l.neuron.theta = static_cast<std::int32_t>(std::clamp(std::round(theta), 1.0, static_cast<double>(l.neuron.state_max())));
        n.layers.push_back(std::move(l));
    }
    n.validate();
    return n;
}

}  // namespace spiketlm::snn
