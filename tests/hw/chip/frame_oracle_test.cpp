// Whole-frame cycle oracle: an independent model of docs/pe.md and docs/noc.md, written for this
// test (it uses no hw/ code: placement comes from sw/map, which spikes fire from the sw/snn
// reference, and every cycle from the formulas of the two documents). It computes, for small
// networks without contention, the cycle of every update-group decision (so of every spike in
// the trace), the length of every timestep and of every frame: frame reset, update groups,
// routing reads, the NI's serialisation, the zero-load NoC latency, LOAD/COMPUTE per event with
// the word-FIFO credits, host injection, the barrier and early stop. The chip must equal it
// exactly; with contention (shared links, small buffers and FIFOs) the chip may only be slower.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <sstream>

#include "hw/chip/chip.h"
#include "hw/pe/pe_config.h"
#include "hw/pe/sram/sram_pe.h"
#include "sw/cfg/config.h"
#include "sw/map/capacity.h"
#include "sw/map/mapper.h"
#include "sw/snn/network.h"
#include "sw/snn/reference.h"
#include "sw/stats/stats.h"

using namespace spiketlm;

namespace {

using Cycle = std::uint64_t;

// The chip parameters the oracle reads (a subset of chip.*; the rest keep their defaults).
struct Params {
    std::uint32_t width = 4, height = 1, host_node = 3;
    std::uint32_t neurons_per_pe = 64, synapse_word_bits = 64;
    std::uint32_t lanes = 8, update_lanes = 4, word_fifo_depth = 4;
    std::uint32_t axon_lat = 1, syn_lat = 1, state_lat = 1, route_lat = 1;
    std::uint32_t barrier = 4, host_rate = 1;
    std::uint32_t router_pipeline = 1, link_latency = 1, flit_width = 64, buffer_depth = 16;
    std::uint32_t input_fifo_depth = 4096, injection_depth = 4096, vcs = 4;
    bool early_stop = false;
    // Packet format (docs/noc.md): header bits H and the output payload word's bits W.
    std::uint32_t header_bits = 0, payload_bits = 0;

    std::string yaml() const {
        std::ostringstream y;
        y << "chip:\n  barrier_cycles: " << barrier << "\n  host_node: " << host_node
          << "\n  host_inject_per_cycle: " << host_rate << "\n  noc:\n    width: " << width << "\n    height: " << height
          << "\n    vcs: " << vcs << "\n    buffer_depth: " << buffer_depth << "\n    router_pipeline: " << router_pipeline
          << "\n    link_latency: " << link_latency << "\n    flit_width_bits: " << flit_width
          << "\n    injection_queue_depth: " << injection_depth << "\n  pe:\n    neurons: " << neurons_per_pe
          << "\n    route_entries: " << neurons_per_pe << "\n    synapse_words: 65536\n    synapse_word_bits: "
          << synapse_word_bits << "\n    axon_entries: 1024\n    input_fifo_depth: " << input_fifo_depth
          << "\n    word_fifo_depth: " << word_fifo_depth << "\n    lanes: " << lanes << "\n    update_lanes: " << update_lanes
          << "\n    axon_read_latency: " << axon_lat << "\n    synapse_read_latency: " << syn_lat
          << "\n    state_read_latency: " << state_lat << "\n    route_read_latency: " << route_lat << "\n";
        return y.str();
    }
};

Cycle ceil_div(Cycle a, Cycle b) { return (a + b - 1) / b; }

// docs/noc.md: packetization and the zero-load latency of one packet (inject() to delivery).
std::uint32_t bits_for(std::uint64_t values) {
    std::uint32_t b = 1;
    while ((std::uint64_t{1} << b) < values) ++b;
    return b;
}
void set_format(Params& p, const snn::Network& net) {
    const std::uint32_t nodes = p.width * p.height;
    std::uint64_t ids = static_cast<std::uint64_t>(net.inputs);
    for (const auto& l : net.layers) ids = std::max<std::uint64_t>(ids, static_cast<std::uint64_t>(l.out));
    // kind 2 + multicast flag 1 + destination bitmask (tree multicast) + source + axon + step
    p.header_bits = 3 + nodes + std::max<std::uint32_t>(1, bits_for(nodes)) + bits_for(ids) +
                    bits_for(static_cast<std::uint64_t>(net.timesteps));
    p.payload_bits = static_cast<std::uint32_t>(net.layers.back().neuron.state_bits);
}
std::uint32_t flits_of(const Params& p, std::uint32_t payload_words) {
    return static_cast<std::uint32_t>(
        std::max<Cycle>(1, ceil_div(p.header_bits + Cycle{payload_words} * p.payload_bits, p.flit_width)));
}
Cycle zero_load(const Params& p, std::uint32_t hops, std::uint32_t flits) {
    return Cycle{hops + 1} * p.router_pipeline + Cycle{hops} * p.link_latency + (flits - 1) + 3;
}

// docs/pe.md: LOAD / COMPUTE of one PE, events in arrival order.
struct LoadCompute {
    explicit LoadCompute(const Params& params) : p(params) {}
    const Params& p;
    std::uint32_t row_words = 0, neurons = 0, wpw = 8;
    Cycle load_free = 0, compute_free = 0, busy_until = 0, last_issue = 0;
    bool any_issue = false;
    std::vector<Cycle> word_pops;  // COMPUTE start of every word so far

