// Neuron-unit actions counted by the chip per neuron kind (docs/pe.md, energy actions): IF and
// ReL-PSP updates execute no multiply (their decays are 0 or 1.0), a LIF update one (decay_v),
// a CUBA-LIF update two; counts checked against the update count, and the update count against
// an independent count of non-done neuron updates.
#include <catch2/catch.hpp>

#include <random>

#include "hw/chip/chip.h"
#include "sw/cfg/config.h"
#include "sw/map/capacity.h"
#include "sw/map/mapper.h"
#include "sw/snn/network.h"
#include "sw/stats/stats.h"

using namespace spiketlm;

namespace {

struct Counts {
    std::uint64_t updates = 0, multiplies = 0, noise = 0, frames_steps = 0;
};

Counts run(snn::NeuronKind kind, bool single_spike = false) {
    std::mt19937_64 rng(42);
    snn::Network net;
    net.name = "n";
    net.inputs = 12;
    net.timesteps = 10;
    net.encoding.steps = 5;
    net.seed = 3;
    for (int l = 0; l < 2; ++l) {
        snn::Layer L;
        L.name = "fc" + std::to_string(l);
        L.in = l == 0 ? 12 : 9;
        L.out = l == 0 ? 9 : 4;
        L.neuron = snn::NeuronParams::defaults(kind);
        L.neuron.theta = 40;
        if (single_spike) L.neuron.single_spike = true;
        std::uniform_int_distribution<int> w(-10, 30);
        for (int k = 0; k < L.in * L.out; ++k) L.weights.push_back(w(rng));
        net.layers.push_back(L);
    }
    cfg::Config c;
    c.load_string("chip: {noc: {width: 2, height: 2}, pe: {neurons: 16, synapse_words: 512, axon_entries: 64}}\n", "c");
    stats::Registry stats;
    const auto mapped = map::map_network(net, map::capacity_from(c), map::mesh_from(c));
    chip::Chip chip("chip", c, net, mapped, stats, false, net.seed);
    Counts n;
    for (int f = 0; f < 5; ++f) {
        encode::SpikeTrain in;
        for (std::uint32_t s = 0; s < 5; ++s)
            for (std::uint32_t i = 0; i < 12; ++i)
                if ((i + s + static_cast<std::uint32_t>(f)) % 3 == 0) in.push_back({s, i});
        n.frames_steps += chip.run_frame(in, static_cast<std::uint64_t>(f)).steps;
    }
    for (const auto& e : stats.counters()) {
        if (e.info.energy_key == "neuron.update") n.updates += e.counter->value();
        if (e.info.energy_key == "neuron.multiply") n.multiplies += e.counter->value();
        if (e.info.energy_key == "neuron.noise_draw") n.noise += e.counter->value();
    }
    return n;
}

}  // namespace

TEST_CASE("chip energy: IF updates execute no multiply, every neuron updated every step", "[system]") {
    const Counts n = run(snn::NeuronKind::if_);
    CHECK(n.updates == n.frames_steps * (9 + 4));  // no neuron is ever done (not single-spike)
    CHECK(n.multiplies == 0);
    CHECK(n.noise == 0);
}

TEST_CASE("chip energy: ReL-PSP updates execute no multiply and stop when a neuron is done", "[system]") {
    const Counts n = run(snn::NeuronKind::relpsp, true);
    CHECK(n.updates > 0);
    CHECK(n.updates < n.frames_steps * (9 + 4));  // some neurons fired and froze
    CHECK(n.multiplies == 0);
}

TEST_CASE("chip energy: LIF updates execute one multiply each", "[system]") {
    const Counts n = run(snn::NeuronKind::lif);  // default refractory 0: v decays every update
    CHECK(n.updates == n.frames_steps * (9 + 4));
    CHECK(n.multiplies == n.updates);
}

TEST_CASE("chip energy: CUBA-LIF updates execute two multiplies each", "[system]") {
    const Counts n = run(snn::NeuronKind::cuba_lif);
    CHECK(n.updates == n.frames_steps * (9 + 4));
    CHECK(n.multiplies == 2 * n.updates);
}
