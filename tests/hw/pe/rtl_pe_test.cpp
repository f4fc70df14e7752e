// The RTL PE (rtl/pe_core.sv, Verilated, the `rtl` kind) against the TLM PE (the `sram` kind),
// regression 1 of docs/rtl.md: the same seeded random networks, configurations and spike
// streams go into both, each behind its own test-bench environment that behaves like the tile
// (ticks only when asked, an injection queue that drains at a seeded random rate), and every
// observable must be equal: the ready signal and done signal in every cycle, every emitted spike
// with its cycle, every packet with the cycle it entered the NI, the cycles of every timestep,
// and the action counts the energy model prices.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "hw/pe/pe_config.h"
#include "hw/pe/pe_if.h"
#include "hw/pe/rtl/rtl_pe.h"
#include "sw/map/mapper.h"
#include "sw/snn/network.h"
#include "sw/snn/neuron.h"
#include "sw/stats/stats.h"
#include "common/test_util.h"

using namespace spiketlm;
using proto::Cycle;

namespace {

// Deterministic per-cycle drain of the injection queue: both environments see the same.
std::uint64_t hash3(std::uint64_t a, std::uint64_t b) {
    std::uint64_t x = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL);
    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ULL;
    return x ^ (x >> 32);
}

struct Env final : pe::PeEnv {
    std::uint32_t queue_depth = 8;
    std::uint32_t drain_permille = 500;  // chance per cycle that the NI sends one packet
    std::uint64_t seed = 0;
    std::uint32_t occupied = 0, reserved = 0;
    std::set<Cycle> ticks;
    std::vector<std::string> log;  // every observable, in order
    Cycle now = 0;

    void request_tick(Cycle at) override { ticks.insert(at); }
    std::uint32_t out_credits() const override {
        const std::uint32_t used = occupied + reserved;
        return used >= queue_depth ? 0 : queue_depth - used;
    }
    void out_reserve(std::uint32_t n) override {
        REQUIRE(n <= out_credits());
        reserved += n;
        if (n) log.push_back("reserve " + std::to_string(n) + " @" + std::to_string(now));
    }
    void out_push(proto::SpikePacket&& p) override {
        REQUIRE(reserved > 0);
        --reserved;
        ++occupied;
        std::ostringstream s;
        s << "packet src_neuron " << p.src_neuron << " step " << p.timestep << " kind " << static_cast<int>(p.kind)
          << " dst " << p.dst << " dests " << p.dests.size() << " payload " << (p.payload.empty() ? -1 : static_cast<long>(p.payload[0]))
          << " @" << now;
        log.push_back(s.str());
    }
    void spike(const pe::EmittedSpike& e) override {
        log.push_back("spike " + std::to_string(e.neuron) + " step " + std::to_string(e.step) + " v " +
                      std::to_string(e.v) + " @" + std::to_string(e.cycle));
    }
    // The NI's own work at the start of a cycle: maybe one packet leaves the queue.
    void ni_cycle(Cycle c) {
        now = c;
        if (occupied && hash3(seed, c) % 1000 < drain_permille) --occupied;
    }
    bool due(Cycle c) {
        bool d = false;
        while (!ticks.empty() && *ticks.begin() <= c) {
            d = true;
            ticks.erase(ticks.begin());
        }
        return d;
    }
};

struct Case {
    snn::Network net;
    map::MappedNetwork mapped;
    pe::PeConfig cfg;
    std::uint32_t queue_depth = 8, drain = 500;
    std::uint32_t frames = 2, events_per_step = 6;
    std::string describe;
};

