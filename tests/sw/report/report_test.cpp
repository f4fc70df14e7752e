#include <catch2/catch.hpp>

#include <cmath>

#include "sw/common/error.h"
#include "sw/report/format.h"
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
    CHECK_THAT(md, Catch::Contains("| accuracy | 75.00 % (3 / 4 frames) | `accuracy` |"));
    CHECK_THAT(report::summary_text(j), Catch::Contains("75.00 %"));
}

TEST_CASE("report: report.md and the summary show values with units at a readable precision", "[unit]") {
    report::RunTotals t;
    t.name = "fmt";
    t.mode = "chip";
    t.frames = 3;
    t.correct = 2;
    t.spikes = 100;
    t.synops = 118960;
    t.cycles = 21220;  // 7073.33 cycles per frame
    t.clock_mhz = 100;
    report::EnergyTotals e;
    e.dynamic_pj = 6000000;  // 2 µJ per frame
    e.leakage_pj = 330000;   // 110 nJ per frame
    e.by_class_pj = {{"sram", 6000000}, {"router", 300000}, {"link", 30000}};
    e.by_group_pj = {{"hidden1", 5000000}, {"output", 1000000}};  // the rest: 330000 pJ
    t.energy = e;
    t.utilization["pe.busy_fraction"] = 0.30528;
    const auto j = report::make_report_json(t);
    // report.json keeps full precision
    CHECK(j["cycles_per_frame"].get<double>() == Approx(21220.0 / 3).epsilon(1e-15));
    const auto md = report::make_report_md(j);
    INFO(md);
    CHECK_THAT(md, Catch::Contains("| accuracy | 66.67 % (2 / 3 frames) | `accuracy` |"));
    CHECK_THAT(md, Catch::Contains("| cycles per frame | 7,073 cycles | `cycles_per_frame` |"));
    CHECK_THAT(md, Catch::Contains("| latency per frame | 70.7 µs | `latency_us_per_frame` |"));
    CHECK_THAT(md, Catch::Contains("| energy per frame | 2.11 µJ | `energy_nj_per_frame` |"));
    CHECK_THAT(md, Catch::Contains("| synaptic operations per frame | 39,653 ops | `synops_per_frame` |"));
    CHECK_THAT(md, Catch::Contains("| utilisation pe.busy_fraction | 30.53 % |"));
    CHECK_THAT(md, Catch::Contains("| `sram` | 2.00 µJ | 94.79 % |"));
    CHECK_THAT(md, Catch::Contains("| `link` | 10.0 nJ | 0.47 % |"));
    // by layer: the part no layer holds is its own row, so the column sums to the total
    CHECK_THAT(md, Catch::Contains("| `(no layer)` | 110 nJ | 5.21 % |"));
    CHECK(md.find("7073.33") == std::string::npos);  // no raw floats
    CHECK(md.find("3333") == std::string::npos);
    const auto s = report::summary_text(j);
    INFO(s);
    CHECK_THAT(s, Catch::Contains("cycles / frame      7,073 cycles"));
    CHECK_THAT(s, Catch::Contains("70.7 µs at 100 MHz (14,138 frames/s)"));
    CHECK_THAT(s, Catch::Contains("energy / frame      2.11 µJ  (dynamic 2.00 µJ, leakage 110 nJ)"));
    CHECK_THAT(s, Catch::Contains("PE busy             30.53 %"));
    CHECK(s.find("3333") == std::string::npos);
}

