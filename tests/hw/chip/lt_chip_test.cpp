// The loosely-timed chip (chip.timing: lt, hw/chip/lt) against the reference and the cycle-level
// chip: spike-exact with the reference on random networks of every neuron kind (multi-layer,
// delays, multicast variants), the same energy action counts as the cycle-level chip, and its
// cycle estimate within the bounds documented in docs/chip.md (Loosely-timed mode): equal to the
// cycle-level cycles on a chip without contention, within 10 % per frame on the 4x4 test chip and
// within 25 % on a congested one. Each TEST_CASE elaborates both chips before running either (one
// SystemC elaboration per process).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <sstream>

#include "hw/chip/chip.h"
#include "hw/chip/random_network.h"
#include "sw/cfg/config.h"
#include "sw/common/error.h"
#include "sw/map/capacity.h"
#include "sw/map/mapper.h"
#include "sw/snn/network.h"
#include "sw/snn/reference.h"
#include "sw/stats/stats.h"
#include "hw/sim/trace_sink.h"

using namespace spiketlm;
using test::random_input;
using test::random_network;

namespace {

const char* k_chip4x4 = R"(
chip:
  noc: {width: 4, height: 4}
  pe: {neurons: 16, synapse_words: 4096, axon_entries: 256}
)";

struct Compared {
    std::uint64_t frames = 0, spikes = 0, mismatched = 0;
    std::uint64_t at_cycles = 0, lt_cycles = 0;
    double worst = 0;  // largest |LT - AT| / AT over frames
    std::string first_difference;
    std::map<std::string, std::uint64_t> at_actions, lt_actions;  // energy actions by name
};

std::map<std::string, std::uint64_t> actions_of(const stats::Registry& st, const std::string& prefix) {
    std::map<std::string, std::uint64_t> m;
    for (const auto& e : st.counters())
        if (!e.info.energy_key.empty()) m[e.info.name.substr(prefix.size())] = e.counter->value();
    return m;
}

// Runs `frames` random frames through the reference, the LT chip and the cycle-level chip.
Compared compare(const snn::Network& net, const std::string& chip_yaml, int frames, double p_in, bool early_stop,
                 std::uint64_t seed) {
    cfg::Config c_at, c_lt;
    c_at.load_string(chip_yaml, "chip.yaml");
    c_lt.load_string(chip_yaml + "chip.timing: lt\n", "chip.yaml");
    const auto mapped = map::map_network(net, map::capacity_from(c_at), map::mesh_from(c_at));
    stats::Registry st_at, st_lt;
    chip::Chip at("chip", c_at, net, mapped, st_at, early_stop, net.seed);
    chip::Chip lt("chip_lt", c_lt, net, mapped, st_lt, early_stop, net.seed);
    std::vector<snn::SpikeEvent> at_spikes, lt_spikes;
    at.set_spike_callback([&](const chip::ChipSpike& s) { at_spikes.push_back({s.step, s.layer, s.neuron}); });
    lt.set_spike_callback([&](const chip::ChipSpike& s) { lt_spikes.push_back({s.step, s.layer, s.neuron}); });
    snn::SimOptions opt;
    opt.early_stop = early_stop;
    snn::Reference ref(net, opt);
    std::mt19937_64 rng(seed);
    Compared r;
    auto key = [](const snn::SpikeEvent& a, const snn::SpikeEvent& b) {
        return std::tie(a.step, a.layer, a.neuron) < std::tie(b.step, b.layer, b.neuron);
    };
    for (int f = 0; f < frames; ++f) {
        const auto in = random_input(net.inputs, net.encoding.steps, p_in, rng);
        at_spikes.clear();
        lt_spikes.clear();
        const auto ra = at.run_frame(in, static_cast<std::uint64_t>(f));
        const auto rl = lt.run_frame(in, static_cast<std::uint64_t>(f));
        snn::VectorSink sink;
        const auto rr = ref.run(in, static_cast<std::uint64_t>(f), &sink);
        std::sort(lt_spikes.begin(), lt_spikes.end(), key);
        std::sort(at_spikes.begin(), at_spikes.end(), key);
        ++r.frames;
        r.spikes += sink.spikes.size();
        const bool same = lt_spikes == sink.spikes && at_spikes == sink.spikes && rl.decision == rr.decision &&
                          rl.steps == rr.steps && rl.synops == ra.synops && rl.input_spikes == rr.input_spikes &&
                          rl.first_output_step == ra.first_output_step && rl.spikes_per_layer == ra.spikes_per_layer;
        if (!same) {
            ++r.mismatched;
            if (r.first_difference.empty()) {
                std::ostringstream os;
                os << "frame " << f << ": LT " << lt_spikes.size() << " spikes, decision " << rl.decision << ", steps "
                   << rl.steps << ", synops " << rl.synops << "; reference " << sink.spikes.size() << " spikes, decision "
                   << rr.decision << ", steps " << rr.steps << "; cycle-level " << at_spikes.size() << " spikes, synops "
                   << ra.synops;
                r.first_difference = os.str();
            }
        }
        r.at_cycles += ra.cycles;
        r.lt_cycles += rl.cycles;
        const double e = std::abs(static_cast<double>(rl.cycles) - static_cast<double>(ra.cycles)) / static_cast<double>(ra.cycles);
        r.worst = std::max(r.worst, e);
    }
    r.at_actions = actions_of(st_at, "chip.");
    r.lt_actions = actions_of(st_lt, "chip_lt.");
    return r;
}