    void event(Cycle arrive) {
        const Cycle pop = std::max(arrive + 1, load_free);
        const Cycle axon_ready = pop + p.axon_lat;
        Cycle issue = axon_ready;
        for (std::uint32_t k = 0; k < row_words; ++k) {
            if (word_pops.size() >= p.word_fifo_depth)
                issue = std::max(issue, word_pops[word_pops.size() - p.word_fifo_depth] + 1);
            if (any_issue) issue = std::max(issue, last_issue + 1);  // one word read per cycle
            last_issue = issue;
            any_issue = true;
            const Cycle ready = issue + p.syn_lat;
            const std::uint32_t valid = std::min(wpw, neurons - std::min(neurons, k * wpw));
            const Cycle start = std::max(ready, compute_free);
            compute_free = start + std::max<Cycle>(1, ceil_div(valid, p.lanes));
            word_pops.push_back(start);
        }
        load_free = row_words ? last_issue + 1 : axon_ready;
        busy_until = std::max({busy_until, compute_free, load_free});
    }
};

struct Pe {
    map::PeImage img;
    LoadCompute lc;
};

struct OracleFrame {
    Cycle cycles = 0;
    std::uint32_t steps = 0;
    std::vector<Cycle> step_cycles;                        // u0 of step s+1 (or frame end) minus u0 of step s
    std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>, Cycle> spike_cycle;  // (step, layer, neuron)
};

class Oracle {
  public:
    Oracle(const Params& p, const snn::Network& net, const map::MappedNetwork& m) : m_p(p), m_net(net), m_m(m) {
        for (const auto& img : m.pes) {
            Pe pe{img, LoadCompute{p}};
            pe.lc.wpw = p.synapse_word_bits / img.weight_bits;
            pe.lc.neurons = img.neurons;
            pe.lc.row_words = static_cast<std::uint32_t>(ceil_div(img.neurons, pe.lc.wpw));
            m_pes.push_back(pe);
        }
    }

