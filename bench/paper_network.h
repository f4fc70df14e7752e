#pragma once
// The 784-800-10 ReL-PSP network of the paper, quantized from random float weights drawn as the
// STDBP initialisation (N(0.01, 0.02^2), N(0.01, 0.05^2), theta 1, 8 bits, T = 32): a
// paper-sized workload for the benchmarks when no trained model is given.
#include <random>

#include "sw/quant/quantize.h"
#include "sw/snn/float_model.h"

namespace spiketlm::bench {

inline snn::Network paper_init_network() {
    std::mt19937 rng(1);
    snn::FloatNetwork f;
    f.layers = {{"fc1", 784, 800, {}, 1.0f}, {"fc2", 800, 10, {}, 1.0f}};
    std::normal_distribution<float> d0(0.01f, 0.02f), d1(0.01f, 0.05f);
    for (int k = 0; k < 784 * 800; ++k) f.layers[0].weights.push_back(d0(rng));
    for (int k = 0; k < 800 * 10; ++k) f.layers[1].weights.push_back(d1(rng));
    quant::QuantOptions o;
    o.steps = 32;
    return quant::quantize(f, o).net;
}

}  // namespace spiketlm::bench
