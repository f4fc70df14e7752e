// Against BookSim2: the reference file configs/noc/reference/booksim2-mesh8x8-2vc4.csv holds
// BookSim2's measured curve (its header says how BookSim2 was run); this test builds the same
// network from configs/noc/booksim-mesh8x8-2vc4.yaml and checks the acceptance line on
// a few points: latency within 5 % at loads up to 0.275 (about 90 % of saturation) and the
// saturation throughput within 3 %. Means over seeds 1-3, as the reference.
// The whole table: docs/noc.md ("Against BookSim2").
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>

#include "common/test_util.h"
#include "hw/noc/mesh.h"
#include "hw/noc/traffic.h"
#include "hw/sim/cycle_scheduler.h"
#include "sw/cfg/config.h"
#include "sw/stats/stats.h"

using namespace spiketlm;

TEST_CASE("noc: latency and saturation throughput agree with BookSim2 on the 8x8 reference configuration",
          "[system]") {
    const auto ref = noc::read_reference_curve(test::source_dir() + "/configs/noc/reference/booksim2-mesh8x8-2vc4.csv");
    cfg::Config c;
    c.load_file(test::source_dir() + "/configs/noc/booksim-mesh8x8-2vc4.yaml");
    const noc::NocConfig ncfg = noc::NocConfig::from(c);
    // the configuration the file's header states
    REQUIRE(ncfg.width == 8);
    REQUIRE(ncfg.vcs == 2);
    REQUIRE(ncfg.buffer_depth == 4);
    REQUIRE(ncfg.stages().rc == 1);
    REQUIRE(ncfg.stages().va == 1);
    REQUIRE(ncfg.stages().sa == 1);
    REQUIRE(ncfg.stages().st == 1);
    REQUIRE(ncfg.link_latency == 1);
    noc::TrafficConfig tcfg = noc::TrafficConfig::from(c);
    REQUIRE(tcfg.packet_flits == 4);
    REQUIRE(tcfg.warmup_cycles == 1000);
    REQUIRE(tcfg.measure_cycles == 10000);

    sim::CycleScheduler sched("clk", sc_core::sc_time(1, sc_core::SC_NS));
    stats::Registry stats;
    noc::Mesh mesh("noc", ncfg, sched, stats);
    noc::TrafficExperiment exp(mesh, tcfg);
    auto mean_point = [&](double rate, int seeds) {
        noc::PointResult m;
        for (int s = 1; s <= seeds; ++s) {
            exp.set_seed(static_cast<std::uint64_t>(s));
            const auto r = exp.run_point(rate);
            m.accepted_rate += r.accepted_rate / seeds;
            m.latency_avg += r.latency_avg / seeds;
            m.saturated |= r.saturated;
        }
        return m;
    };
    auto ref_at = [&](double rate) {
        for (const auto& p : ref)
            if (std::abs(p.offered - rate) < 1e-9) return p;
        FAIL("no reference point at offered " << rate);
        return noc::ReferencePoint{};
    };

    for (double rate : {0.05, 0.2, 0.25, 0.275}) {
        const auto ours = mean_point(rate, 3);
        const auto theirs = ref_at(rate);
        INFO("offered " << rate << ": latency " << ours.latency_avg << " vs BookSim2 " << theirs.latency_avg);
        CHECK_FALSE(ours.saturated);
        CHECK(std::abs(ours.latency_avg / theirs.latency_avg - 1) <= 0.05);
        CHECK(std::abs(ours.accepted_rate / theirs.accepted - 1) <= 0.03);
    }
    // Saturation throughput: the highest accepted rate of each curve (BookSim2's is at 0.4).
    double ref_sat = 0;
    for (const auto& p : ref) ref_sat = std::max(ref_sat, p.accepted);
    exp.set_drain_cycles(0);  // beyond saturation nothing drains: measure the accepted rate only
    double sat = 0;
    for (double rate : {0.35, 0.4, 0.5}) sat = std::max(sat, mean_point(rate, 2).accepted_rate);
    INFO("saturation throughput " << sat << " vs BookSim2 " << ref_sat);
    CHECK(std::abs(sat / ref_sat - 1) <= 0.03);
}

// The 4x4 case of the issue, against BookSim2 run by us with the same settings
// (configs/noc/reference/booksim2-mesh4x4-2vc4.cfg): latency within 5 % up to 0.55 (about 90 % of
// its saturation throughput 0.61), saturation throughput within 3 %.
TEST_CASE("noc: latency and saturation throughput agree with BookSim2 on the 4x4 configuration", "[system]") {
    const auto ref = noc::read_reference_curve(test::source_dir() + "/configs/noc/reference/booksim2-mesh4x4-2vc4.csv");
    cfg::Config c;
    c.load_file(test::source_dir() + "/configs/noc/booksim-mesh4x4-2vc4.yaml");
    const noc::NocConfig ncfg = noc::NocConfig::from(c);
    REQUIRE(ncfg.width == 4);
    REQUIRE(ncfg.stages().head() == 4);
    REQUIRE(ncfg.buffer_depth == 4);
    sim::CycleScheduler sched("clk", sc_core::sc_time(1, sc_core::SC_NS));
    stats::Registry stats;
    noc::Mesh mesh("noc", ncfg, sched, stats);
    noc::TrafficExperiment exp(mesh, noc::TrafficConfig::from(c));
    auto ref_at = [&](double rate) {
        for (const auto& p : ref)
            if (std::abs(p.offered - rate) < 1e-9) return p;
        FAIL("no reference point at offered " << rate);
        return noc::ReferencePoint{};
    };
    for (double rate : {0.2, 0.45, 0.55}) {
        double lat = 0;
        for (int s = 1; s <= 3; ++s) {
            exp.set_seed(static_cast<std::uint64_t>(s));
            lat += exp.run_point(rate).latency_avg / 3;
        }
        INFO("offered " << rate << ": latency " << lat << " vs BookSim2 " << ref_at(rate).latency_avg);
        CHECK(std::abs(lat / ref_at(rate).latency_avg - 1) <= 0.05);
    }
    double ref_sat = 0, sat = 0;
    for (const auto& p : ref) ref_sat = std::max(ref_sat, p.accepted);
    exp.set_drain_cycles(0);
    for (double rate : {0.65, 0.7, 0.8}) {
        double acc = 0;
        for (int s = 1; s <= 2; ++s) {
            exp.set_seed(static_cast<std::uint64_t>(s));
            acc += exp.run_point(rate).accepted_rate / 2;
        }
        sat = std::max(sat, acc);
    }
    INFO("saturation throughput " << sat << " vs BookSim2 " << ref_sat);
    CHECK(std::abs(sat / ref_sat - 1) <= 0.03);
}
