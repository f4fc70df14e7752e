#pragma once
// Random test networks, input trains and the chip-vs-reference frame comparison shared by the chip
// tests (tests/hw/chip, tests/hw/nvm): fully connected
// layers of one neuron kind with uniform 8-bit weights, and Bernoulli input spikes.
#include <algorithm>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "sw/data/dataset.h"
#include "sw/encode/spike_train.h"
#include "sw/snn/network.h"
#include "sw/snn/random_network.h"
#include "sw/snn/reference.h"

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

// Frame `f` of a chip (`cr`, its spikes `chip_spikes`, sorted here) against the reference (`rr`,
// its spikes `ref_spikes`) on input `in`: "" when spikes, decision, steps, synops and input spikes
// agree, else a description. The chip also delivers (and pays for) the spikes emitted and the
// inputs injected in the frame's last step, which the reference never delivers: synops differ by
// their fan-out.
template <typename ChipResult, typename RefResult>
std::string frame_difference(const snn::Network& net, const encode::SpikeTrain& in, int f,
                             std::vector<snn::SpikeEvent>& chip_spikes, const ChipResult& cr,
                             const std::vector<snn::SpikeEvent>& ref_spikes, const RefResult& rr) {
    std::sort(chip_spikes.begin(), chip_spikes.end(), [](const snn::SpikeEvent& a, const snn::SpikeEvent& b) {
        return std::tie(a.step, a.layer, a.neuron) < std::tie(b.step, b.layer, b.neuron);
    });
    std::uint64_t tail_synops = 0;
    for (const auto& s : chip_spikes)
        if (s.step + 1 == cr.steps && s.layer + 1 < net.layers.size())
            tail_synops += static_cast<std::uint64_t>(net.layers[s.layer + 1].out);
    for (const auto& s : in)
        if (s.step + 1 == cr.steps) tail_synops += static_cast<std::uint64_t>(net.layers[0].out);
    // Sparse, conv2d and recurrent layers: the chip's synops count a row's lanes, zero padding
    // included (docs/mapping.md), so they can only exceed the reference's synapse count.
    bool dense = true;
    for (const auto& l : net.layers) dense = dense && l.kind == snn::LayerKind::dense && !l.has_recurrent();
    const bool synops_ok = dense ? cr.synops == rr.synops + tail_synops : cr.synops >= rr.synops;
    const bool same = chip_spikes == ref_spikes && cr.decision == rr.decision && cr.steps == rr.steps && synops_ok &&
                      cr.input_spikes == rr.input_spikes;
    if (same) return "";
    return "frame " + std::to_string(f) + ": chip " + std::to_string(chip_spikes.size()) + " spikes, decision " +
           std::to_string(cr.decision) + ", steps " + std::to_string(cr.steps) + ", synops " +
           std::to_string(cr.synops) + "; reference " + std::to_string(ref_spikes.size()) + " spikes, decision " +
           std::to_string(rr.decision) + ", steps " + std::to_string(rr.steps) + ", synops " +
           std::to_string(rr.synops) + " + tail " + std::to_string(tail_synops) + ", input spikes " +
           std::to_string(cr.input_spikes) + " vs " + std::to_string(rr.input_spikes) +
           (chip_spikes == ref_spikes ? ", same spikes" : ", different spikes");
}

// `n` 10x10 images of 4 classes: class c = which 5x5 quadrant is bright (0.5..0.9 there, 0..0.4
// elsewhere); image i has class i % 4. The learnable task of the conv chip tests.
inline data::ImageSet quadrant_images(int n, std::uint64_t seed) {
    data::ImageSet set;
    set.rows = set.cols = 10;
    set.num_classes = 4;
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> u(0.0f, 0.4f);
    for (int i = 0; i < n; ++i) {
        const int c = i % 4;
        for (int y = 0; y < 10; ++y)
            for (int x = 0; x < 10; ++x) set.pixels.push_back((y / 5) * 2 + x / 5 == c ? 0.5f + u(rng) : u(rng));
        set.labels.push_back(static_cast<std::uint8_t>(c));
    }
    return set;
}

// A chip and the reference side by side, frame by frame (the chip keeps its one elaboration):
// the constructor installs the chip's spike callback; frame() runs one input on both, compares
// them with frame_difference and counts frames, reference spikes, chip cycles, correct reference
// decisions (when a label is given) and mismatched frames, keeping the first difference.
template <typename ChipT>
class ChipReferenceCompare {
public:
    ChipReferenceCompare(ChipT& chip, const snn::Network& net, const snn::Reference& ref)
        : chip_(chip), net_(net), ref_(ref) {
        chip_.set_spike_callback([this](const auto& s) { chip_spikes_.push_back({s.step, s.layer, s.neuron}); });
    }
    ChipReferenceCompare(const ChipReferenceCompare&) = delete;
    ChipReferenceCompare& operator=(const ChipReferenceCompare&) = delete;

    snn::FrameResult frame(const encode::SpikeTrain& in, std::uint64_t f, int label = -1) {
        chip_spikes_.clear();
        const auto cr = chip_.run_frame(in, f);
        snn::VectorSink sink;
        const auto rr = ref_.run(in, f, &sink);
        ++frames;
        spikes += sink.spikes.size();
        cycles += cr.cycles;
        if (label >= 0 && rr.decision == label) ++correct;
        const std::string diff = frame_difference(net_, in, static_cast<int>(f), chip_spikes_, cr, sink.spikes, rr);
        if (!diff.empty() && mismatched++ == 0) first_difference = diff;
        return rr;
    }

    std::uint64_t frames = 0, spikes = 0, cycles = 0, correct = 0, mismatched = 0;
    std::string first_difference;

private:
    ChipT& chip_;
    const snn::Network& net_;
    const snn::Reference& ref_;
    std::vector<snn::SpikeEvent> chip_spikes_;
};

// Conv2d (2x8x8 -> 4x8x8, 3x3, padding 1) -> sparse 20 % with recurrent inhibition -> dense 10,
// on 16-neuron PEs so that inputs and spikes reach only some of a layer's PEs.
inline snn::Network mixed_network(std::uint64_t seed) {
    snn::RandomNetworkSpec spec;
    spec.sizes = {128, 256, 48, 10};
    spec.kind = snn::NeuronKind::lif;
    spec.timesteps = 24;
    spec.input_activity = 0.2;
    spec.steps_to_fire = 2.0;
    spec.seed = seed;
    snn::Conv2d c;
    c.in_c = 2, c.in_h = 8, c.in_w = 8, c.out_c = 4, c.out_h = 8, c.out_w = 8, c.k_h = 3, c.k_w = 3, c.pad_h = 1, c.pad_w = 1;
    spec.conv = {c};
    spec.density = 0.2;
    spec.recurrent_density = 0.3;
    auto net = snn::random_network(spec);
    net.layers[2].kind = snn::LayerKind::dense;  // the output layer dense again (random_network made it sparse)
    net.layers[2].weights.assign(static_cast<std::size_t>(48 * 10), 0);
    for (std::uint32_t o = 0; o < 10; ++o)
        for (std::uint32_t k = 0; k < 48; ++k) net.layers[2].weights[o * 48 + k] = static_cast<std::int32_t>((o * 7 + k * 13) % 23) - 6;
    net.layers[2].row_ptr.clear();
    net.layers[2].cols.clear();
    net.layers[2].neuron.theta = 20;
    net.validate();
    return net;
}
inline const char* k_chip6x6 = R"(
chip:
  noc: {width: 6, height: 6}
  pe: {neurons: 16, synapse_words: 4096, axon_entries: 512}
)";

}  // namespace spiketlm::test
