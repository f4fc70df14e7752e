// The loosely-timed chip (chip.timing: lt, hw/chip/lt) against the reference and the cycle-level
// chip: spike-exact with the reference on random networks of every neuron kind (multi-layer,
// delays, multicast variants), the same energy action counts as the cycle-level chip, and its
// cycle estimate within the bounds documented in docs/chip.md (Loosely-timed mode): equal to the
// cycle-level cycles on a chip without contention, within 3 % per frame on the 4x4 test chip and
// within 10 % on congested ones. Each TEST_CASE elaborates both chips before running either (one
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
    for (const auto& e : st.counters()) {
        if (e.info.energy_key.empty()) continue;
        const std::string& n = e.info.name;
        m[n.rfind(prefix, 0) == 0 ? n.substr(prefix.size()) : n] = e.counter->value();  // "chip.barrier" as is
    }
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
    chip::Chip at("chip_at", c_at, net, mapped, st_at, early_stop, net.seed);
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
    r.at_actions = actions_of(st_at, "chip_at.");
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

TEST_CASE("chip lt: a 3-layer LIF network is spike-exact with the reference, counts the same PE actions, cycles within 3 %",
          "[system]") {
    const auto net = random_network({40, 48, 32, 10}, snn::NeuronKind::lif, 11, 24, 60, 120);
    const auto r = compare(net, k_chip4x4, 60, 0.15, false, 1);
    check_spikes(r, 500);
    check_pe_actions(r);
    check_cycles(r, 0.03);
}

TEST_CASE("chip lt: IF network (subtractive reset, saturating state) is spike-exact, cycles within 3 %", "[system]") {
    const auto net = random_network({32, 40, 10}, snn::NeuronKind::if_, 12, 20, 90, 150);
    const auto r = compare(net, k_chip4x4, 60, 0.2, false, 2);
    check_spikes(r, 300);
    check_cycles(r, 0.03);
}

TEST_CASE("chip lt: ReL-PSP single-spike network with early stop is spike-exact, cycles within 3 %", "[system]") {
    const auto net = random_network({40, 48, 10}, snn::NeuronKind::relpsp, 13, 24, 60, 100);
    auto n2 = net;
    n2.decode = snn::Decode::first_spike;
    const auto r = compare(n2, k_chip4x4, 60, 0.05, true, 3);
    check_spikes(r, 150);
    check_cycles(r, 0.03);
}

TEST_CASE("chip lt: CUBA-LIF network with delivery delays is spike-exact, cycles within 3 %", "[system]") {
    auto net = random_network({40, 48, 32, 10}, snn::NeuronKind::cuba_lif, 14, 30, 60, 120);
    net.layers[1].delay = 2;
    net.layers[2].delay = 1;
    const auto r = compare(net, k_chip4x4, 40, 0.15, false, 4);
    check_spikes(r, 150);
    check_cycles(r, 0.03);
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
    check_cycles(r, 0.03);
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
          "cycles within 10 %",
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
    check_cycles(r, 0.10);
}

