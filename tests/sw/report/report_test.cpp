#include <catch2/catch.hpp>

#include "sw/report/report.h"

using namespace spiketlm;

TEST_CASE("report: derived figures are computed from totals", "[unit]") {
    report::RunTotals t;
    t.name = "x";
    t.mode = "chip";
    t.frames = 4;
    t.correct = 3;
    t.spikes = 40;
    t.synops = 1000;
    t.cycles = 8000;
    t.clock_mhz = 200;
    report::EnergyTotals e;
    e.dynamic_pj = 3000;
    e.leakage_pj = 1000;
    e.by_class_pj = {{"sram", 2500}, {"router", 1500}};
    t.energy = e;
    t.noc = report::NocTotals{10, 50, 30, 120, 10};
    const auto j = report::make_report_json(t);
    CHECK(j["schema_version"] == report::kSchemaVersion);
    CHECK(j["accuracy"].get<double>() == Approx(0.75));
    CHECK(j["cycles_per_frame"].get<double>() == Approx(2000));
    CHECK(j["latency_us_per_frame"].get<double>() == Approx(10.0));  // 2000 cycles at 200 MHz
    CHECK(j["energy_nj_per_frame"].get<double>() == Approx(1.0));    // 4000 pJ / 4 frames
    CHECK(j["energy_breakdown_nj"]["sram"].get<double>() == Approx(0.625));
    CHECK(j["pj_per_sop"].get<double>() == Approx(4.0));
    CHECK(j["noc"]["latency_avg_cycles"].get<double>() == Approx(12.0));
    CHECK(j["noc"]["hops_avg"].get<double>() == Approx(3.0));
    // 4000 pJ over 8000 cycles / 200 MHz = 40 us -> 0.1 mW
    CHECK(j["power_mw"].get<double>() == Approx(0.1));
    const auto md = report::make_report_md(j);
    CHECK_THAT(md, Catch::Contains("| `accuracy` | 0.75 |"));
    CHECK_THAT(report::summary_text(j), Catch::Contains("75.00 %"));
}

TEST_CASE("report: a reference run has no cycles or energy", "[unit]") {
    report::RunTotals t;
    t.mode = "reference";
    t.frames = 2;
    const auto j = report::make_report_json(t);
    CHECK(j["cycles_per_frame"].is_null());
    CHECK(j["energy_nj_per_frame"].is_null());
    CHECK(j["noc"].is_null());
}