    // One frame starting in cycle F; `spikes` = the reference's spikes, `steps` its step count.
    OracleFrame frame(Cycle F, const encode::SpikeTrain& in, std::vector<snn::SpikeEvent> spikes, std::uint32_t steps) {
        OracleFrame out;
        std::sort(spikes.begin(), spikes.end(), [](const snn::SpikeEvent& a, const snn::SpikeEvent& b) {
            return std::tie(a.step, a.layer, a.neuron) < std::tie(b.step, b.layer, b.neuron);
        });
        // Frame reset: R_pe state-word writes per PE; step 0 starts when the last is done.
        Cycle u0 = F;
        for (auto& pe : m_pes) {
            const Cycle r = ceil_div(std::max<std::uint32_t>(pe.img.neurons, 1), m_p.update_lanes);
            pe.lc.busy_until = std::max(pe.lc.busy_until, F + r);
            pe.lc.load_free = std::max(pe.lc.load_free, F + r);
            u0 = std::max(u0, F + r);
        }
        for (std::uint32_t s = 0; s < steps; ++s) {
            // Packets by source node, in the order they enter that node's NI.
            struct Pkt {
                Cycle enter;
                std::uint32_t flits;
                std::vector<std::uint32_t> dests;  // nodes
                bool to_host;
            };
            std::map<std::uint32_t, std::vector<Pkt>> by_src;
            std::vector<Cycle> pe_done(m_pes.size(), u0 + 1);
            // Update engines and STORE.
            for (std::size_t k = 0; k < m_pes.size(); ++k) {
                const auto& img = m_pes[k].img;
                const Cycle groups = ceil_div(img.neurons, m_p.update_lanes);
                const Cycle last_decision = u0 + m_p.state_lat + groups - 1;
                Cycle done = last_decision + 1;
                Cycle route_free = 0;
                bool any = false;
                const bool last_layer = img.layer + 1 == m_net.layers.size();
                for (const auto& sp : spikes) {
                    if (sp.step != s || sp.layer != img.layer || sp.neuron < img.first_neuron ||
                        sp.neuron >= img.first_neuron + img.neurons)
                        continue;
                    const std::uint32_t local = sp.neuron - img.first_neuron;
                    const Cycle decision = u0 + m_p.state_lat + local / m_p.update_lanes;
                    out.spike_cycle[{s, sp.layer, sp.neuron}] = decision;
                    const Cycle issue = any ? std::max(decision, route_free + 1) : decision;
                    route_free = issue;
                    any = true;
                    const Cycle enter = issue + m_p.route_lat;
                    done = std::max(done, enter + 1);
                    Pkt pk{enter, flits_of(m_p, last_layer ? 1 : 0), {}, last_layer};
                    pk.dests = last_layer ? std::vector<std::uint32_t>{m_m.host_node}
                                          : m_m.dest_sets[img.routes[local].dest_set];
                    by_src[img.node].push_back(pk);
                }
                pe_done[k] = done;
            }
            // Host: the step's inputs from u0 + 1, host_rate per cycle.
            Cycle host_done = u0;
            std::uint32_t i = 0;
            for (const auto& x : in) {
                if (x.step != s) continue;
                const Cycle enter = u0 + 1 + i / m_p.host_rate;
                ++i;
                host_done = enter + 1;
                by_src[m_m.host_node].push_back(
                    Pkt{enter, flits_of(m_p, 0), m_m.dest_sets[m_m.input_dest_set], false});
            }
            // NoC: each NI sends one packet at a time, one flit per cycle; zero-load otherwise.
            std::map<std::uint32_t, std::vector<Cycle>> arrivals;  // PE node -> event arrival cycles
            Cycle last_delivery = 0;
            for (auto& [src, pkts] : by_src) {
                std::stable_sort(pkts.begin(), pkts.end(), [](const Pkt& a, const Pkt& b) { return a.enter < b.enter; });
                Cycle next_send = 0;
                for (const auto& pk : pkts) {
                    const Cycle send = std::max(pk.enter + 1, next_send);
                    next_send = send + pk.flits;
                    for (auto d : pk.dests) {
                        const std::uint32_t hops = hop_count(src, d);
                        const Cycle deliver = send - 1 + zero_load(m_p, hops, pk.flits);
                        last_delivery = std::max(last_delivery, deliver);
                        if (!pk.to_host) arrivals[d].push_back(deliver);
                    }
                }
            }
            Cycle q = std::max(host_done, last_delivery + 1);
            for (std::size_t k = 0; k < m_pes.size(); ++k) {
                auto& pe = m_pes[k];
                auto& a = arrivals[pe.img.node];
                std::sort(a.begin(), a.end());
                for (Cycle c : a) pe.lc.event(c);
                q = std::max({q, pe_done[k], pe.lc.busy_until});
            }
            const Cycle next = q + m_p.barrier;
            out.step_cycles.push_back(next - u0);
            u0 = next;
        }
        out.steps = steps;
        out.cycles = u0 - F;
        return out;
    }