TEST_CASE("chip lt: a 1-deep input FIFO and a 1-packet NI queue (back-pressure everywhere) stay spike-exact, "
          "cycles within 10 %",
          "[system]") {
    const auto net = random_network({40, 48, 32, 10}, snn::NeuronKind::lif, 16, 24, 60, 120);
    const std::string yaml = std::string(k_chip4x4) +
                             "chip.pe.input_fifo_depth: 1\nchip.noc.injection_queue_depth: 1\nchip.noc.buffer_depth: 2\n"
                             "chip.pe.update_lanes: 1\n";
    const auto r = compare(net, yaml, 30, 0.3, false, 6);
    check_spikes(r, 300);
    check_pe_actions(r);
    check_cycles(r, 0.10);
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

namespace {

struct EdRun {
    std::uint64_t mismatched = 0, spikes = 0;
    std::uint64_t off_cycles = 0, on_cycles = 0, lt_cycles = 0;
    std::string first_difference;
    std::map<std::string, std::uint64_t> off, on, lt;  // energy actions by name (prefix removed)
};

// The same frames through the reference, the cycle-level chip without and with the event-driven
// update, and the LT chip with it.
EdRun run_event_driven(const snn::Network& net, const std::string& yaml, int frames, double p_in, std::uint64_t seed) {
    cfg::Config c_off, c_on, c_lt;
    c_off.load_string(yaml, "chip.yaml");
    c_on.load_string(yaml + "chip.pe.event_driven_update: true\n", "chip.yaml");
    c_lt.load_string(yaml + "chip.pe.event_driven_update: true\nchip.timing: lt\n", "chip.yaml");
    const auto mapped = map::map_network(net, map::capacity_from(c_off), map::mesh_from(c_off));
    stats::Registry st_off, st_on, st_lt;
    chip::Chip off("off", c_off, net, mapped, st_off, false, net.seed);
    chip::Chip on("on", c_on, net, mapped, st_on, false, net.seed);
    chip::Chip lt("lt", c_lt, net, mapped, st_lt, false, net.seed);
    std::vector<snn::SpikeEvent> s_on, s_lt;
    on.set_spike_callback([&](const chip::ChipSpike& s) { s_on.push_back({s.step, s.layer, s.neuron}); });
    lt.set_spike_callback([&](const chip::ChipSpike& s) { s_lt.push_back({s.step, s.layer, s.neuron}); });
    snn::Reference ref(net, snn::SimOptions{});
    std::mt19937_64 rng(seed);
    EdRun r;
    auto key = [](const snn::SpikeEvent& a, const snn::SpikeEvent& b) {
        return std::tie(a.step, a.layer, a.neuron) < std::tie(b.step, b.layer, b.neuron);
    };
    for (int f = 0; f < frames; ++f) {
        const auto in = random_input(net.inputs, net.encoding.steps, p_in, rng);
        s_on.clear();
        s_lt.clear();
        r.off_cycles += off.run_frame(in, static_cast<std::uint64_t>(f)).cycles;
        const auto ro = on.run_frame(in, static_cast<std::uint64_t>(f));
        const auto rl = lt.run_frame(in, static_cast<std::uint64_t>(f));
        r.on_cycles += ro.cycles;
        r.lt_cycles += rl.cycles;
        snn::VectorSink sink;
        const auto rr = ref.run(in, static_cast<std::uint64_t>(f), &sink);
        std::sort(s_on.begin(), s_on.end(), key);
        std::sort(s_lt.begin(), s_lt.end(), key);
        r.spikes += sink.spikes.size();
        if (s_on != sink.spikes || s_lt != sink.spikes || ro.decision != rr.decision || rl.decision != rr.decision) {
            ++r.mismatched;
            if (r.first_difference.empty())
                r.first_difference = "frame " + std::to_string(f) + ": event-driven chip " + std::to_string(s_on.size()) +
                                     " spikes, LT " + std::to_string(s_lt.size()) + ", reference " +
                                     std::to_string(sink.spikes.size());
        }
    }
    r.off = actions_of(st_off, "off.");
    r.on = actions_of(st_on, "on.");
    r.lt = actions_of(st_lt, "lt.");
    return r;
}

std::uint64_t sum_matching(const std::map<std::string, std::uint64_t>& m, const std::string& suffix) {
    std::uint64_t s = 0;
    for (const auto& [k, v] : m)
        if (k.size() >= suffix.size() && k.compare(k.size() - suffix.size(), suffix.size(), suffix) == 0) s += v;
    return s;
}

}  // namespace

TEST_CASE("chip: the event-driven update keeps the spikes, skips neurons at rest, pays for its activity bits, "
          "and LT prices it alike",
          "[system]") {
    // Sparse input into wide layers of 64-neuron PEs: most neurons get no weight in most steps.
    auto net = random_network({64, 120, 64, 10}, snn::NeuronKind::lif, 31, 24, 40, 150);
    const std::string yaml = R"(
chip:
  noc: {width: 4, height: 4}
  pe: {neurons: 64, synapse_words: 4096, axon_entries: 256, update_lanes: 2}
)";
    const auto r = run_event_driven(net, yaml, 30, 0.03, 11);
    INFO(r.first_difference);
    CHECK(r.mismatched == 0);
    CHECK(r.spikes >= 100);
    // Fewer datapath updates, state reads and accumulator clears; never more cycles.
    const auto upd_off = sum_matching(r.off, ".neuron_unit.update"), upd_on = sum_matching(r.on, ".neuron_unit.update");
    const auto st_off = sum_matching(r.off, ".state_sram.read"), st_on = sum_matching(r.on, ".state_sram.read");
    INFO("updates " << upd_on << " of " << upd_off << ", state reads " << st_on << " of " << st_off << ", cycles "
                    << r.on_cycles << " vs " << r.off_cycles);
    CHECK(upd_on * 10 < upd_off * 9);  // at least 10 % fewer (fully connected layers: any input touches a whole PE)
    CHECK(st_on * 10 < st_off * 9);
    CHECK(r.on_cycles < r.off_cycles);
    // The activity bits are priced: one read per 64-neuron word per PE and step, one write per
    // synapse word accumulated and per group visited.
    CHECK(sum_matching(r.off, ".activity_bits.read") == 0);
    CHECK(sum_matching(r.on, ".activity_bits.read") > 0);
    CHECK(sum_matching(r.on, ".activity_bits.write") ==
          sum_matching(r.on, ".word_fifo.push") + sum_matching(r.on, ".state_sram.read"));
    // LT counts the same actions (PEs) as the cycle-level chip with the option on.
    for (const auto& [name, v] : r.on) {
        if (name.rfind("noc.", 0) == 0) continue;
        INFO(name);
        REQUIRE(r.lt.count(name) == 1);
        CHECK(r.lt.at(name) == v);
    }
    const double err = std::abs(static_cast<double>(r.lt_cycles) - static_cast<double>(r.on_cycles)) /
                       static_cast<double>(r.on_cycles);
    CHECK(err <= 0.10);
}

