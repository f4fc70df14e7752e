#pragma once
// Randomly generated fixed-point networks for tests and experiments (e.g. the multi-layer LIF
// network the chip must match spike for spike). Deterministic for a seed on every platform
// (own integer generator, no std:: distributions).
#include <cstdint>
#include <vector>

#include "sw/snn/network.h"

namespace spiketlm::snn {

struct RandomNetworkSpec {
    std::vector<int> sizes{784, 128, 10};  // inputs, then each layer's out
    NeuronKind kind = NeuronKind::lif;
    int weight_bits = 8;
    // Weights uniform in [-neg_fraction * wmax, wmax] with wmax = 2^(bits-1) - 1.
    double neg_fraction = 0.5;
    // Threshold so that a neuron fires after about `steps_to_fire` steps when a fraction
    // `input_activity` of its inputs spike every step: theta = steps_to_fire * activity * fan_in * E[w].
    double input_activity = 0.1;
    double steps_to_fire = 3.0;
    int refractory = 1;
    int state_bits = 24;
    int timesteps = 48;
    Encoding encoding;  // default: rate, steps = timesteps - 8 (set below when kind is empty)
    std::uint64_t seed = 1;
    // Connectivity (all layers; dense by default). density < 1: sparse layers, each synapse
    // present with that probability. band > 0: sparse layers where output o reads the `band`
    // consecutive inputs centred on o * in / out (local receptive fields; wins over density).
    double density = 1.0;
    int band = 0;
    // conv[k] with out_c > 0 makes layer k a conv2d of that geometry (its sizes must chain).
    std::vector<Conv2d> conv;
    // Hidden layers (not the output) get recurrent synapses, each present with this probability,
    // weights uniform in [-wmax, wmax / 2] (mostly inhibitory), no self-connections.
    double recurrent_density = 0.0;
};

// Neuron defaults come from NeuronParams::defaults(kind); ReL-PSP gets ttfs/first_spike, the
// other kinds count decoding. The result passes Network::validate().
Network random_network(const RandomNetworkSpec& spec);

}  // namespace spiketlm::snn
