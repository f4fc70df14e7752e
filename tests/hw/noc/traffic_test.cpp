// Synthetic traffic: conservation under saturation for every pattern, saturation throughput of
// the 8x8 uniform case against the channel-load bound, reset independence of rate points.
#include <catch2/catch.hpp>

#include <memory>

#include "hw/noc/mesh.h"
#include "hw/noc/traffic.h"
#include "hw/sim/cycle_scheduler.h"
#include "sw/stats/stats.h"

using namespace spiketlm;

namespace {
noc::TrafficConfig short_traffic(noc::Pattern p) {
    noc::TrafficConfig t;
    t.pattern = p;
    t.packet_flits = 4;
    t.warmup_cycles = 200;
    t.measure_cycles = 1500;
    t.drain_cycles = 3000;
    t.seed = 7;
    return t;
}
}  // namespace

TEST_CASE("noc: every pattern delivers every packet exactly once and in order up to rate 1.0", "[system]") {
    sim::CycleScheduler sched("clk", sc_core::sc_time(1, sc_core::SC_NS));
    stats::Registry stats;
    struct Setup {
        std::unique_ptr<noc::Mesh> mesh;
        std::unique_ptr<noc::TrafficExperiment> exp;
        std::string label;
    };
    std::vector<Setup> setups;
    const noc::Pattern patterns[] = {noc::Pattern::Uniform, noc::Pattern::Transpose, noc::Pattern::BitComplement,
                                     noc::Pattern::Hotspot, noc::Pattern::Neighbor};
    int i = 0;
    for (const char* routing : {"xy", "yx", "west_first"})
        for (auto p : patterns) {
            noc::NocConfig cfg;
            cfg.width = cfg.height = 4;
            cfg.routing = routing;
            cfg.vcs = 2;
            cfg.buffer_depth = 4;
            cfg.watchdog_cycles = 2000;
            Setup s;
            s.mesh = std::make_unique<noc::Mesh>(("m" + std::to_string(i++)).c_str(), cfg, sched, stats);
            s.exp = std::make_unique<noc::TrafficExperiment>(*s.mesh, short_traffic(p));
            s.label = std::string(routing) + "/" + noc::pattern_name(p);
            setups.push_back(std::move(s));
        }
    // one VC: packets of one (source, destination) pair must also arrive in injection order
    for (const char* routing : {"xy", "yx"}) {
        noc::NocConfig cfg;
        cfg.width = cfg.height = 4;
        cfg.routing = routing;
        cfg.vcs = 1;
        cfg.buffer_depth = 3;
        cfg.watchdog_cycles = 2000;
        Setup s;
        s.mesh = std::make_unique<noc::Mesh>(("m" + std::to_string(i++)).c_str(), cfg, sched, stats);
        s.exp = std::make_unique<noc::TrafficExperiment>(*s.mesh, short_traffic(noc::Pattern::Uniform));
        s.label = std::string(routing) + "/uniform/1 VC";
        setups.push_back(std::move(s));
    }
    for (auto& s : setups)
        for (double rate : {0.2, 0.6, 1.0}) {
            INFO(s.label << " rate " << rate);
            const auto r = s.exp->run_point(rate);
            CHECK(r.accepted_rate > 0);
            CHECK(r.accepted_rate <= rate * 1.1 + 0.01);
            const auto c = s.exp->flush_and_check(2000000);
            CHECK(s.mesh->quiescent());
            CHECK(c.created > 0);
            CHECK(c.created == c.delivered);
            CHECK(c.duplicates == 0);
            CHECK(c.missing == 0);
            CHECK(c.out_of_order == 0);  // checked with one VC and xy / yx (per source, destination)
            CHECK(c.flits_sent == c.flits_received);
            CHECK(c.flits_sent == c.created * 4);  // no flit lost or duplicated
        }
}

