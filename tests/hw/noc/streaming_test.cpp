// Streaming rate through the credit loops: one source streams one long packet to its neighbour
// with shallow buffers; in steady state the destination receives exactly buffer_depth flits per
// credit round trip of the slowest loop. Round trips by hand from docs/noc.md (cycles from a
// credit being taken by a sender to the same credit being usable by it again):
//   router -> router link:  sa + st (grant to channel) + L (flit) + sa (downstream grant to
//                           buffer read, its switch grant in the arrival cycle) + L (credit)
//                           = 2 sa + st + 2 L
//   NI -> router injection: 1 (flit) + sa + 2 (NI credit) = sa + 3
//   router -> NI ejection:  sa + st + 1 (flit) + 2 (NI credit) = sa + st + 3
// One cycle more on any credit path makes the rate lower, so this test fails then.
#include <catch2/catch.hpp>

#include <memory>

#include "hw/noc/mesh.h"
#include "hw/sim/cycle_scheduler.h"
#include "sw/stats/stats.h"

using namespace spiketlm;

namespace {
struct Stream {
    std::uint32_t depth, link, rc, va, sa, st;
    std::uint32_t flits_per_period, period;  // by hand, see the header
};
}  // namespace

TEST_CASE("noc: a single stream's flit rate equals buffer_depth / credit round trip, exactly", "[system]") {
    sim::CycleScheduler sched("clk", sc_core::sc_time(1, sc_core::SC_NS));
    stats::Registry stats;
    const std::vector<Stream> cases = {
        // link loop 2*1 + 1 + 2*2 = 7 dominates (injection 4, ejection 5): 3 flits per 7 cycles
        {3, 2, 1, 1, 1, 1, 3, 7},
        // BookSim stages, L = 1: link 5, injection 4, ejection 5: 2 flits per 5 cycles
        {2, 1, 1, 1, 1, 1, 2, 5},
        // the default router (router_pipeline 1 = sa 1): link 4, injection 4, ejection 4
        {2, 1, 0, 0, 1, 0, 2, 4},
        // sa = 2, st = 0, L = 1: link 6, injection 5, ejection 5: 4 flits per 6 cycles
        {4, 1, 0, 0, 2, 0, 4, 6},
        // buffers deeper than every loop: one flit per cycle
        {6, 1, 1, 1, 1, 1, 1, 1},
    };
    std::vector<std::unique_ptr<noc::Mesh>> meshes;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const Stream& c = cases[i];
        noc::NocConfig cfg;
        cfg.width = 2;
        cfg.height = 1;
        cfg.vcs = 1;
        cfg.buffer_depth = c.depth;
        cfg.link_latency = c.link;
        cfg.explicit_stages = true;
        cfg.rc_cycles = c.rc;
        cfg.va_cycles = c.va;
        cfg.sa_cycles = c.sa;
        cfg.st_cycles = c.st;
        meshes.push_back(std::make_unique<noc::Mesh>(("m" + std::to_string(i)).c_str(), cfg, sched, stats));
    }
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const Stream& c = cases[i];
        noc::Mesh& mesh = *meshes[i];
        INFO("case " << i << ": depth " << c.depth << " L " << c.link << " stages " << c.rc << c.va << c.sa << c.st);
        proto::SpikePacket p;
        p.src = 0;
        p.dst = 1;
        p.flits = 3000;
        REQUIRE(mesh.ni(0).inject(p));
        const proto::Cycle t0 = sched.now() + 200;  // past the head's pipeline fill
        sched.run_until(t0);
        const auto f0 = mesh.ni(1).flits_received();
        const std::uint32_t periods = 60;
        sched.run_until(t0 + std::uint64_t{periods} * c.period);
        const auto f1 = mesh.ni(1).flits_received();
        CHECK(f1 - f0 == std::uint64_t{periods} * c.flits_per_period);
        // and the pattern is the same in every period (no drift)
        sched.run_until(sched.now() + c.period);
        CHECK(mesh.ni(1).flits_received() - f1 == c.flits_per_period);
        sched.run_while_busy(sched.now() + 20000);
        CHECK(mesh.quiescent());
    }
}