Case random_case(std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    auto pick = [&](std::uint32_t lo, std::uint32_t hi) {
        return static_cast<std::uint32_t>(std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng));
    };
    Case k;
    const snn::NeuronKind kinds[] = {snn::NeuronKind::relpsp, snn::NeuronKind::if_, snn::NeuronKind::lif,
                                     snn::NeuronKind::cuba_lif, snn::NeuronKind::stochastic};
    const snn::NeuronKind kind = kinds[seed % 5];
    snn::Network& net = k.net;
    net.name = "rtl-vs-tlm";
    net.inputs = pick(3, 24);
    net.timesteps = pick(4, 10);
    net.encoding.steps = 2;
    snn::Layer l;
    l.name = "fc";
    l.in = net.inputs;
    l.out = pick(1, 40);
    l.delay = static_cast<int>(pick(0, 2));
    l.neuron = snn::NeuronParams::defaults(kind);
    l.neuron.theta = static_cast<std::int32_t>(pick(20, 200));
    l.neuron.bias = static_cast<std::int32_t>(pick(0, 8)) - 2;
    if (kind != snn::NeuronKind::relpsp) {
        l.neuron.refractory = static_cast<std::int32_t>(pick(0, 2));
        l.neuron.reset = pick(0, 1) ? snn::ResetMode::subtract : snn::ResetMode::to_value;
        l.neuron.v_reset = static_cast<std::int32_t>(pick(0, 10)) - 5;
    }
    if (kind == snn::NeuronKind::stochastic && pick(0, 1)) {
        l.neuron.noise = snn::NoiseMode::bernoulli;
        l.neuron.noise_shift = static_cast<int>(pick(6, 10));
    }
    l.neuron.state_bits = static_cast<int>(pick(10, 24));
    l.weight_bits = pick(0, 1) ? 8 : static_cast<int>(pick(3, 16));  // 3..16 bits: 4..21 weights per word
    const std::int32_t wmax = (1 << (l.weight_bits - 1)) - 1;
    for (int j = 0; j < l.in * l.out; ++j)
        l.weights.push_back(static_cast<std::int32_t>(pick(0, 2 * static_cast<std::uint32_t>(wmax))) - wmax / 2 -
                            wmax / 3);
    for (auto& w : l.weights) w = std::max(-wmax, std::min(wmax, w));
    net.layers.push_back(l);

    pe::PeConfig& c = k.cfg;
    c.input_fifo_depth = pick(1, 6);
    c.word_fifo_depth = pick(1, 4);
    c.load_words_per_cycle = pick(1, 3);
    c.lanes = pick(1, 9);
    c.update_lanes = pick(1, 8);
    c.synapse.words = 8192;
    c.synapse.banks = pick(1, 3);
    c.synapse.ports_per_bank = pick(1, 2);
    c.synapse.read_latency_cycles = pick(1, 3);
    c.synapse.energy_class = "sram_synapse";
    c.axon.words = 1024;
    c.axon.read_latency_cycles = pick(1, 3);
    c.axon.energy_class = "sram_axon";
    c.state.words = 256;
    c.state.ports_per_bank = 2;
    c.state.read_latency_cycles = pick(1, 3);
    c.state.energy_class = "sram_state";
    c.route.words = 256;
    c.route.ports_per_bank = pick(1, 2);
    c.route.read_latency_cycles = pick(1, 3);
    c.route.energy_class = "sram_route";
    c.capacity.acc_slots = 4;
    c.capacity.synapse_word_bits = 64;
    k.mapped = map::map_network(net, c.capacity, map::MeshShape{2, 1, 0});
    k.queue_depth = pick(c.update_lanes, c.update_lanes + 4);  // the chip requires >= update_lanes
    k.drain = pick(200, 1000);
    k.events_per_step = pick(0, 12);
    std::ostringstream d;
    d << "seed " << seed << ": " << snn::to_string(kind) << " " << l.in << "->" << l.out << " w" << l.weight_bits
      << " delay " << l.delay << ", fifo " << c.input_fifo_depth << " wfifo " << c.word_fifo_depth << " lwpc "
      << c.load_words_per_cycle << " lanes " << c.lanes << " ulanes " << c.update_lanes << " banks "
      << c.synapse.banks << "x" << c.synapse.ports_per_bank << " lat " << c.axon.read_latency_cycles << "/"
      << c.synapse.read_latency_cycles << "/" << c.state.read_latency_cycles << "/" << c.route.read_latency_cycles
      << " route ports " << c.route.ports_per_bank << ", injection queue " << k.queue_depth << " drain "
      << k.drain << "/1000";
    k.describe = d.str();
    return k;
}

struct Run {
    std::vector<std::string> log;
    std::vector<Cycle> step_cycles;  // per timestep: start to done
    std::map<std::string, std::uint64_t> counters;
};

