// Zero-load latency: one packet at a time through an otherwise empty mesh must take exactly
// (H+1)*P + H*L + (F-1) + 3 cycles (docs/noc.md), for every source/destination pair, where P is
// the head flit's router latency: router_pipeline, or rc + va + sa + st with explicit stages.
#include <catch2/catch.hpp>

#include <memory>
#include <optional>

#include "hw/noc/mesh.h"
#include "hw/sim/cycle_scheduler.h"
#include "sw/stats/stats.h"

using namespace spiketlm;

namespace {

struct Case {
    std::uint32_t k;
    std::string routing;
    std::uint32_t pipeline, link, flits;
    int rc = -1, va = -1, sa = -1, st = -1;  // explicit stages when rc >= 0
    std::uint32_t head_cycles() const {
        return rc >= 0 ? static_cast<std::uint32_t>(rc + va + sa + st) : pipeline;
    }
};

struct Bench {
    noc::NocConfig cfg;
    std::unique_ptr<noc::Mesh> mesh;
    std::optional<noc::Delivery> last;
    std::uint64_t deliveries = 0;
    std::uint64_t expect_latency_sum = 0, expect_hops_sum = 0;  // the formula's, over all pairs
    std::uint32_t flits;
    std::uint16_t hops = 0;
    proto::Cycle injected = 0, delivered = 0;
};

}  // namespace

// All configurations are elaborated together (one elaboration per process) on one scheduler and
// exercised one after the other.
TEST_CASE("noc: zero-load latency equals the formula for every pair on 4x4 and 8x8, xy and yx", "[system]") {
    sim::CycleScheduler sched("clk", sc_core::sc_time(1, sc_core::SC_NS));
    stats::Registry stats;
    std::vector<Case> cases;
    for (std::uint32_t k : {4u, 8u})
        for (const char* r : {"xy", "yx"}) {
            cases.push_back({k, r, 1, 1, 4});
            cases.push_back({k, r, 3, 2, 1});
            cases.push_back({k, r, 5, 5, 6});
        }
    cases.push_back({4, "west_first", 2, 1, 3});  // adaptive, but alone in the network: minimal
    // explicit stages (router_pipeline ignored): BookSim's 4 stages, and uneven ones
    cases.push_back({8, "xy", 0, 1, 4, 1, 1, 1, 1});
    cases.push_back({4, "yx", 0, 2, 3, 2, 0, 1, 3});
    cases.push_back({4, "xy", 0, 1, 5, 0, 2, 3, 0});
    std::vector<std::unique_ptr<Bench>> benches;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        auto b = std::make_unique<Bench>();
        b->cfg.width = b->cfg.height = cases[i].k;
        b->cfg.routing = cases[i].routing;
        // unicast only; an 8x8 tree-multicast header (64-bit node bitmask) would not fit 64-bit flits
        b->cfg.multicast = noc::Multicast::Source;
        if (cases[i].rc >= 0) {
            b->cfg.explicit_stages = true;
            b->cfg.rc_cycles = static_cast<std::uint32_t>(cases[i].rc);
            b->cfg.va_cycles = static_cast<std::uint32_t>(cases[i].va);
            b->cfg.sa_cycles = static_cast<std::uint32_t>(cases[i].sa);
            b->cfg.st_cycles = static_cast<std::uint32_t>(cases[i].st);
        } else {
            b->cfg.router_pipeline = cases[i].pipeline;
        }
        b->cfg.link_latency = cases[i].link;
        b->cfg.vcs = 2;
        b->cfg.buffer_depth = std::max(4u, cases[i].flits);  // every flit of a packet has a credit from the start
        b->flits = cases[i].flits;
        b->mesh = std::make_unique<noc::Mesh>(("mesh" + std::to_string(i)).c_str(), b->cfg, sched, stats);
        Bench* bp = b.get();
        for (proto::NodeId n = 0; n < b->mesh->nodes(); ++n)
            b->mesh->ni(n).set_eject_handler([bp](const noc::Delivery& d) {
                ++bp->deliveries;
                bp->hops = d.hops;
                bp->injected = d.injected;
                bp->delivered = d.now;
                CHECK(d.packet.dst == d.node);
                return true;
            });
        benches.push_back(std::move(b));
    }

    std::uint64_t checked = 0, mismatches = 0;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        Bench& b = *benches[i];
        for (proto::NodeId s = 0; s < b.mesh->nodes(); ++s)
            for (proto::NodeId d = 0; d < b.mesh->nodes(); ++d) {
                proto::SpikePacket p;
                p.src = s;
                p.dst = d;
                p.flits = static_cast<std::uint16_t>(b.flits);
                const auto before = b.deliveries;
                REQUIRE(b.mesh->ni(s).inject(p));
                sched.run_while_busy(sched.now() + 1000);
                REQUIRE(b.deliveries == before + 1);
                REQUIRE(b.mesh->quiescent());
                const std::uint32_t h = b.mesh->distance(s, d);
                const auto expect = noc::zero_load_latency(b.cfg, h, b.flits);
                const auto expect_formula = std::uint64_t{h + 1} * cases[i].head_cycles() +
                                            std::uint64_t{h} * cases[i].link + (b.flits - 1) + 3;
                REQUIRE(expect == expect_formula);
                b.expect_latency_sum += expect;
                b.expect_hops_sum += h;
                ++checked;
                if (b.delivered - b.injected != expect || b.hops != h) {
                    ++mismatches;
                    if (mismatches < 5)
                        FAIL_CHECK("case " << i << " (" << cases[i].k << "x" << cases[i].k << " " << cases[i].routing
                                           << " P=" << cases[i].head_cycles() << " L=" << cases[i].link << " F=" << b.flits
                                           << ") " << s << "->" << d << ": latency " << b.delivered - b.injected
                                           << " expected " << expect << ", hops " << b.hops << " expected " << h);
                }
            }
    }
    CHECK(mismatches == 0);
    // The NoC's own statistics (what the run report prints) count the same latencies and hops.
    for (const auto& b : benches) {
        const auto t = b->mesh->totals();
        CHECK(t.latency_sum_cycles == b->expect_latency_sum);
        CHECK(t.hops_sum == b->expect_hops_sum);
        CHECK(t.deliveries == b->deliveries);
    }
    CHECK(checked == 6 * (16 * 16) + 6 * (64 * 64) + 16 * 16 + 64 * 64 + 2 * (16 * 16));
}