TEST_CASE("noc: 8x8 uniform saturation throughput lies within 60-100 % of the 4/k bound", "[system][slow]") {
    sim::CycleScheduler sched("clk", sc_core::sc_time(1, sc_core::SC_NS));
    stats::Registry stats;
    noc::NocConfig cfg;
    cfg.width = cfg.height = 8;
    cfg.vcs = 2;
    cfg.buffer_depth = 8;
    cfg.routing = "xy";
    cfg.multicast = noc::Multicast::Source;  // unicast traffic; keeps the header within a 64-bit flit
    noc::Mesh mesh("noc", cfg, sched, stats);
    noc::TrafficConfig t = short_traffic(noc::Pattern::Uniform);
    t.warmup_cycles = 2000;
    t.measure_cycles = 8000;
    t.drain_cycles = 0;
    noc::TrafficExperiment exp(mesh, t);
    double sat = 0;
    double low_latency = 0;
    for (double rate : {0.05, 0.3, 0.4, 0.5, 0.7, 1.0}) {
        const auto r = exp.run_point(rate);
        sat = std::max(sat, r.accepted_rate);
        if (rate == 0.05) low_latency = r.latency_avg;
        // below saturation the network accepts what is offered
        if (rate <= 0.3) CHECK(r.accepted_rate == Approx(rate).epsilon(0.05));
    }
    const double bound = 4.0 / 8;
    WARN("8x8 uniform saturation throughput " << sat << " flits/node/cycle = " << 100 * sat / bound
                                             << " % of the bound 4/k = " << bound);
    CHECK(sat >= 0.6 * bound);
    CHECK(sat <= bound);
    // the last point (offered 1.0) left a large backlog: it still drains completely, in order
    const auto c = exp.flush_and_check(1000000);
    CHECK(mesh.quiescent());
    CHECK(c.created > 100000);
    CHECK(c.ok());
    // low load: about the zero-load latency with the mean uniform hop count 2(k^2-1)/(3k) = 5.25
    const double h = 2.0 * (64 - 1) / (3 * 8);
    CHECK(low_latency == Approx(static_cast<double>(noc::zero_load_latency(cfg, 0, 4)) + 2 * h).epsilon(0.1));
}

TEST_CASE("noc: a rate point gives the same result alone and after other points (reset between points)", "[system]") {
    sim::CycleScheduler sched("clk", sc_core::sc_time(1, sc_core::SC_NS));
    stats::Registry stats;
    noc::NocConfig cfg;
    cfg.width = cfg.height = 4;
    noc::Mesh mesh("noc", cfg, sched, stats);
    noc::TrafficExperiment exp(mesh, short_traffic(noc::Pattern::Uniform));
    const auto a = exp.run_point(0.3);
    exp.run_point(0.9);  // leaves a saturated network behind
    const auto b = exp.run_point(0.3);
    CHECK(a.accepted_rate == b.accepted_rate);
    CHECK(a.latency_avg == b.latency_avg);
    CHECK(a.latency_p99 == b.latency_p99);
    CHECK(a.hops_avg == b.hops_avg);
    CHECK(a.measured_packets == b.measured_packets);
}

TEST_CASE("noc: traffic patterns map sources to the documented destinations", "[unit]") {
    using noc::Pattern;
    // 4x4: node = y*4 + x
    CHECK(noc::pattern_destination(Pattern::Transpose, 1, 4, 4, {}, 0, 0, 0) == 4);   // (1,0) -> (0,1)
    CHECK(noc::pattern_destination(Pattern::Transpose, 6, 4, 4, {}, 0, 0, 0) == 9);   // (2,1) -> (1,2)
    CHECK(noc::pattern_destination(Pattern::BitComplement, 0, 4, 4, {}, 0, 0, 0) == 15);
    CHECK(noc::pattern_destination(Pattern::BitComplement, 6, 4, 4, {}, 0, 0, 0) == 9);  // ~0110 = 1001
    CHECK(noc::pattern_destination(Pattern::Neighbor, 3, 4, 4, {}, 0, 0, 0) == 0);
    CHECK(noc::pattern_destination(Pattern::Neighbor, 5, 4, 4, {}, 0, 0, 0) == 6);
    CHECK(noc::pattern_destination(Pattern::Hotspot, 5, 4, 4, {}, 0.3, 0.1, 0.9) == 10);  // centre (2,2)
    CHECK(noc::pattern_destination(Pattern::Hotspot, 5, 4, 4, {3, 12}, 0.3, 0.1, 0.9) == 12);
    CHECK(noc::pattern_destination(Pattern::Hotspot, 5, 4, 4, {3, 12}, 0.3, 0.5, 0.5) == 8);  // uniform part
    CHECK(noc::pattern_destination(Pattern::Uniform, 5, 4, 4, {}, 0, 0, 0.999) == 15);
}