// Drives one PE kind through `frames` frames: frame reset, then per step a step start when the
// PE is done, with the step's spike events arriving at seeded cycles (retried while refused).
Run drive(const Case& k, const std::string& kind, std::uint64_t seed, const std::string& vcd_dir = "") {
    stats::Registry stats;
    Env env;
    env.queue_depth = k.queue_depth;
    env.drain_permille = k.drain;
    env.seed = seed;
    pe::PeConfig cfg = k.cfg;
    if (!vcd_dir.empty()) {
        cfg.rtl.trace = true;
        cfg.rtl.trace_dir = vcd_dir;
    }
    auto pe = pe::PeRegistry::create(
        kind, pe::PeContext{"pe", cfg, k.mapped, k.mapped.pes.at(0), k.net.layers[0], seed * 7 + 1, stats, env});
    Run run;
    std::mt19937_64 rng(seed ^ 0x5eed);
    Cycle c = 5;
    const std::uint32_t inputs = k.net.inputs;
    for (std::uint32_t f = 0; f < k.frames; ++f) {
        env.ni_cycle(c);
        pe->frame_reset(f, c);
        env.log.push_back("reset @" + std::to_string(c));
        for (std::uint32_t s = 0; s < static_cast<std::uint32_t>(k.net.timesteps); ++s) {
            // Wait until done, then start the step two cycles later (a barrier).
            Cycle guard = c + 100000;
            for (;; ++c) {
                env.ni_cycle(c);
                if (env.due(c)) pe->tick(c);
                env.log.push_back(std::string("done ") + (pe->done(c + 1) ? "1" : "0") + " @" + std::to_string(c + 1));
                if (pe->done(c + 1)) break;
                INFO(kind << " PE never done");
                REQUIRE(c < guard);
            }
            c += 3;
            env.ni_cycle(c);
            pe->step_start(s, c);
            const Cycle start = c;
            // The step's events: emitted in step s, arriving from start on at seeded gaps.
            std::vector<std::pair<std::uint32_t, Cycle>> events;
            Cycle at = start;
            for (std::uint32_t e = 0; e < k.events_per_step; ++e) {
                at += std::uniform_int_distribution<Cycle>(0, 3)(rng);
                events.push_back({static_cast<std::uint32_t>(rng() % inputs), at});
            }
            std::size_t next = 0;
            for (;; ++c) {
                if (c != start) env.ni_cycle(c);
                while (next < events.size() && events[next].second <= c) {
                    const bool ready = pe->in_ready(c);
                    env.log.push_back(std::string("ready ") + (ready ? "1" : "0") + " @" + std::to_string(c));
                    if (!ready) break;
                    pe->in_push(c, events[next].first, s);
                    ++next;
                }
                if (env.due(c)) pe->tick(c);
                if (next == events.size() && pe->done(c + 1)) break;
                INFO(kind << " PE never done");
                REQUIRE(c < start + 100000);
            }
            run.step_cycles.push_back(c + 1 - start);
            ++c;
        }
    }
    run.log = env.log;
    // Every counter and action count (events, synops, words, busy cycles, stalls, bank conflicts,
    // SRAM reads and writes, FIFO pushes, neuron updates, multiplies, noise draws, spikes).
    for (const auto& e : stats.counters()) run.counters[e.info.name] = e.counter->value();
    return run;
}

// What the compared runs exercised (summed over a test case), so that a regression that stops
// producing spikes, stalls or conflicts cannot pass by comparing two empty runs.
std::map<std::string, std::uint64_t> g_seen;

// Compares the two runs; on a difference, writes the RTL's VCD and names the first difference.
void compare(const Case& k, std::uint64_t seed) {
    INFO(k.describe);
    const Run tlm = drive(k, "sram", seed);
    const Run rtl = drive(k, "rtl", seed);
    std::size_t i = 0;
    while (i < tlm.log.size() && i < rtl.log.size() && tlm.log[i] == rtl.log[i]) ++i;
    if (i < tlm.log.size() || i < rtl.log.size()) {
        if (std::getenv("SPIKETLM_RTL_DEBUG"))
            for (std::size_t j = (i > 12 ? i - 12 : 0); j < i + 6; ++j)
                std::fprintf(stderr, "%4zu  %-50s %s\n", j, j < tlm.log.size() ? tlm.log[j].c_str() : "",
                             j < rtl.log.size() ? rtl.log[j].c_str() : "");
        const std::string dir = test::scratch_dir("rtl-pe-fail-" + std::to_string(seed));
        drive(k, "rtl", seed, dir);
        INFO("first difference at event " << i << ": sram '" << (i < tlm.log.size() ? tlm.log[i] : "(end)")
                                          << "', rtl '" << (i < rtl.log.size() ? rtl.log[i] : "(end)")
                                          << "'; the RTL's VCD is in " << dir);
        CHECK(false);
        return;
    }
    CHECK(tlm.step_cycles == rtl.step_cycles);
    for (const char* n : {"pe.neuron_unit.spike", "pe.injection_stall_cycles", "pe.synapse_sram.bank_conflicts",
                          "pe.route_sram.bank_conflicts", "pe.neuron_unit.noise_draw", "pe.neuron_unit.multiply",
                          "pe.events"})
        g_seen[n] += tlm.counters.at(n);
    for (const auto& [name, v] : tlm.counters) {
        INFO(name);
        CHECK(rtl.counters.at(name) == v);
    }
}

}  // namespace

