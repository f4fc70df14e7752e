#pragma once
// The arithmetic of the `sram` PE kind, as functions: COMPUTE's accumulation of one synapse word
// and the update engine's decision of one neuron. SramPe (the cycle-level chip) and the
// loosely-timed chip (hw/chip/lt) both call these, so the two timing styles share one datapath
// (sw/snn/neuron.h underneath, as the reference does).
#include <cstdint>

#include "hw/mem/sram.h"
#include "hw/pe/pe_config.h"
#include "sw/map/mapper.h"
#include "sw/snn/network.h"
#include "sw/snn/neuron.h"

namespace spiketlm::pe {

namespace detail {
template <std::uint32_t Bits>
inline void accumulate_fixed(std::int64_t* acc, std::uint64_t word, std::uint32_t valid) {
    constexpr std::uint32_t kFull = 64 / Bits;  // a full 64-bit word: a loop of constant length
    if (valid == kFull) {
        for (std::uint32_t j = 0; j < kFull; ++j) acc[j] += map::unpack_weight(word, j, Bits);
        return;
    }
    for (std::uint32_t j = 0; j < valid; ++j) acc[j] += map::unpack_weight(word, j, Bits);
}
}  // namespace detail

// COMPUTE of one synapse word: adds its first `valid` packed weights into acc[0 .. valid).
// (The common widths get a loop with constant shifts; the arithmetic is map::unpack_weight's.)
inline void accumulate_word(std::int64_t* acc, std::uint64_t word, std::uint32_t valid, std::uint32_t weight_bits) {
    switch (weight_bits) {
        case 4: return detail::accumulate_fixed<4>(acc, word, valid);
        case 8: return detail::accumulate_fixed<8>(acc, word, valid);
        case 16: return detail::accumulate_fixed<16>(acc, word, valid);
        default:
            for (std::uint32_t j = 0; j < valid; ++j) acc[j] += map::unpack_weight(word, j, weight_bits);
    }
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

// The same datapath with the layer's parameters looked at once: neurons whose decays are 0 or 1.0
// and that have no noise take sw/snn's update_neuron_simple (equal results by construction, as
// the reference uses it), the others update_local_neuron.
struct NeuronDatapath {
    const snn::Layer& layer;
    bool simple, keep_i, keep_v;
    explicit NeuronDatapath(const snn::Layer& l)
        : layer(l), simple(snn::has_simple_datapath(l.neuron)), keep_i(l.neuron.decay_i == snn::kDecayOne),
          keep_v(l.neuron.decay_v == snn::kDecayOne) {}
    bool update(snn::NeuronState& s, const map::PeImage& image, std::uint32_t n, std::int64_t acc, std::uint64_t noise_seed,
                std::uint64_t frame, std::uint32_t step, std::int32_t& vfire) const {
        if (!simple) return update_local_neuron(s, layer, image, n, acc, noise_seed, frame, step, vfire);
        vfire = 0;
        return snn::update_neuron_simple(s, layer.neuron, keep_i, keep_v, acc, vfire);
    }
};

// Event-driven update (chip.pe.event_driven_update, docs/pe.md): a neuron that received no weight
// in a step and is at rest (i = v = 0, not refractory) or done keeps its state and does not fire,
// when its layer has no bias, no noise and a positive threshold; its update may be skipped.
inline bool rest_is_fixed_point(const snn::NeuronParams& p) {
    return p.bias == 0 && p.theta > 0 && p.noise == snn::NoiseMode::none;
}
inline bool at_rest(const snn::NeuronState& s) { return s.done || (s.i == 0 && s.v == 0 && s.refractory == 0); }

// The activity bits of the event-driven update: per PE, one bit per neuron and accumulator slot
// (a weight was added) plus one per neuron (not at rest), 64 to a word.
inline mem::SramConfig activity_bits_sram(const PeConfig& c) {
    mem::SramConfig s;
    s.words = (c.capacity.neurons + 63) / 64 * (c.capacity.acc_slots + 1);
    s.width_bits = 64;
    s.banks = 1;
    s.ports_per_bank = 2;
    s.energy_class = "sram_state";
    return s;
}

}  // namespace spiketlm::pe
