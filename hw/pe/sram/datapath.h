#pragma once
// The arithmetic of the `sram` PE kind, as functions: COMPUTE's accumulation of one synapse word
// and the update engine's decision of one neuron. SramPe (the cycle-level chip) and the
// loosely-timed chip (hw/chip/lt) both call these, so the two timing styles share one datapath
// (sw/snn/neuron.h underneath, as the reference does).
#include <cstdint>

#include "sw/map/mapper.h"
#include "sw/snn/network.h"
#include "sw/snn/neuron.h"

namespace spiketlm::pe {

// COMPUTE of one synapse word: adds its first `valid` packed weights into acc[0 .. valid).
inline void accumulate_word(std::int64_t* acc, std::uint64_t word, std::uint32_t valid, std::uint32_t weight_bits) {
    for (std::uint32_t j = 0; j < valid; ++j) acc[j] += map::unpack_weight(word, j, weight_bits);
}

// The update engine's datapath for local neuron `n` of `image` in `step`: its noise word (stochastic
// neurons only) and one update of docs/neuron.md. Returns true on a spike (`vfire`: v at firing).
inline bool update_local_neuron(snn::NeuronState& s, const snn::Layer& layer, const map::PeImage& image, std::uint32_t n,
                                std::int64_t acc, std::uint64_t noise_seed, std::uint64_t frame, std::uint32_t step,
                                std::int32_t& vfire) {
    const std::uint32_t noise =
        snn::needs_noise(layer.neuron)
            ? snn::noise_word(noise_seed, image.layer, image.first_neuron + n, frame, step)
            : 0;
    vfire = 0;
    return snn::update_neuron(s, layer.neuron, acc, noise, vfire);
}

}  // namespace spiketlm::pe
