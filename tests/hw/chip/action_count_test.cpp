// Action counts of the chip (the numbers energy is priced from) against values computed here,
// independently of hw/: from the reference's spikes and a partition of the network worked out by
// hand. The energy test checks that energy = sum of counts x table; this one checks the counts.
// One chip elaboration per TEST_CASE (one SystemC elaboration per process).
#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "hw/chip/chip.h"
#include "hw/chip/host_interface.h"
#include "sw/cfg/config.h"
#include "sw/map/capacity.h"
#include "sw/map/mapper.h"
#include "sw/snn/network.h"
#include "sw/snn/reference.h"
#include "sw/stats/stats.h"

using namespace spiketlm;

namespace {

// 6 inputs -> 5 LIF -> 3 LIF, weights 8-bit, a pattern fixed by hand (mostly excitatory, so
// both layers spike every frame).
snn::Network hand_network() {
    snn::Network net;
    net.name = "counts";
    net.inputs = 6;
    net.timesteps = 12;
    net.encoding.steps = 8;
    net.seed = 5;
    const std::vector<std::pair<int, int>> shapes = {{6, 5}, {5, 3}};
    for (std::size_t l = 0; l < shapes.size(); ++l) {
        snn::Layer L;
        L.name = "fc" + std::to_string(l + 1);
        L.in = shapes[l].first;
        L.out = shapes[l].second;
        L.weight_bits = 8;
        L.neuron = snn::NeuronParams::defaults(snn::NeuronKind::lif);
        L.neuron.theta = 40;
        L.neuron.refractory = 1;
        L.neuron.single_spike = false;
        for (int o = 0; o < L.out; ++o)
            for (int i = 0; i < L.in; ++i) L.weights.push_back(((o * 7 + i * 3) % 11) * 4 - 8);  // -8 .. 32
        net.layers.push_back(L);
    }
    return net;
}

// 2x2 mesh; a PE holds 3 neurons; a 16-bit synapse word packs two 8-bit weights; the update
// engine handles 2 neurons per cycle (one state word).
// By hand: fc1 (5 neurons) -> groups of 3 and 2 (2 and 1 synapse words per axon, 2 and 1 state
// words); fc2 (3 neurons) -> one group of 3 (2 words per axon, 2 state words).
const char* k_chip = R"(
chip:
  noc: {width: 2, height: 2}
  pe: {neurons: 3, synapse_words: 64, synapse_word_bits: 16, axon_entries: 16, route_entries: 3, update_lanes: 2}
)";
struct GroupByHand {
    std::uint32_t layer, neurons, words_per_axon, state_words;
};
const std::vector<GroupByHand> k_groups = {{0, 3, 2, 2}, {0, 2, 1, 1}, {1, 3, 2, 2}};

// Sum of every counter named `<component path>.<suffix>` (e.g. "compute.synop"), whatever the
// chip's path prefix; fails when there is none (a renamed action must be renamed here too).
std::uint64_t sum_of(const stats::Registry& stats, const std::string& suffix) {
    std::uint64_t n = 0;
    int found = 0;
    for (const auto& e : stats.counters()) {
        const std::string& name = e.info.name;
        if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
            name[name.size() - suffix.size() - 1] == '.') {
            n += e.counter->value();
            ++found;
        }
    }
    INFO("counters ending in ." << suffix);
    CHECK(found > 0);
    return n;
}

}  // namespace