  private:
    std::uint32_t hop_count(std::uint32_t a, std::uint32_t b) const {
        const int ax = static_cast<int>(a % m_p.width), ay = static_cast<int>(a / m_p.width);
        const int bx = static_cast<int>(b % m_p.width), by = static_cast<int>(b / m_p.width);
        return static_cast<std::uint32_t>(std::abs(ax - bx) + std::abs(ay - by));
    }
    const Params& m_p;
    const snn::Network& m_net;
    const map::MappedNetwork& m_m;
    std::vector<Pe> m_pes;
};

snn::Network chain_network(std::mt19937_64& rng, std::uint32_t layers, std::uint32_t max_neurons, int timesteps,
                           bool first_spike) {
    snn::Network net;
    net.name = "oracle";
    std::uniform_int_distribution<int> n_in(1, 24), n_out(1, static_cast<int>(max_neurons));
    net.inputs = n_in(rng);
    net.timesteps = timesteps;
    net.encoding.steps = timesteps / 2;
    net.seed = rng();
    if (first_spike) net.decode = snn::Decode::first_spike;
    const snn::NeuronKind kinds[] = {snn::NeuronKind::if_, snn::NeuronKind::lif, snn::NeuronKind::cuba_lif,
                                     snn::NeuronKind::relpsp};
    const std::uint32_t bits[] = {4, 8, 16};
    int in = net.inputs;
    for (std::uint32_t l = 0; l < layers; ++l) {
        snn::Layer L;
        L.name = "fc" + std::to_string(l);
        L.in = in;
        L.out = l + 1 == layers ? std::max(2, n_out(rng) / 3) : n_out(rng);
        L.weight_bits = static_cast<int>(bits[rng() % 3]);
        L.neuron = snn::NeuronParams::defaults(kinds[rng() % 4]);
        const int wmax = (1 << (L.weight_bits - 1)) - 1;
        L.neuron.theta = std::max(1, wmax * 2);
        std::uniform_int_distribution<int> w(-wmax / 3, wmax);
        for (int k = 0; k < L.in * L.out; ++k) L.weights.push_back(w(rng));
        net.layers.push_back(L);
        in = L.out;
    }
    return net;
}

// A PE kind that is only clocked, as a Verilated RTL PE behind a thin transactor would be: it
// asks for a tick in every cycle until it is done (and after any input or control call), never
// for a cycle in the future. Inside it runs the `sram` kind, whose own tick requests it drops.
class PolledPe final : public pe::ProcessingElement, private pe::PeEnv {
  public:
    explicit PolledPe(const pe::PeContext& c)
        : m_env(c.env), m_inner(pe::PeContext{c.path, c.config, c.mapped, c.image, c.layer, c.noise_seed, c.stats, *this}) {}
    bool in_ready(Cycle now) override { return m_inner.in_ready(now); }
    void in_push(Cycle now, std::uint32_t axon, std::uint32_t step) override {
        m_inner.in_push(now, axon, step);
        m_env.request_tick(now + 1);
    }
    void frame_reset(std::uint64_t frame, Cycle now) override {
        m_inner.frame_reset(frame, now);
        m_env.request_tick(now);
    }
    void step_start(std::uint32_t step, Cycle now) override {
        m_inner.step_start(step, now);
        m_env.request_tick(now + 1);
    }
    bool done(Cycle now) const override { return m_inner.done(now); }
    void tick(Cycle now) override {
        m_inner.tick(now);
        if (!m_inner.done(now + 1)) m_env.request_tick(now + 1);
    }
    std::uint32_t node() const override { return m_inner.node(); }
    std::uint64_t synops() const override { return m_inner.synops(); }
    std::uint64_t busy_cycles() const override { return m_inner.busy_cycles(); }