TEST_CASE("noc: packetization from payload words and link width, and idle cycles cost no evaluations", "[system]") {
    sim::CycleScheduler sched("clk", sc_core::sc_time(2, sc_core::SC_NS));
    stats::Registry stats;
    noc::NocConfig cfg;
    cfg.width = 3;
    cfg.height = 2;
    cfg.flit_width_bits = 64;
    noc::Mesh mesh("noc", cfg, sched, stats);
    proto::Cycle lat = 0;
    std::uint16_t flits = 0;
    mesh.ni(5).set_eject_handler([&](const noc::Delivery& d) {
        lat = d.now - d.injected;
        flits = d.flits;
        return true;
    });
    // 3x2 mesh, tree multicast: header 2 + 1 + 6 (node bitmask) + 3 (source) + 16 + 16 = 44 bits;
    // + 5 payload words * 32 = 204 bits = 4 flits of 64 bits
    CHECK(mesh.format().header_bits() == 44);
    proto::SpikePacket p;
    p.src = 0;
    p.dst = 5;
    p.payload = {1, 2, 3, 4, 5};
    sched.run_until(1000);  // nothing in flight: no evaluation at all
    CHECK(sched.evaluations() == 0);
    CHECK(sc_core::sc_time_stamp() == sc_core::sc_time(2000, sc_core::SC_NS));
    REQUIRE(mesh.ni(0).inject(p));
    CHECK(mesh.packets_in_flight() == 1);
    CHECK_FALSE(mesh.quiescent());
    sched.run_while_busy(5000);
    CHECK(mesh.quiescent());
    CHECK(flits == 4);
    CHECK(lat == noc::zero_load_latency(cfg, 3, 4));
    // After delivery nothing runs: a long idle stretch costs no evaluations.
    const auto ev = sched.evaluations();
    sched.run_until(sched.now() + 1000000);
    CHECK(sched.evaluations() == ev);
    const auto& f = mesh.format();
    CHECK(f.flits(0) == 1);   // 44 bits
    CHECK(f.flits(0) == 1);
    CHECK(f.flits(1) == 2);   // 76 bits
    CHECK(f.flits(2) == 2);   // 108 bits
    CHECK(f.flits(3) == 3);   // 140 bits
}