TEST_CASE("rtl pe: 60 seeded random networks give the TLM PE's spikes, cycles and counts", "[rtl]") {
    g_seen.clear();
    for (std::uint64_t seed = 1; seed <= 60; ++seed) compare(random_case(seed), seed);
    for (const auto& [name, total] : g_seen) {
        INFO(name << " summed over the 60 cases");
        CHECK(total > 0);
    }
}

TEST_CASE("rtl pe: depth-1 FIFOs, bank conflicts and a full injection queue agree with the TLM PE", "[rtl]") {
    g_seen.clear();
    for (std::uint64_t seed = 100; seed < 120; ++seed) {
        Case k = random_case(seed);
        k.cfg.input_fifo_depth = 1;
        // A depth-1 word FIFO lets one read be in flight, so no two reads meet in a bank: half
        // the cases take a deeper one to have conflicts.
        k.cfg.word_fifo_depth = seed % 2 ? 1 : 4;
        k.cfg.load_words_per_cycle = 3;
        k.cfg.synapse.banks = 1 + seed % 2;
        k.cfg.synapse.ports_per_bank = 1;
        k.cfg.route.ports_per_bank = 1 + seed % 2;
        k.queue_depth = k.cfg.update_lanes;  // as small as the chip allows: groups stall often
        k.drain = 150;
        k.events_per_step = 10;
        k.describe += " (stress: depth-1 input FIFO, conflicts, slow NI)";
        compare(k, seed);
    }
    CHECK(g_seen["pe.injection_stall_cycles"] > 0);
    CHECK(g_seen["pe.synapse_sram.bank_conflicts"] > 0);
}

TEST_CASE("rtl pe: a Bernoulli draw equal to the firing probability does not fire, as the reference says", "[rtl]") {
    // One stochastic neuron (Bernoulli, slope 2^0 / 65536) without input: v = bias after step 0,
    // p16 = v - theta + 32768. Theta is chosen so that p16 equals the low 16 bits of the noise
    // word of (neuron 0, frame 0, step 0): the reference does not fire (word < p16 is false).
    const std::uint64_t seed = 4;
    Case k = random_case(5);  // a stochastic case: reuse its configuration
    snn::Layer& l = k.net.layers[0];
    l.out = 1;
    l.weights.assign(static_cast<std::size_t>(l.in), 0);
    l.neuron = snn::NeuronParams::defaults(snn::NeuronKind::stochastic);
    l.neuron.noise = snn::NoiseMode::bernoulli;
    l.neuron.noise_shift = 0;
    l.neuron.state_bits = 24;
    l.neuron.bias = 1000;
    const std::uint32_t w16 = snn::noise_word(seed * 7 + 1, 0, 0, 0, 0) & 0xFFFFu;
    l.neuron.theta = l.neuron.bias - (static_cast<std::int32_t>(w16) - 32768);
    k.mapped = map::map_network(k.net, k.cfg.capacity, map::MeshShape{2, 1, 0});
    k.events_per_step = 0;
    k.frames = 1;
    k.describe = "Bernoulli draw at p16 == word, theta " + std::to_string(l.neuron.theta);
    const Run tlm = drive(k, "sram", seed);
    bool fired_step0 = false;
    for (const auto& e : tlm.log) fired_step0 |= e.rfind("spike 0 step 0 ", 0) == 0;
    CHECK_FALSE(fired_step0);  // the reference's rule, independently of the RTL
    compare(k, seed);
}

TEST_CASE("rtl pe: a configuration beyond the Verilated sizes is a config error naming the key", "[rtl]") {
    Case k = random_case(3);
    k.cfg.input_fifo_depth = pe::RtlPeLimits::compiled().fifo_max + 1;
    stats::Registry stats;
    Env env;
    CHECK_THROWS_WITH(pe::PeRegistry::create("rtl", pe::PeContext{"pe", k.cfg, k.mapped, k.mapped.pes.at(0),
                                                                   k.net.layers[0], 1, stats, env}),
                      Catch::Contains("chip.pe.input_fifo_depth") && Catch::Contains("FIFO_MAX"));
}