  private:
    void request_tick(Cycle) override {}  // a clocked model has no future to announce
    std::uint32_t out_credits() const override { return m_env.out_credits(); }
    void out_reserve(std::uint32_t n) override { m_env.out_reserve(n); }
    void out_push(proto::SpikePacket&& p) override { m_env.out_push(std::move(p)); }
    void spike(const pe::EmittedSpike& s) override { m_env.spike(s); }
    pe::PeEnv& m_env;
    pe::SramPe m_inner;
};
const bool polled_registered = pe::PeRegistry::add(
    "sram_polled", "test only: the sram kind clocked every cycle while busy",
    [](const pe::PeContext& c) -> std::unique_ptr<pe::ProcessingElement> { return std::make_unique<PolledPe>(c); });

// Runs `frames` frames through the chip and the oracle; exact: every frame, step and spike
// cycle equal; otherwise the chip is never faster.
void run_case(std::uint64_t seed, bool contention, const std::string& kind = "sram") {
    std::mt19937_64 rng(seed);
    Params p;
    const std::uint32_t layers = 1 + static_cast<std::uint32_t>(rng() % 3);
    const std::uint32_t lane_choice[] = {1, 2, 4, 8};
    p.lanes = lane_choice[rng() % 4];
    p.update_lanes = 1 + static_cast<std::uint32_t>(rng() % 5);
    p.word_fifo_depth = 1 + static_cast<std::uint32_t>(rng() % 4);
    p.axon_lat = 1 + static_cast<std::uint32_t>(rng() % 3);
    p.syn_lat = 1 + static_cast<std::uint32_t>(rng() % 3);
    p.state_lat = 1 + static_cast<std::uint32_t>(rng() % 3);
    p.route_lat = 1 + static_cast<std::uint32_t>(rng() % 3);
    p.barrier = 1 + static_cast<std::uint32_t>(rng() % 6);
    p.host_rate = 1 + static_cast<std::uint32_t>(rng() % 3);
    // Router pipelines of 1-2 stages: with route computation as a stage of its own (3 and more),
    // back-to-back packets of one stream can queue behind each other in a VC for the head's RC
    // and VA cycles (docs/noc.md): a contention the model leaves out (the contended cases use 3).
    p.router_pipeline = contention ? 3 : 1 + static_cast<std::uint32_t>(rng() % 2);
    p.link_latency = 1 + static_cast<std::uint32_t>(rng() % 2);
    p.synapse_word_bits = rng() % 2 ? 64 : 32;
    p.flit_width = rng() % 3 ? 64 : 32;  // 32-bit flits: output spikes take two
    p.early_stop = rng() % 2;
    if (!contention) {
        // One PE per layer on a row, the host at the far end: the host's inputs travel west, the
        // layers' spikes east, the outputs east into the host; no two flows share a link or an
        // output port, and buffers and FIFOs never fill.
        p.width = layers + 1;
        p.height = 1;
        p.host_node = layers;
        p.neurons_per_pe = 64;
    } else {
        // Several groups per layer on a 3x2 mesh, the host among them, shallow buffers.
        p.width = 3;
        p.height = 2;
        p.host_node = 0;
        p.neurons_per_pe = 6;
        p.buffer_depth = 2;
        p.input_fifo_depth = 2;
        p.injection_depth = 8;
    }
    auto net = chain_network(rng, layers, contention ? 12 : 40, 8 + static_cast<int>(rng() % 8), p.early_stop);
    if (p.update_lanes > p.injection_depth) p.update_lanes = p.injection_depth;
    set_format(p, net);

    cfg::Config c;
    c.load_string(p.yaml() + "chip.pe.kind: " + kind + "\n", "oracle.yaml");
    stats::Registry stats;
    const auto mapped = map::map_network(net, map::capacity_from(c), map::mesh_from(c));
    chip::Chip chip("chip", c, net, mapped, stats, p.early_stop, net.seed);
    std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>, Cycle> chip_cycle;
    chip.set_spike_callback([&](const chip::ChipSpike& s) { chip_cycle[{s.step, s.layer, s.neuron}] = s.cycle; });
    snn::SimOptions opt;
    opt.early_stop = p.early_stop;
    snn::Reference ref(net, opt);
    Oracle oracle(p, net, mapped);

    INFO("seed " << seed << "\n" << p.yaml());
    Cycle F = 0;
    std::uint64_t spikes = 0, steps = 0;
    for (std::uint64_t f = 0; f < 8; ++f) {
        encode::SpikeTrain in;
        std::bernoulli_distribution b(0.3);
        for (std::uint32_t s = 0; s < net.encoding.steps; ++s)
            for (int i = 0; i < net.inputs; ++i)
                if (b(rng)) in.push_back({static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(i)});
        snn::VectorSink sink;
        const auto rr = ref.run(in, f, &sink);
        chip_cycle.clear();
        const auto cr = chip.run_frame(in, f);
        CHECK(cr.start_cycle >= F);  // a frame starts after the previous one's last barrier
        F = cr.start_cycle;
        const OracleFrame o = oracle.frame(F, in, sink.spikes, rr.steps);
        INFO("frame " << f << " starting in cycle " << F);
        REQUIRE(cr.steps == o.steps);
        spikes += sink.spikes.size();
        steps += o.steps;
        if (!contention) {
            CHECK(cr.cycles == o.cycles);
            REQUIRE(chip_cycle.size() == o.spike_cycle.size());
            for (const auto& [key, cyc] : o.spike_cycle) {
                INFO("spike step " << std::get<0>(key) << " layer " << std::get<1>(key) << " neuron " << std::get<2>(key));
                CHECK(chip_cycle.at(key) == cyc);
            }
        } else {
            CHECK(cr.cycles >= o.cycles);
        }
        F += cr.cycles;
    }
    CHECK(steps >= 8);
    CHECK(spikes > 0);  // the timing of spikes was exercised
}

}  // namespace