void check_spikes(const Compared& r, std::uint64_t min_spikes) {
    INFO(r.first_difference);
    CHECK(r.mismatched == 0);
    CHECK(r.spikes >= min_spikes);  // not vacuous
}

// Every energy action the cycle-level chip counts, the LT chip counts under the same name; the
// PE's (SRAMs, FIFOs, adders, neuron unit), the host's and the barrier's with the same values.
void check_pe_actions(const Compared& r) {
    for (const auto& [name, v] : r.at_actions) {
        INFO(name);
        REQUIRE(r.lt_actions.count(name) == 1);
        const bool noc = name.rfind("noc.", 0) == 0;
        if (!noc) CHECK(r.lt_actions.at(name) == v);
    }
}

void check_cycles(const Compared& r, double per_frame_bound) {
    INFO("LT " << r.lt_cycles << " cycles, cycle-level " << r.at_cycles << ", worst frame error " << r.worst);
    CHECK(r.worst <= per_frame_bound);
}

}  // namespace

TEST_CASE("chip lt: a 3-layer LIF network is spike-exact with the reference, counts the same PE actions, cycles within 10 %",
          "[system]") {
    const auto net = random_network({40, 48, 32, 10}, snn::NeuronKind::lif, 11, 24, 60, 120);
    const auto r = compare(net, k_chip4x4, 60, 0.15, false, 1);
    check_spikes(r, 500);
    check_pe_actions(r);
    check_cycles(r, 0.10);
}

TEST_CASE("chip lt: IF network (subtractive reset, saturating state) is spike-exact, cycles within 10 %", "[system]") {
    const auto net = random_network({32, 40, 10}, snn::NeuronKind::if_, 12, 20, 90, 150);
    const auto r = compare(net, k_chip4x4, 60, 0.2, false, 2);
    check_spikes(r, 300);
    check_cycles(r, 0.10);
}

TEST_CASE("chip lt: ReL-PSP single-spike network with early stop is spike-exact, cycles within 10 %", "[system]") {
    const auto net = random_network({40, 48, 10}, snn::NeuronKind::relpsp, 13, 24, 60, 100);
    auto n2 = net;
    n2.decode = snn::Decode::first_spike;
    const auto r = compare(n2, k_chip4x4, 60, 0.05, true, 3);
    check_spikes(r, 150);
    check_cycles(r, 0.10);
}

TEST_CASE("chip lt: CUBA-LIF network with delivery delays is spike-exact, cycles within 10 %", "[system]") {
    auto net = random_network({40, 48, 32, 10}, snn::NeuronKind::cuba_lif, 14, 30, 60, 120);
    net.layers[1].delay = 2;
    net.layers[2].delay = 1;
    const auto r = compare(net, k_chip4x4, 40, 0.15, false, 4);
    check_spikes(r, 150);
    check_cycles(r, 0.10);
}

TEST_CASE("chip lt: threshold-noise and Bernoulli stochastic networks are spike-exact", "[system]") {
    // Two layers of threshold noise into a Bernoulli output layer, decoded by spike count.
    auto net = random_network({30, 36, 10}, snn::NeuronKind::stochastic, 15, 24, 50, 100);
    net.decode = snn::Decode::count;
    for (auto& l : net.layers) l.neuron.noise_bits = 6, l.neuron.noise_shift = 2;
    net.layers[1].neuron.noise = snn::NoiseMode::bernoulli;
    net.layers[1].neuron.noise_shift = 8;
    const auto r = compare(net, k_chip4x4, 60, 0.15, false, 5);
    check_spikes(r, 300);
    check_pe_actions(r);
    check_cycles(r, 0.10);
}

TEST_CASE("chip lt: without contention the cycle estimate equals the cycle-level chip's cycles exactly", "[system]") {
    // One PE per layer on a row, the host at the far end (as tests/hw/chip/frame_oracle_test.cpp):
    // no two flows share a link, COMPUTE keeps up with LOAD, FIFOs never fill.
    const auto net = random_network({24, 40, 30, 10}, snn::NeuronKind::lif, 21, 24, 60, 120);
    const std::string yaml = R"(
chip:
  host_node: 3
  noc: {width: 4, height: 1, vcs: 4, buffer_depth: 16, injection_queue_depth: 4096, router_pipeline: 2, link_latency: 2}
  pe: {neurons: 64, route_entries: 64, synapse_words: 65536, axon_entries: 1024, input_fifo_depth: 4096,
       lanes: 8, update_lanes: 3, word_fifo_depth: 4, axon_read_latency: 2, synapse_read_latency: 2,
       state_read_latency: 2, route_read_latency: 3}
)";
    const auto r = compare(net, yaml, 40, 0.2, false, 6);
    check_spikes(r, 300);
    check_pe_actions(r);
    INFO("LT " << r.lt_cycles << " cycles, cycle-level " << r.at_cycles);
    CHECK(r.lt_cycles == r.at_cycles);
}

