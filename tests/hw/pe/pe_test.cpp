// PE timing against hand-computed pipeline formulas (docs/pe.md), FIFO back-pressure and bank
// conflicts. The PE core is plain C++ driven by its tile; here the test drives it directly.
#include <catch2/catch.hpp>

#include "hw/pe/sram/sram_pe.h"
#include "sw/map/mapper.h"
#include "sw/snn/network.h"
#include "sw/stats/stats.h"

using namespace spiketlm;

namespace {

// The PE's environment on a test bench: unlimited injection slots (unless set), pushed packets
// and requested ticks recorded.
struct BenchEnv final : pe::PeEnv {
    std::uint32_t credits = 1000;
    std::vector<proto::SpikePacket> pushed;
    std::vector<proto::Cycle> ticks;
    void request_tick(proto::Cycle at) override { ticks.push_back(at); }
    std::uint32_t out_credits() const override { return credits; }
    void out_reserve(std::uint32_t n) override { credits -= n; }
    void out_push(proto::SpikePacket&& p) override { pushed.push_back(std::move(p)); }
    void spike(const pe::EmittedSpike&) override {}
};

// One layer, 4 inputs -> 20 neurons on one PE: 8 weights per 64-bit word, so 3 words per axon
// row holding 8, 8 and 4 weights.
struct OnePe {
    snn::Network net;
    map::MappedNetwork mapped;
    pe::PeConfig cfg;
    stats::Registry stats;
    BenchEnv env;
    std::unique_ptr<pe::SramPe> pe;

    explicit OnePe(const pe::PeConfig& c, std::int32_t bias = 0, std::int32_t theta = 1000) : cfg(c) {
        net.name = "one";
        net.inputs = 4;
        net.timesteps = 8;
        net.encoding.steps = 4;
        snn::Layer l;
        l.name = "fc";
        l.in = 4;
        l.out = 20;
        l.neuron = snn::NeuronParams::defaults(snn::NeuronKind::if_);
        l.neuron.theta = theta;
        l.neuron.bias = bias;
        for (int k = 0; k < 80; ++k) l.weights.push_back((k % 7) - 2);
        net.layers.push_back(l);
        map::PeCapacity cap;
        mapped = map::map_network(net, cap, map::MeshShape{2, 1, 0});
        cfg.capacity.acc_slots = 4;
        pe = std::make_unique<pe::SramPe>(pe::PeContext{"pe", cfg, mapped, mapped.pes.at(0), net.layers[0], 1, stats, env});
        pe->frame_reset(0, 0);
    }
    std::uint64_t counter(const std::string& n) const { return stats.find_counter(n)->value(); }
};

pe::PeConfig base_config() {
    pe::PeConfig c;
    c.lanes = 8;
    c.update_lanes = 4;
    c.input_fifo_depth = 16;
    c.word_fifo_depth = 4;
    c.synapse.words = 8192;
    c.synapse.energy_class = "sram_synapse";
    c.axon.words = 1024;
    c.state.words = 256;
    c.route.words = 256;
    return c;
}

}  // namespace

TEST_CASE("pe: LOAD-bound events cost axon latency + row words each (hand-computed)", "[unit]") {
    OnePe t(base_config());
    // Event a arrives at cycle 10: pop 11, axon data 12, words issued 12,13,14 (ready 13,14,15),
    // COMPUTE one cycle per word (8 lanes): last word done at 16. Next event pops at 15.
    t.pe->in_push(10, 0, 0);
    CHECK(t.pe->busy_until() == 16);
    t.pe->in_push(10, 1, 0);
    // second event: pop 15, axon 16, words 16,17,18 -> ready 17,18,19 -> done 20
    CHECK(t.pe->busy_until() == 20);
    // E back-to-back events: a + 1 + E * (La + W) + Ls = 10 + 1 + E * 4 + 1
    for (int e = 2; e < 10; ++e) t.pe->in_push(10, static_cast<std::uint32_t>(e % 4), 0);
    CHECK(t.pe->busy_until() == 10 + 1 + 10 * 4 + 1);
    CHECK(t.counter("pe.synops") == 10 * 20);
    CHECK(t.counter("pe.synapse_words") == 10 * 3);
}

TEST_CASE("pe: COMPUTE-bound events cost sum of ceil(valid weights / lanes) per row", "[unit]") {
    auto c = base_config();
    c.lanes = 4;  // words of 8, 8, 4 weights take 2 + 2 + 1 cycles
    OnePe t(c);
    t.pe->in_push(10, 0, 0);
    // ready 13, 14, 15; compute 13-14, 15-16, 17 -> done 18
    CHECK(t.pe->busy_until() == 18);
    t.pe->in_push(10, 1, 0);
    // LOAD: pop 15, words ready 17, 18, 19; COMPUTE continues back to back: 18-19, 20-21, 22 -> 23
    CHECK(t.pe->busy_until() == 23);
    for (int e = 2; e < 10; ++e) t.pe->in_push(10, 2, 0);
    CHECK(t.pe->busy_until() == 13 + 10 * 5);  // first word ready + E * 5
}

TEST_CASE("pe: a word FIFO of depth 1 throttles LOAD to COMPUTE's pace", "[unit]") {
    auto c = base_config();
    c.lanes = 2;  // 4 + 4 + 2 cycles per row
    c.word_fifo_depth = 1;
    OnePe t(c);
    t.pe->in_push(10, 0, 0);
    // word0 issue 12 ready 13 compute 13-16; word1 may issue only after word0 popped (13) -> 14,
    // ready 15, compute 17-20; word2 issue after 17 -> 18, ready 19, compute 21-22 -> done 23
    CHECK(t.pe->busy_until() == 23);
}

