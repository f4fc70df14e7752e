#pragma once
// A continuous-time ReL-PSP network as trained by STDBP: float weights, spike times in
// [0, input_window] for the input layer (time-to-first-spike code t = input_window * (1 - x),
// pixels below input_threshold never spike). Produced by sw/train, consumed by sw/quant.
#include <string>
#include <vector>

namespace spiketlm::snn {

struct FloatLayer {
    std::string name;
    int in = 0, out = 0;
    std::vector<float> weights;  // out x in, row-major: weights[o * in + i]
    float theta = 1.0f;          // firing threshold
};

struct FloatNetwork {
    std::vector<FloatLayer> layers;
    float input_window = 1.0f;      // T_in: input spike times lie in [0, T_in]
    float input_threshold = 0.0f;   // pixels with x <= threshold do not spike
};

}  // namespace spiketlm::snn