TEST_CASE("chip: the event-driven update equals the LT estimate exactly without contention", "[system]") {
    const auto net = random_network({24, 40, 30, 10}, snn::NeuronKind::relpsp, 23, 24, 60, 120);
    const std::string yaml = R"(
chip:
  host_node: 3
  noc: {width: 4, height: 1, vcs: 4, buffer_depth: 16, injection_queue_depth: 4096}
  pe: {neurons: 64, route_entries: 64, synapse_words: 65536, axon_entries: 1024, input_fifo_depth: 4096,
       update_lanes: 1, state_read_latency: 2}
)";
    const auto r = run_event_driven(net, yaml, 30, 0.1, 12);
    INFO(r.first_difference);
    CHECK(r.mismatched == 0);
    CHECK(r.spikes >= 50);
    CHECK(r.lt_cycles == r.on_cycles);
    CHECK(r.on_cycles <= r.off_cycles);
}

TEST_CASE("chip lt: conv2d, sparse and recurrent layers are spike-exact, count the same PE actions, cycles within 5 %",
          "[system]") {
    const auto net = test::mixed_network(31);
    const auto r = compare(net, test::k_chip6x6, 40, 0.25, false, 12);
    check_spikes(r, 500);
    check_pe_actions(r);
    check_cycles(r, 0.05);
}

TEST_CASE("chip lt: banded layers with sources that reach no neuron (dropped at the NI) are spike-exact, cycles within 3 %",
          "[system]") {
    snn::RandomNetworkSpec spec;
    spec.sizes = {64, 64, 32, 4};
    spec.band = 5;
    spec.timesteps = 24;
    spec.input_activity = 0.3;
    spec.steps_to_fire = 1.5;
    spec.seed = 41;
    const auto r = compare(snn::random_network(spec), k_chip4x4, 40, 0.3, false, 14);
    check_spikes(r, 300);
    check_pe_actions(r);
    check_cycles(r, 0.03);
}