TEST_CASE("chip action counts: adds, synapse and axon reads, FIFO traffic, updates and spikes equal the "
          "hand-derived values",
          "[system]") {
    const snn::Network net = hand_network();
    cfg::Config c;
    c.load_string(k_chip, "chip.yaml");
    stats::Registry stats;
    const auto mapped = map::map_network(net, map::capacity_from(c), map::mesh_from(c));
    // The partition the expectations below assume.
    REQUIRE(mapped.pes.size() == k_groups.size());
    for (std::size_t g = 0; g < k_groups.size(); ++g) {
        INFO("group " << g);
        REQUIRE(mapped.pes[g].layer == k_groups[g].layer);
        REQUIRE(mapped.pes[g].neurons == k_groups[g].neurons);
        REQUIRE(mapped.pes[g].axon_words.front() == k_groups[g].words_per_axon);
    }

    chip::Chip chip("chip", c, net, mapped, stats, false, net.seed);
    snn::SimOptions opt;
    opt.early_stop = false;
    const snn::Reference ref(net, opt);

    std::mt19937_64 rng(21);
    std::bernoulli_distribution fire(0.35);
    const int frames = 12;
    std::uint64_t ref_spikes[2] = {0, 0}, input_spikes = 0, steps = 0, chip_synops = 0;
    for (int f = 0; f < frames; ++f) {
        encode::SpikeTrain in;
        for (std::uint32_t s = 0; s < net.encoding.steps; ++s)
            for (std::uint32_t i = 0; i < 6; ++i)
                if (fire(rng)) in.push_back({s, i});
        snn::VectorSink sink;
        const auto rr = ref.run(in, static_cast<std::uint64_t>(f), &sink);
        const auto cr = chip.run_frame(in, static_cast<std::uint64_t>(f));
        REQUIRE(cr.steps == rr.steps);
        REQUIRE(cr.spikes_per_layer == rr.spikes_per_layer);  // spike-exact (checked in depth elsewhere)
        for (const auto& s : sink.spikes) ++ref_spikes[s.layer];
        input_spikes += in.size();
        steps += rr.steps;
        chip_synops += cr.synops;
    }
    REQUIRE(ref_spikes[0] > 50);  // not vacuous: both layers are busy
    REQUIRE(ref_spikes[1] > 10);

    // Every input spike is an event for each fc1 group; every fc1 spike (including those of a
    // frame's last step, which the chip still delivers) an event for the fc2 group. fc2 spikes
    // go to the host, not to a PE.
    const std::uint64_t events_fc1 = input_spikes, events_fc2 = ref_spikes[0];
    std::uint64_t fifo = 0, words = 0, adds = 0;
    for (const auto& g : k_groups) {
        const std::uint64_t ev = g.layer == 0 ? events_fc1 : events_fc2;
        fifo += ev;
        words += ev * g.words_per_axon;
        adds += ev * g.neurons;
    }
    CHECK(adds == events_fc1 * 5 + events_fc2 * 3);  // = fan-out of every delivered spike
    CHECK(sum_of(stats, "compute.synop") == adds);
    CHECK(chip_synops == adds);
    CHECK(sum_of(stats, "synapse_sram.read") == words);
    CHECK(sum_of(stats, "axon_sram.read") == fifo);
    CHECK(sum_of(stats, "input_fifo.push") == fifo);
    CHECK(sum_of(stats, "input_fifo.pop") == fifo);
    CHECK(sum_of(stats, "word_fifo.push") == words);
    // LIF, not single-spike: every neuron updates in every step of every frame.
    CHECK(sum_of(stats, "neuron_unit.update") == steps * (5 + 3));
    CHECK(sum_of(stats, "neuron_unit.spike") == ref_spikes[0] + ref_spikes[1]);
    // Every spike (and every input spike) is one packet into an NI's injection queue.
    CHECK(sum_of(stats, "packet_in") == input_spikes + ref_spikes[0] + ref_spikes[1]);
    // Accumulators: a read-modify-write per weight added, and a read + clear per neuron the update
    // engine walks (every neuron, every step).
    CHECK(sum_of(stats, "acc_sram.read") == adds + steps * (5 + 3));
    CHECK(sum_of(stats, "acc_sram.write") == adds + steps * (5 + 3));
    // docs/pe.md: each spike reads its routing entry once; the state SRAM is written once per
    // state word at frame reset and once per state word (update group) in every step.
    CHECK(sum_of(stats, "route_sram.read") == ref_spikes[0] + ref_spikes[1]);
    // The host writes every input spike into the NoC once and receives every output spike once.
    CHECK(sum_of(stats, "input_spike") == input_spikes);
    CHECK(sum_of(stats, "output_spike") == ref_spikes[1]);
    const std::uint64_t state_words = 2 + 1 + 2;
    CHECK(sum_of(stats, "state_sram.write") == static_cast<std::uint64_t>(frames) * state_words + steps * state_words);
}

