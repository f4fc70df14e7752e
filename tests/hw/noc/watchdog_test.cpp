// Deadlock-prone configurations end in a watchdog error with a dump, never in a hang; a
// routing function that leaves the mesh is an error naming it.
#include <catch2/catch.hpp>

#include "hw/noc/mesh.h"
#include "hw/noc/routing.h"
#include "hw/sim/cycle_scheduler.h"
#include "sw/stats/stats.h"

using namespace spiketlm;

namespace {
// Deliberately broken: every packet circles the 2x2 ring clockwise (east, south, west, north),
// so wormhole packets longer than the buffers hold one link and wait for the next: a cycle.
noc::RouteChoice route_clockwise(const noc::RouteQuery& q) {
    noc::RouteChoice r;
    if (q.y == 0) r.add(q.x == 0 ? noc::kEast : noc::kSouth);
    else r.add(q.x == 1 ? noc::kWest : noc::kNorth);
    return r;
}
noc::RouteChoice route_north(const noc::RouteQuery&) {
    noc::RouteChoice r;
    r.add(noc::kNorth);
    return r;
}
const bool reg1 = noc::RoutingRegistry::add("test_clockwise", &route_clockwise, "test only: deadlocks");
const bool reg2 = noc::RoutingRegistry::add("test_north", &route_north, "test only: leaves the mesh");
}  // namespace

TEST_CASE("noc: a deadlocking routing function trips the watchdog with a dump of the blocked buffers", "[system]") {
    sim::CycleScheduler sched("clk", sc_core::sc_time(1, sc_core::SC_NS));
    stats::Registry stats;
    noc::NocConfig cfg;
    cfg.width = cfg.height = 2;
    cfg.routing = "test_clockwise";
    cfg.vcs = 1;
    cfg.buffer_depth = 2;
    cfg.watchdog_cycles = 500;
    noc::Mesh mesh("noc", cfg, sched, stats);
    // each node sends long packets to the diagonally opposite node (two hops around the ring)
    for (proto::NodeId s = 0; s < 4; ++s)
        for (int i = 0; i < 8; ++i) {
            proto::SpikePacket p;
            p.src = s;
            p.dst = 3 - s;
            p.flits = 8;
            REQUIRE(mesh.ni(s).inject(p));
        }
    std::string msg;
    try {
        sched.run_until(1000000);
    } catch (const noc::NocDeadlock& e) {
        msg = e.what();
    }
    REQUIRE_FALSE(msg.empty());
    CHECK(sched.now() < 5000);  // caught within a few watchdog periods, not at the run limit
    CHECK_THAT(msg, Catch::Contains("no flit ejected for 500 cycles"));
    CHECK_THAT(msg, Catch::Contains("packets in flight"));
    CHECK_THAT(msg, Catch::Contains("noc.router_"));
    CHECK_THAT(msg, Catch::Contains("credits 0"));
    CHECK_FALSE(mesh.quiescent());
}

TEST_CASE("noc: a routing function that leaves the mesh is an error naming it", "[system]") {
    sim::CycleScheduler sched("clk", sc_core::sc_time(1, sc_core::SC_NS));
    stats::Registry stats;
    noc::NocConfig cfg;
    cfg.width = cfg.height = 2;
    cfg.routing = "test_north";
    noc::Mesh mesh("noc", cfg, sched, stats);
    proto::SpikePacket p;
    p.src = 0;
    p.dst = 3;
    REQUIRE(mesh.ni(0).inject(p));
    CHECK_THROWS_WITH(sched.run_until(100), Catch::Contains("routing function 'test_north'") &&
                                                Catch::Contains("noc.router_0_0") && Catch::Contains("off the mesh"));
}

TEST_CASE("noc: unknown routing function and bad parameters are input errors naming the key", "[unit]") {
    noc::NocConfig cfg;
    cfg.routing = "nope";
    CHECK_THROWS_AS(cfg.validate(), InputError);
    CHECK_THROWS_WITH(cfg.validate(), Catch::Contains("chip.noc.routing") && Catch::Contains("xy"));
    cfg.routing = "xy";
    cfg.router_pipeline = 9;
    CHECK_THROWS_WITH(cfg.validate(), Catch::Contains("chip.noc.router_pipeline"));
    cfg.router_pipeline = 4;
    cfg.explicit_stages = true;
    cfg.sa_cycles = 0;
    CHECK_THROWS_WITH(cfg.validate(), Catch::Contains("chip.noc.sa_cycles"));
    cfg.sa_cycles = 1;
    cfg.router = "nope";
    CHECK_THROWS_AS(cfg.validate(), InputError);
    CHECK_THROWS_WITH(cfg.validate(), Catch::Contains("chip.noc.router") && Catch::Contains("iq_wormhole"));
}