TEST_CASE("pe: bank conflicts cost one cycle per colliding word and are counted", "[unit]") {
    auto c = base_config();
    c.load_words_per_cycle = 2;
    c.synapse.banks = 1;
    OnePe one_bank(c);
    one_bank.pe->in_push(10, 0, 0);
    // two reads per cycle wanted, one port: words issue 12, 13, 14 (two conflicts)
    CHECK(one_bank.pe->busy_until() == 16);
    CHECK(one_bank.counter("pe.synapse_sram.bank_conflicts") == 2);

    c.synapse.banks = 2;
    OnePe two_banks(c);
    two_banks.pe->in_push(10, 0, 0);
    // words 0 and 1 issue together at 12 (banks 0 and 1), word 2 at 13: ready 13, 13, 14;
    // COMPUTE 13, 14, 15 -> done 16 (compute-limited), no conflicts
    CHECK(two_banks.pe->busy_until() == 16);
    CHECK(two_banks.counter("pe.synapse_sram.bank_conflicts") == 0);
    // with 2 lanes per word pair... the LOAD side is 1 cycle shorter per event
    for (int e = 0; e < 8; ++e) {
        one_bank.pe->in_push(10, 1, 0);
        two_banks.pe->in_push(10, 1, 0);
    }
    CHECK(one_bank.pe->busy_until() - two_banks.pe->busy_until() == 8);
}

TEST_CASE("pe: a full input FIFO refuses events until LOAD pops one", "[unit]") {
    auto c = base_config();
    c.input_fifo_depth = 2;
    OnePe t(c);
    // Two events arrive in cycle 10: LOAD pops them in 11 and 15 (axon latency + 3 words each).
    CHECK(t.pe->in_ready(10));
    t.pe->in_push(10, 0, 0);
    CHECK(t.pe->in_ready(10));
    t.pe->in_push(10, 1, 0);
    CHECK_FALSE(t.pe->in_ready(10));
    CHECK_FALSE(t.pe->in_ready(11));  // a slot is occupied through its pop cycle
    CHECK(t.pe->next_slot_free(10) == 12);
    CHECK(t.pe->in_ready(12));
    t.pe->in_push(12, 2, 0);
    CHECK_FALSE(t.pe->in_ready(12));
    CHECK(t.pe->next_slot_free(12) == 16);  // the second event pops in 15
}

TEST_CASE("pe: LOAD and COMPUTE run during the update (no shared port)", "[unit]") {
    OnePe t(base_config());
    t.pe->step_start(0, 10);
    t.pe->in_push(10, 0, 0);
    CHECK(t.pe->busy_until() == 16);  // as without an update: pop 11, words 12..14, done 16
    proto::Cycle cyc = 11;
    for (; t.pe->updating(); ++cyc) t.pe->tick(cyc);
    CHECK(cyc == 16);  // five groups of four neurons, 11..15
    CHECK(t.pe->done(16));
    CHECK_FALSE(t.pe->done(15));
}

TEST_CASE("pe: an update group stalls while the NI has fewer free slots than its spikes, counted", "[unit]") {
    OnePe t(base_config(), /*bias=*/5, /*theta=*/1);  // every neuron fires in step 0
    t.env.credits = 3;                                 // group 0 fires 4 spikes
    t.pe->step_start(0, 10);
    t.pe->tick(11);
    t.pe->tick(12);
    CHECK(t.counter("pe.injection_stall_cycles") == 2);
    CHECK(t.env.credits == 3);  // nothing claimed
    t.env.credits = 100;
    proto::Cycle c = 13;
    for (; t.pe->updating(); ++c) t.pe->tick(c);
    CHECK(c == 13 + 5);  // five groups from cycle 13 on: the two stalled cycles are lost
    CHECK(t.counter("pe.injection_stall_cycles") == 2);
    CHECK(t.env.credits == 100 - 20);
}

TEST_CASE("pe: spikes wait for the routing SRAM port and its latency", "[unit]") {
    for (std::uint32_t ports : {1u, 2u}) {
        auto cfg = base_config();
        cfg.route.ports_per_bank = ports;
        cfg.route.read_latency_cycles = 2;
        OnePe t(cfg, 5, 1);
        t.pe->step_start(0, 10);
        // Group decisions in 11..15 (4 spikes each, 20 in all); routing reads in neuron order,
        // `ports` per cycle from cycle 11 on, data 2 cycles later: packet j enters the NI in
        // cycle 11 + floor(j / ports) + 2.
        std::vector<proto::Cycle> push_cycle;
        proto::Cycle done_at = proto::kNever;
        for (proto::Cycle c = 11; c < 60; ++c) {
            const std::size_t before = t.env.pushed.size();
            t.pe->tick(c);
            for (std::size_t k = before; k < t.env.pushed.size(); ++k) push_cycle.push_back(c);
            if (done_at == proto::kNever && t.pe->done(c + 1)) done_at = c + 1;
        }
        REQUIRE(push_cycle.size() == 20);
        for (std::uint32_t j = 0; j < 20; ++j) CHECK(push_cycle[j] == 11 + j / ports + 2);
        for (std::uint32_t j = 0; j < 20; ++j) CHECK(t.env.pushed[j].src_neuron == j);
        CHECK(done_at == push_cycle.back() + 1);  // done once every spike is in the NI
    }
}