TEST_CASE("chip action counts: single-spike ReL-PSP neurons stop updating once they fired", "[system]") {
    snn::Network net = hand_network();
    for (auto& l : net.layers) {
        l.neuron = snn::NeuronParams::defaults(snn::NeuronKind::relpsp);
        l.neuron.theta = 150;
    }
    cfg::Config c;
    c.load_string(k_chip, "chip.yaml");
    stats::Registry stats;
    const auto mapped = map::map_network(net, map::capacity_from(c), map::mesh_from(c));
    REQUIRE(mapped.pes.size() == k_groups.size());
    chip::Chip chip("chip", c, net, mapped, stats, false, net.seed);
    snn::SimOptions opt;
    opt.early_stop = false;
    const snn::Reference ref(net, opt);

    std::uint64_t updates = 0, spikes = 0, fired_neurons = 0;
    for (int f = 0; f < 8; ++f) {
        // Each input spikes once (TTFS-like), at a step given by hand.
        encode::SpikeTrain in;
        for (std::uint32_t s = 0; s < net.encoding.steps; ++s)
            for (std::uint32_t i = 0; i < 6; ++i)
                if ((i * 5 + static_cast<std::uint32_t>(f) * 3) % net.encoding.steps == s) in.push_back({s, i});
        snn::VectorSink sink;
        const auto rr = ref.run(in, static_cast<std::uint64_t>(f), &sink);
        const auto cr = chip.run_frame(in, static_cast<std::uint64_t>(f));
        REQUIRE(cr.spikes_per_layer == rr.spikes_per_layer);
        // A neuron that fired in step s was updated in steps 0..s; a silent one in every step.
        std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t> fired_at;
        for (const auto& s : sink.spikes) fired_at[{s.layer, s.neuron}] = s.step;
        for (std::uint32_t l = 0; l < 2; ++l)
            for (std::uint32_t n = 0; n < static_cast<std::uint32_t>(net.layers[l].out); ++n) {
                const auto it = fired_at.find({l, n});
                updates += it == fired_at.end() ? rr.steps : it->second + 1;
            }
        spikes += sink.spikes.size();
        fired_neurons += fired_at.size();
    }
    REQUIRE(fired_neurons > 10);
    CHECK(spikes == fired_neurons);  // single spike: one per neuron at most
    CHECK(sum_of(stats, "neuron_unit.update") == updates);
    CHECK(sum_of(stats, "neuron_unit.spike") == spikes);
}

TEST_CASE("host interface: input_spike counts at most host_inject_per_cycle packets per cycle, what the NI "
          "takes, in input order",
          "[unit]") {
    // No elaboration: the host interface is driven directly, its NI port replaced by a recorder.
    const snn::Network net = hand_network();
    cfg::Config c;
    c.load_string(k_chip, "chip.yaml");
    const auto mapped = map::map_network(net, map::capacity_from(c), map::mesh_from(c));
    stats::Registry stats;
    std::vector<proto::SpikePacket> sent;
    std::size_t space = 100;
    chip::HostInterface::Port port;
    port.space = [&] { return space; };
    port.send = [&](proto::SpikePacket&& p) {
        sent.push_back(std::move(p));
        --space;
    };
    chip::HostInterface host("chip.host", mapped, 3, 2, stats, std::move(port));  // 2 packets per cycle
    // Step 0: inputs 0, 1, 2, 3, 5; step 1: inputs 4, 5 (SpikeTrain order: step, then input).
    const encode::SpikeTrain in = {{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 5}, {1, 4}, {1, 5}};
    host.begin_frame(&in);
    host.begin_step(0);
    CHECK(host.inject(10) == 11);
    CHECK(sent.size() == 2);
    CHECK(sum_of(stats, "input_spike") == 2);
    CHECK(host.inject(11) == 12);
    CHECK(sent.size() == 4);
    space = 0;  // the NI queue is full: nothing goes, the host retries next cycle
    CHECK(host.inject(12) == 13);
    CHECK(sent.size() == 4);
    space = 5;
    CHECK(host.inject(13) == proto::kNever);  // the last input of step 0
    CHECK(host.done_injecting());
    REQUIRE(sent.size() == 5);
    host.begin_step(1);
    CHECK_FALSE(host.done_injecting());
    CHECK(host.inject(20) == proto::kNever);
    REQUIRE(sent.size() == 7);
    CHECK(sum_of(stats, "input_spike") == 7);
    const std::uint32_t ids[] = {0, 1, 2, 3, 5, 4, 5}, steps[] = {0, 0, 0, 0, 0, 1, 1};
    for (std::size_t k = 0; k < sent.size(); ++k) {
        INFO("packet " << k);
        CHECK(sent[k].src_neuron == ids[k]);
        CHECK(sent[k].timestep == steps[k]);
        CHECK(sent[k].src == mapped.host_node);
    }
}