TEST_CASE("chip lt: a congested chip (narrow links, shallow buffers and FIFOs, source multicast) stays spike-exact, "
          "cycles within 25 %",
          "[system]") {
    const auto net = random_network({40, 48, 32, 10}, snn::NeuronKind::lif, 16, 24, 60, 120);
    const std::string yaml = R"(
chip:
  noc: {width: 3, height: 2, buffer_depth: 2, flit_width_bits: 24, injection_queue_depth: 2, multicast: source,
        routing: yx, router_pipeline: 3}
  pe: {neurons: 16, synapse_words: 4096, axon_entries: 256, input_fifo_depth: 2, update_lanes: 2, lanes: 4}
)";
    const auto r = compare(net, yaml, 40, 0.3, false, 7);
    check_spikes(r, 300);
    check_pe_actions(r);
    check_cycles(r, 0.25);
}

TEST_CASE("chip lt: the quantum keeper lets the controller run ahead of SystemC time and syncs at the quantum",
          "[system]") {
    const auto net = random_network({20, 16, 10}, snn::NeuronKind::lif, 22, 16, 60, 120);
    // One chip with quantum 0 (sync after every step), elaborated alone in this process.
    cfg::Config c;
    c.load_string(std::string(k_chip4x4) + "chip.timing: lt\nchip.clock_mhz: 100\nchip.lt.quantum_ns: 0\n", "chip.yaml");
    const auto mapped = map::map_network(net, map::capacity_from(c), map::mesh_from(c));
    stats::Registry st;
    chip::Chip ch("chip", c, net, mapped, st, false, net.seed);
    std::mt19937_64 rng(3);
    std::uint64_t cycles = 0;
    for (int f = 0; f < 3; ++f) cycles += ch.run_frame(random_input(net.inputs, net.encoding.steps, 0.2, rng), f).cycles;
    // Quantum 0: SystemC time is the controller's time after every step: 10 ns per cycle at 100 MHz.
    CHECK(sc_core::sc_time_stamp() == sc_core::sc_time(10.0 * static_cast<double>(cycles), sc_core::SC_NS));
    CHECK(ch.scheduler_evaluations() == 3u * 16u);  // one sync per timestep
}

TEST_CASE("chip lt: a large quantum syncs once per quantum, not per step", "[system]") {
    const auto net = random_network({20, 16, 10}, snn::NeuronKind::lif, 22, 16, 60, 120);
    cfg::Config c;
    c.load_string(std::string(k_chip4x4) + "chip.timing: lt\nchip.clock_mhz: 100\nchip.lt.quantum_ns: 1000000\n", "chip.yaml");
    const auto mapped = map::map_network(net, map::capacity_from(c), map::mesh_from(c));
    stats::Registry st;
    chip::Chip ch("chip", c, net, mapped, st, false, net.seed);
    std::mt19937_64 rng(3);
    std::uint64_t cycles = 0;
    for (int f = 0; f < 3; ++f) cycles += ch.run_frame(random_input(net.inputs, net.encoding.steps, 0.2, rng), f).cycles;
    // 3 frames of a few hundred cycles (a few µs) are far inside one 1 ms quantum: the controller
    // never waited, SystemC time stayed at 0, and the frames still count their cycles.
    CHECK(cycles > 300);
    CHECK(ch.scheduler_evaluations() == 0u);
    CHECK(sc_core::sc_time_stamp() == sc_core::SC_ZERO_TIME);
}

TEST_CASE("chip lt: an unknown chip.timing and platform mode with LT are clear errors", "[unit]") {
    const auto net = random_network({8, 8}, snn::NeuronKind::if_, 1, 8, 60, 120);
    cfg::Config bad;
    CHECK_THROWS_WITH(bad.load_string(std::string(k_chip4x4) + "chip.timing: tlm\n", "chip.yaml"),
                      Catch::Contains("chip.timing"));
    cfg::Config c;
    c.load_string(std::string(k_chip4x4) + "chip.timing: lt\n", "chip.yaml");
    const auto mapped = map::map_network(net, map::capacity_from(c), map::mesh_from(c));
    stats::Registry st;
    chip::Chip ch("chip", c, net, mapped, st, false, 1);
    const encode::SpikeTrain in;
    CHECK_THROWS_WITH(ch.start_frame(in, 0, [](const chip::FrameResult&) {}), Catch::Contains("chip.timing: at"));
    CHECK_THROWS_AS(ch.set_trace_sink(reinterpret_cast<sim::TraceSink*>(&st)), InputError);
}
