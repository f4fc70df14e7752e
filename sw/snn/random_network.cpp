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
        const auto span = static_cast<std::uint64_t>(wmax - wmin + 1);
        const auto draw = [&] { return static_cast<std::int32_t>(wmin + static_cast<std::int64_t>(next() % span)); };
        // Bernoulli(p) from 32 random bits.
        const auto keep = [&](double p) { return static_cast<double>(next() >> 32) < p * 4294967296.0; };
        const bool conv = k - 1 < spec.conv.size() && spec.conv[k - 1].out_c > 0;
        if (conv) {
            l.kind = LayerKind::conv2d;
            l.conv = spec.conv[k - 1];
            if (l.conv.in_size() != l.in || l.conv.out_size() != l.out)
                throw InputError("random_network: conv geometry of layer " + std::to_string(k - 1) + " does not match sizes");
            l.weights.resize(l.conv.weight_count());
            for (auto& w : l.weights) w = draw();
        } else if (spec.band > 0 || spec.density < 1.0) {
            l.kind = LayerKind::sparse;
            l.row_ptr.push_back(0);
            for (int o = 0; o < l.out; ++o) {
                if (spec.band > 0) {
                    const std::int64_t centre = static_cast<std::int64_t>(o) * l.in / l.out;
                    const std::int64_t lo = std::clamp<std::int64_t>(centre - spec.band / 2, 0, std::max(0, l.in - spec.band));
                    for (std::int64_t i = lo; i < std::min<std::int64_t>(lo + spec.band, l.in); ++i) {
                        l.cols.push_back(static_cast<std::uint32_t>(i));
                        l.weights.push_back(draw());
                    }
                } else {
                    for (int i = 0; i < l.in; ++i)
                        if (keep(spec.density)) {
                            l.cols.push_back(static_cast<std::uint32_t>(i));
                            l.weights.push_back(draw());
                        }
                }
                l.row_ptr.push_back(static_cast<std::uint32_t>(l.cols.size()));
            }
        } else {
            l.weights.resize(static_cast<std::size_t>(l.in) * static_cast<std::size_t>(l.out));
            for (auto& w : l.weights) w = draw();
        }
        if (spec.recurrent_density > 0 && k + 1 < spec.sizes.size()) {
            l.recurrent.row_ptr.push_back(0);
            for (int o = 0; o < l.out; ++o) {
                for (int j = 0; j < l.out; ++j)
                    if (j != o && keep(spec.recurrent_density)) {
                        l.recurrent.cols.push_back(static_cast<std::uint32_t>(j));
                        l.recurrent.weights.push_back(
                            static_cast<std::int32_t>(-wmax + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(wmax + wmax / 2 + 1))));
                    }
                l.recurrent.row_ptr.push_back(static_cast<std::uint32_t>(l.recurrent.cols.size()));
            }
        }
        const double fan_in = static_cast<double>(l.synapse_count()) / l.out;
        l.neuron = NeuronParams::defaults(spec.kind);
        l.neuron.state_bits = spec.state_bits;
        if (spec.kind != NeuronKind::relpsp) l.neuron.refractory = spec.refractory;
        const double theta = spec.steps_to_fire * spec.input_activity * std::max(1.0, fan_in) * std::max(1.0, mean_w);
        l.neuron.theta = static_cast<std::int32_t>(std::clamp(std::round(theta), 1.0, static_cast<double>(l.neuron.state_max())));
        n.layers.push_back(std::move(l));
    }
    n.validate();
    return n;
}

}  // namespace spiketlm::snn