#define ORACLE_CASE(n)                                                                                          \
    TEST_CASE("frame oracle: chip cycles per spike, step and frame equal the independent model, seed " #n, \
              "[system]") {                                                                                   \
        run_case(n, false);                                                                                   \
    }
#define CONTENTION_CASE(n)                                                                                       \
    TEST_CASE("frame oracle: with contention the chip is never faster than the model, seed " #n, "[system]") { \
        run_case(n, true);                                                                                      \
    }

// The RTL PE (rtl/pe_core.sv, chip.pe.kind: rtl) against the same independent model: every
// spike's cycle and every frame's cycles (docs/rtl.md).
#define RTL_ORACLE_CASE(n)                                                                                        \
    TEST_CASE("frame oracle: RTL PEs give the independent model's cycles per spike, step and frame, seed " #n, \
              "[rtl]") {                                                                                         \
        run_case(n, false, "rtl");                                                                               \
    }
#define RTL_CONTENTION_CASE(n)                                                                                      \
    TEST_CASE("frame oracle: with contention RTL PEs are never faster than the model, seed " #n, "[rtl]") { \
        run_case(n, true, "rtl");                                                                                  \
    }

TEST_CASE("frame oracle: a PE kind that is only clocked (like an RTL PE) gives the same cycles, seed 7", "[system]") {
    run_case(7, false, "sram_polled");
}
TEST_CASE("frame oracle: a PE kind that is only clocked gives the same cycles under contention, seed 103",
          "[system]") {
    run_case(103, true, "sram_polled");
}
TEST_CASE("chip: an unknown PE kind is an error listing the registered kinds", "[unit]") {
    cfg::Config c;
    c.load_string("chip.pe.kind: nvm_future\n", "c.yaml");
    CHECK_THROWS_WITH(pe::PeConfig::from(c), Catch::Contains("nvm_future") && Catch::Contains("sram"));
}

ORACLE_CASE(1)
ORACLE_CASE(2)
ORACLE_CASE(3)
ORACLE_CASE(4)
ORACLE_CASE(5)
ORACLE_CASE(6)
ORACLE_CASE(7)
ORACLE_CASE(8)
ORACLE_CASE(9)
ORACLE_CASE(10)
ORACLE_CASE(11)
ORACLE_CASE(12)
ORACLE_CASE(13)
ORACLE_CASE(14)
ORACLE_CASE(15)
ORACLE_CASE(16)
ORACLE_CASE(17)
ORACLE_CASE(18)
ORACLE_CASE(19)
ORACLE_CASE(20)
ORACLE_CASE(21)
ORACLE_CASE(22)
CONTENTION_CASE(101)
CONTENTION_CASE(102)
CONTENTION_CASE(103)
CONTENTION_CASE(104)
CONTENTION_CASE(105)

RTL_ORACLE_CASE(1)
RTL_ORACLE_CASE(2)
RTL_ORACLE_CASE(3)
RTL_ORACLE_CASE(4)
RTL_ORACLE_CASE(5)
RTL_ORACLE_CASE(6)
RTL_ORACLE_CASE(7)
RTL_ORACLE_CASE(8)
RTL_ORACLE_CASE(9)
RTL_ORACLE_CASE(10)
RTL_ORACLE_CASE(11)
RTL_ORACLE_CASE(12)
RTL_ORACLE_CASE(13)
RTL_ORACLE_CASE(14)
RTL_ORACLE_CASE(15)
RTL_ORACLE_CASE(16)
RTL_ORACLE_CASE(17)
RTL_ORACLE_CASE(18)
RTL_ORACLE_CASE(19)
RTL_ORACLE_CASE(20)
RTL_ORACLE_CASE(21)
RTL_ORACLE_CASE(22)
RTL_CONTENTION_CASE(101)
RTL_CONTENTION_CASE(102)
RTL_CONTENTION_CASE(103)
RTL_CONTENTION_CASE(104)
RTL_CONTENTION_CASE(105)