TEST_CASE("report: number formatting rounds to significant digits, groups thousands and scales units", "[unit]") {
    using namespace report;
    CHECK(group_digits("1234567.891") == "1,234,567.891");
    CHECK(group_digits("-1234") == "-1,234");
    CHECK(group_digits("999") == "999");
    CHECK(fmt_sig(0.57854) == "0.579");
    CHECK(fmt_sig(63.62) == "63.6");
    CHECK(fmt_sig(39653.5) == "39,654");
    CHECK(fmt_sig(99.96) == "100");  // rounding adds a digit: no "100.0"
    CHECK(fmt_sig(0) == "0");
    CHECK(fmt_sig(-0.001234) == "-0.00123");
    CHECK(fmt_sig(std::nan("")) == "n/a");
    CHECK(fmt_count(7073.4) == "7,073");
    CHECK(fmt_count(63.62) == "63.6");
    CHECK(fmt_count(99.7) == "100");
    CHECK(fmt_count(3) == "3");  // a whole number stays one
    CHECK(fmt_percent(0.9067) == "90.67 %");
    CHECK(fmt_energy_nj(2110) == "2.11 µJ");
    CHECK(fmt_energy_nj(580.784) == "581 nJ");
    CHECK(fmt_energy_nj(0.8546) == "855 pJ");
    CHECK(fmt_energy_nj(999.7) == "1.00 µJ");
    CHECK(fmt_energy_nj(2.5e6) == "2.50 mJ");
    CHECK(fmt_time_us(47710) == "47.7 ms");
    CHECK(fmt_time_us(60.9752) == "61.0 µs");
    CHECK(fmt_power_mw(0.751) == "751 µW");
    CHECK(fmt_power_mw(9.5249) == "9.52 mW");
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

namespace {
report::RunTotals part(std::uint64_t frames, std::uint64_t correct, std::uint64_t cycles, double wall) {
    report::RunTotals t;
    t.name = "r";
    t.mode = "chip";
    t.model = "m";
    t.dataset = "fashion-mnist/test";
    t.config_hash = "abc";
    t.seed = 7;
    t.clock_mhz = 100;
    t.frames = frames;
    t.correct = correct;
    t.undecided = 1;
    t.input_spikes = 10 * frames;
    t.spikes = 3 * frames;
    t.synops = 100 * frames;
    t.timesteps = 20 * frames;
    t.spikes_by_layer = {{"fc1", 2 * frames}, {"fc2", frames}};
    t.cycles = cycles;
    t.noc = report::NocTotals{frames, 2 * frames, 3 * frames, 40 * frames, 5 * frames};
    t.sim_wall_s = wall;
    t.sim_events = 1000 * frames;
    t.extra["early_stop"] = true;
    return t;
}
}  // namespace

TEST_CASE("report: run totals survive totals_to_json and totals_from_json exactly", "[unit]") {
    report::RunTotals t = part(3, 2, (std::uint64_t{1} << 60) + 1, 0.1);  // beyond double precision
    report::EnergyTotals e;
    e.dynamic_pj = 0.1 + 0.2;  // not representable in short decimal form
    e.leakage_pj = 1e-300;
    e.by_class_pj = {{"sram", 1.0 / 3}};
    e.pricing = {{"table", "x"}};
    t.energy = e;
    t.utilization["pe.busy_fraction"] = 2.0 / 3;
    const report::RunTotals back = report::totals_from_json(report::totals_to_json(t), "test");
    CHECK(report::make_report_json(back).dump() == report::make_report_json(t).dump());
    CHECK(*back.cycles == (std::uint64_t{1} << 60) + 1);
    CHECK(back.energy->dynamic_pj == 0.1 + 0.2);
    CHECK_THROWS_AS(report::totals_from_json(nlohmann::json{{"name", "x"}}, "test"), InputError);
}

TEST_CASE("report: adding parts sums every count and keeps the larger wall time", "[unit]") {
    report::RunTotals a = part(4, 3, 4000, 2.0);
    add_totals(a, part(6, 5, 7000, 1.5), "part 1");
    CHECK(a.frames == 10);
    CHECK(a.correct == 8);
    CHECK(a.undecided == 2);
    CHECK(a.input_spikes == 100);
    CHECK(a.synops == 1000);
    CHECK(a.timesteps == 200);
    CHECK(a.spikes_by_layer.at("fc1") == 20);
    CHECK(*a.cycles == 11000);
    CHECK(a.noc->latency_sum_cycles == 400);
    CHECK(a.noc->deliveries == 50);
    CHECK(a.sim_events == 10000);
    CHECK(a.sim_wall_s == 2.0);
    // Derived figures of the merged totals are those of the whole: 11000 cycles / 10 frames.
    CHECK(report::make_report_json(a)["cycles_per_frame"].get<double>() == 1100.0);
    CHECK(report::make_report_json(a)["accuracy"].get<double>() == 0.8);
}

TEST_CASE("report: parts of different runs are not added", "[unit]") {
    report::RunTotals a = part(4, 3, 4000, 2.0);
    report::RunTotals b = part(6, 5, 7000, 1.5);
    b.config_hash = "other";
    CHECK_THROWS_WITH(add_totals(a, b, "shard 1"), Catch::Contains("shard 1") && Catch::Contains("config_hash"));
    b = part(6, 5, 7000, 1.5);
    b.cycles.reset();
    CHECK_THROWS_AS(add_totals(a, b, "shard 1"), InputError);
    CHECK(a.frames == 4);
}
