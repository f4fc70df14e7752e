#pragma once
// Random test networks and input trains shared by the chip tests (tests/hw/chip): fully connected
// layers of one neuron kind with uniform 8-bit weights, and Bernoulli input spikes.
#include <random>
#include <vector>

#include "sw/encode/spike_train.h"
#include "sw/snn/network.h"

namespace spiketlm::test {

inline snn::Network random_network(const std::vector<int>& sizes, snn::NeuronKind kind, std::uint64_t seed, int timesteps,
                            int wmax, std::int32_t theta) {
    std::mt19937_64 rng(seed);
    snn::Network net;
    net.name = "random";
    net.inputs = sizes[0];
    net.timesteps = timesteps;
    net.encoding.steps = timesteps / 2;
    net.seed = seed;
    for (std::size_t l = 1; l < sizes.size(); ++l) {
        snn::Layer L;
        L.name = "fc" + std::to_string(l);
        L.in = sizes[l - 1];
        L.out = sizes[l];
        L.weight_bits = 8;
        L.neuron = snn::NeuronParams::defaults(kind);
        L.neuron.theta = theta;
        if (kind == snn::NeuronKind::lif) L.neuron.refractory = 2;
        if (kind == snn::NeuronKind::if_) L.neuron.reset = snn::ResetMode::subtract;
        L.neuron.state_bits = 16;  // saturation is exercised
        std::uniform_int_distribution<int> w(-wmax / 3, wmax);
        for (int k = 0; k < L.in * L.out; ++k) L.weights.push_back(w(rng));
        net.layers.push_back(L);
    }
    return net;
}

inline encode::SpikeTrain random_input(int inputs, int steps, double p, std::mt19937_64& rng) {
    encode::SpikeTrain t;
    std::bernoulli_distribution b(p);
    for (int s = 0; s < steps; ++s)
        for (int i = 0; i < inputs; ++i)
            if (b(rng)) t.push_back({static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(i)});
    return t;
}

}  // namespace spiketlm::test
