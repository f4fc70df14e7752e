#pragma once
// The neuron datapath: the one definition of the fixed-point arithmetic, shared by the
// functional reference (sw/snn/reference.cpp) and the chip's PE model (hw/pe includes this
// header). Every rule is written out in docs/neuron.md; a change here is a change of the golden
// model and must be made there and in rtl/ too.
//
// Per neuron and timestep, in this order (acc = exact sum of the weights delivered this step):
//   if done: nothing (the state is frozen)
//   i <- sat(floor(i * decay_i / 4096) + acc)
//   if refractory > 0: refractory -= 1, v held, no spike
//   else v <- sat(floor(v * decay_v / 4096) + i + bias)
//        spike if v >= theta (+ threshold noise) [or the Bernoulli draw says so]
//        on a spike: v <- v_reset | sat(v - theta); refractory <- params.refractory;
//                    done <- single_spike
#include <cstdint>

#include "sw/snn/network.h"

namespace spiketlm::snn {

// floor(x / 2^s) for any sign (an arithmetic shift right; written out so it does not rely on
// implementation-defined behaviour of >> on negative values before C++20).
inline std::int64_t floor_shift(std::int64_t x, int s) {
    return x >= 0 ? (x >> s) : -((-x + ((std::int64_t{1} << s) - 1)) >> s);
}

// Clamps x to the two's-complement range of `bits` (2..32).
inline std::int32_t saturate(std::int64_t x, int bits) {
    const std::int64_t hi = (std::int64_t{1} << (bits - 1)) - 1;
    const std::int64_t lo = -hi - 1;
    return static_cast<std::int32_t>(x > hi ? hi : (x < lo ? lo : x));
}

struct NeuronState {
    std::int32_t i = 0;            // synaptic current
    std::int32_t v = 0;            // membrane
    std::uint16_t refractory = 0;  // steps left during which v is held
    bool done = false;             // fired already (single-spike neurons): frozen until the frame ends
};

// Counter-based noise: a pure function of (seed, layer, neuron, frame, step), so it does not
// depend on placement, evaluation order or how many updates happened before (SplitMix64 mixing).
inline std::uint64_t noise_mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}
inline std::uint32_t noise_word(std::uint64_t seed, std::uint32_t layer, std::uint32_t neuron, std::uint64_t frame,
                                std::uint32_t step) {
    std::uint64_t h = noise_mix(seed);
    h = noise_mix(h ^ ((std::uint64_t{layer} << 32) | neuron));
    h = noise_mix(h ^ frame);
    h = noise_mix(h ^ step);
    return static_cast<std::uint32_t>(h >> 32);
}

inline bool needs_noise(const NeuronParams& p) { return p.noise != NoiseMode::none; }

// Threshold noise of one update: the low noise_bits of the noise word as a signed number,
// times 2^noise_shift.
inline std::int64_t threshold_noise(const NeuronParams& p, std::uint32_t word) {
    const std::int64_t raw = word & ((std::uint32_t{1} << p.noise_bits) - 1);
    const std::int64_t half = std::int64_t{1} << (p.noise_bits - 1);
    return (raw >= half ? raw - 2 * half : raw) * (std::int64_t{1} << p.noise_shift);
}

// Bernoulli firing probability in 1/65536 units: 1/2 at v == theta, slope 2^noise_shift / 65536.
inline std::int64_t bernoulli_p16(const NeuronParams& p, std::int32_t v) {
    const std::int64_t x = (std::int64_t{v} - p.theta) * (std::int64_t{1} << p.noise_shift) + 32768;
    return x < 0 ? 0 : (x > 65536 ? 65536 : x);
}

// The state change of a spike: reset, refractory period, single-spike flag.
inline void apply_spike(NeuronState& s, const NeuronParams& p) {
    s.v = p.reset == ResetMode::to_value ? p.v_reset : saturate(std::int64_t{s.v} - p.theta, p.state_bits);
    s.refractory = static_cast<std::uint16_t>(p.refractory);
    s.done = p.single_spike;
}

// One timestep of one neuron. `acc`: exact (unsaturated) sum of the weights delivered this
// step. `noise`: noise_word(...) of this (layer, neuron, frame, step); ignored unless the
// neuron is stochastic. Returns true on a spike; `v_fire` is then v before the reset (used to
// break output ties).
inline bool update_neuron(NeuronState& s, const NeuronParams& p, std::int64_t acc, std::uint32_t noise,
                          std::int32_t& v_fire) {
    if (s.done) return false;
    s.i = saturate(floor_shift(std::int64_t{s.i} * p.decay_i, kDecayShift) + acc, p.state_bits);
    if (s.refractory > 0) {
        --s.refractory;
        return false;
    }
    s.v = saturate(floor_shift(std::int64_t{s.v} * p.decay_v, kDecayShift) + s.i + p.bias, p.state_bits);
    bool fire;
    switch (p.noise) {
        case NoiseMode::threshold:
            fire = std::int64_t{s.v} >= std::int64_t{p.theta} + threshold_noise(p, noise);
            break;
        case NoiseMode::bernoulli:
            fire = std::int64_t{noise & 0xFFFFu} < bernoulli_p16(p, s.v);
            break;
        default:
            fire = s.v >= p.theta;
            break;
    }
    if (!fire) return false;
    v_fire = s.v;
    apply_spike(s, p);
    return true;
}

// A fast path with the same results as update_neuron for neurons whose decays are 0 or 4096
// (ReL-PSP, IF, LIF without leak on i) and without noise: floor(x * 4096 / 4096) = x exactly.
// `keep_i` = (decay_i == 4096), `keep_v` = (decay_v == 4096).
inline bool has_simple_datapath(const NeuronParams& p) {
    return (p.decay_i == 0 || p.decay_i == kDecayOne) && (p.decay_v == 0 || p.decay_v == kDecayOne) &&
           p.noise == NoiseMode::none;
}
inline bool update_neuron_simple(NeuronState& s, const NeuronParams& p, bool keep_i, bool keep_v, std::int64_t acc,
                                 std::int32_t& v_fire) {
    if (s.done) return false;
    s.i = saturate((keep_i ? std::int64_t{s.i} : 0) + acc, p.state_bits);
    if (s.refractory > 0) {
        --s.refractory;
        return false;
    }
    s.v = saturate((keep_v ? std::int64_t{s.v} : 0) + s.i + p.bias, p.state_bits);
    if (s.v < p.theta) return false;
    v_fire = s.v;
    apply_spike(s, p);
    return true;
}

}  // namespace spiketlm::snn
