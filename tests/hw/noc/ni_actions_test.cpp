// NI energy actions (class `ni`) on hand-counted cases: a 3-flit unicast, a 2-flit multicast to
// three nodes with tree and with source replication, and a refused offer (not a packet_out).
#include <catch2/catch.hpp>

#include <memory>

#include "hw/noc/mesh.h"
#include "hw/sim/cycle_scheduler.h"
#include "sw/stats/stats.h"

using namespace spiketlm;

namespace {
std::uint64_t count(const stats::Registry& s, const std::string& ni, const char* action) {
    const stats::Counter* c = s.find_counter(ni + "." + action);
    REQUIRE(c != nullptr);
    return c->value();
}
}  // namespace

TEST_CASE("noc: NI actions packet_in, flit_out, flit_in, packet_out are counted per packet and flit", "[system]") {
    sim::CycleScheduler sched("clk", sc_core::sc_time(1, sc_core::SC_NS));
    stats::Registry stats;
    noc::NocConfig cfg;
    cfg.width = cfg.height = 3;
    noc::NocConfig src_cfg = cfg;
    src_cfg.multicast = noc::Multicast::Source;
    noc::Mesh tree("tree", cfg, sched, stats);
    noc::Mesh source("source", src_cfg, sched, stats);
    REQUIRE(stats.find_component("tree.ni_0_0") != nullptr);
    CHECK(stats.find_component("tree.ni_0_0")->cls == "ni");

    // node 8 refuses its first offer, then takes everything after resume_ejection()
    int offers = 0;
    for (noc::Mesh* m : {&tree, &source})
        m->ni(8).set_eject_handler([&offers](const noc::Delivery&) { return ++offers > 1; });

    for (noc::Mesh* m : {&tree, &source}) {
        proto::SpikePacket uni;
        uni.src = 0;
        uni.dst = 8;
        uni.flits = 3;
        REQUIRE(m->ni(0).inject(uni));
        proto::SpikePacket multi;
        multi.src = 4;
        multi.dests = {0, 2, 6};
        multi.flits = 2;
        REQUIRE(m->ni(4).inject(multi));
    }
    sched.run_until(sched.now() + 200);
    CHECK(offers == 2);  // tree mesh: refused once, then blocked until resume; source mesh: one offer taken
    for (noc::Mesh* m : {&tree, &source}) m->ni(8).resume_ejection();
    sched.run_while_busy(sched.now() + 1000);
    REQUIRE(tree.quiescent());
    REQUIRE(source.quiescent());

    for (const char* mesh : {"tree", "source"}) {
        INFO(mesh);
        const std::string m = mesh;
        const std::uint64_t copies = m == "source" ? 3 : 1;  // flits leave node 4 once per copy
        // node 0: injects the unicast (3 flits) and receives one multicast copy (2 flits)
        CHECK(count(stats, m + ".ni_0_0", "packet_in") == 1);
        CHECK(count(stats, m + ".ni_0_0", "flit_out") == 3);
        CHECK(count(stats, m + ".ni_0_0", "flit_in") == 2);
        CHECK(count(stats, m + ".ni_0_0", "packet_out") == 1);
        // node 4 (1, 1): injects the multicast
        CHECK(count(stats, m + ".ni_1_1", "packet_in") == 1);
        CHECK(count(stats, m + ".ni_1_1", "flit_out") == 2 * copies);
        CHECK(count(stats, m + ".ni_1_1", "flit_in") == 0);
        CHECK(count(stats, m + ".ni_1_1", "packet_out") == 0);
        // nodes 2 (2, 0) and 6 (0, 2): one copy each
        for (const char* n : {".ni_2_0", ".ni_0_2"}) {
            CHECK(count(stats, m + n, "packet_in") == 0);
            CHECK(count(stats, m + n, "flit_out") == 0);
            CHECK(count(stats, m + n, "flit_in") == 2);
            CHECK(count(stats, m + n, "packet_out") == 1);
        }
        // node 8 (2, 2): the unicast, refused once in the tree mesh: still one packet_out
        CHECK(count(stats, m + ".ni_2_2", "flit_in") == 3);
        CHECK(count(stats, m + ".ni_2_2", "packet_out") == 1);
        // nobody else did anything
        CHECK(count(stats, m + ".ni_1_0", "flit_in") + count(stats, m + ".ni_1_0", "flit_out") == 0);
    }
    CHECK(stats.total("ni.packet_in") == 4);
    CHECK(stats.total("ni.packet_out") == 2 * 4);
}
