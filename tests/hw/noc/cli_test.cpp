// `spiketlm noc`: noc.csv format, determinism, one process for a whole sweep, exit code 2 on
// bad input with nothing written.
#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>

#include "common/test_util.h"

using namespace spiketlm;

namespace {
std::vector<std::string> lines(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string l;
    while (std::getline(ss, l)) out.push_back(l);
    return out;
}
const std::string kSmall =
    " --set noc.warmup_cycles=200 --set noc.measure_cycles=1000 --set noc.drain_cycles=2000"
    " --set chip.noc.width=4 --set chip.noc.height=4";
}  // namespace

TEST_CASE("cli: spiketlm noc writes noc.csv and a report, same config and seed give identical noc.csv",
          "[system]") {
    const auto dir = test::scratch_dir("noc-cli");
    const std::string cfg = test::source_dir() + "/configs/noc/mesh8x8-uniform.yaml";
    const auto a = test::run_cli("noc --config " + cfg + kSmall + " --rates 0.05:0.25:0.05 --out " + dir + "/a");
    REQUIRE(a.exit_code == 0);
    const auto b = test::run_cli("noc --config " + cfg + kSmall + " --rates 0.05:0.25:0.05 --out " + dir + "/b");
    REQUIRE(b.exit_code == 0);
    const auto ca = test::read_text(dir + "/a/noc.csv");
    CHECK(ca == test::read_text(dir + "/b/noc.csv"));
    const auto la = lines(ca);
    REQUIRE(la.size() == 6);
    CHECK(la[0] == "offered_rate,accepted_rate,latency_avg,latency_p50,latency_p99,hops_avg");
    CHECK(la[1].rfind("0.050000,", 0) == 0);
    CHECK(la[5].rfind("0.250000,", 0) == 0);
    CHECK(std::filesystem::exists(dir + "/a/report.md"));
    CHECK(std::filesystem::exists(dir + "/a/stats.csv"));
    CHECK(std::filesystem::exists(dir + "/a/config.effective.yaml"));
    // a point alone equals the same point inside the sweep (state is reset between points)
    const auto c = test::run_cli("noc --config " + cfg + kSmall + " --rates 0.15 --out " + dir + "/c");
    REQUIRE(c.exit_code == 0);
    CHECK(lines(test::read_text(dir + "/c/noc.csv"))[1] == la[3]);
    // another seed gives other numbers
    const auto d = test::run_cli("noc --config " + cfg + kSmall + " --set sim.seed=2 --rates 0.05:0.25:0.05 --out " +
                                 dir + "/d");
    REQUIRE(d.exit_code == 0);
    CHECK(test::read_text(dir + "/d/noc.csv") != ca);
}

TEST_CASE("cli: spiketlm noc rejects bad input with exit code 2 and writes no noc.csv", "[system]") {
    const auto dir = test::scratch_dir("noc-bad");
    struct Bad {
        std::string args, expect;
    };
    const std::vector<Bad> bad = {
        {"--set chip.noc.routing=zigzag", "zigzag"},
        {"--set chip.noc.router_pipeline=9", "chip.noc.router_pipeline"},
        {"--set noc.pattern=transpose --set chip.noc.width=4 --set chip.noc.height=2", "square"},
        {"--rates 0.1:0.05:0.01", "--rates"},
        {"--rates 0.1,abc", "abc"},
        {"--rates 1.5", "outside"},
        {"--set noc.hotspots=[99] --set noc.pattern=hotspot", "noc.hotspots"},
        {"--set chip.noc.router=nope", "iq_wormhole"},
        {"--set chip.noc.router_pipeline=2 --set chip.noc.rc_cycles=1", "not both"},
        {"--set chip.noc.width=8 --set chip.noc.height=8", "does not fit the 64-bit flit"},
        {"--rates 0.1 --reference /nonexistent/ref.csv", "/nonexistent/ref.csv"},
    };
    int i = 0;
    for (const auto& b : bad) {
        const std::string out = dir + "/o" + std::to_string(i++);
        const auto r = test::run_cli("noc " + b.args + " --out " + out);
        INFO(b.args << "\n" << r.output);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.output, Catch::Contains(b.expect));
        CHECK_FALSE(std::filesystem::exists(out + "/noc.csv"));
    }
}

TEST_CASE("cli: spiketlm noc --seeds averages the seeds and --reference prints the comparison", "[system]") {
    const auto dir = test::scratch_dir("noc-ref");
    const std::string cfg = test::source_dir() + "/configs/noc/booksim-mesh4x4-2vc4.yaml";
    const std::string ref = test::source_dir() + "/configs/noc/reference/booksim2-mesh4x4-2vc4.csv";
    const std::string small = " --set noc.warmup_cycles=200 --set noc.measure_cycles=1000";
    const auto s1 = test::run_cli("noc --config " + cfg + small + " --set sim.seed=1 --rates 0.2 --out " + dir + "/s1");
    const auto s2 = test::run_cli("noc --config " + cfg + small + " --set sim.seed=2 --rates 0.2 --out " + dir + "/s2");
    const auto m = test::run_cli("noc --config " + cfg + small + " --seeds 1,2 --rates 0.2 --reference " + ref +
                                 " --out " + dir + "/m");
    REQUIRE(s1.exit_code == 0);
    REQUIRE(s2.exit_code == 0);
    REQUIRE(m.exit_code == 0);
    auto latency = [](const std::string& csv) {  // second line, third column
        const auto l = lines(csv)[1];
        std::stringstream ss(l);
        std::string f;
        for (int i = 0; i < 3; ++i) std::getline(ss, f, ',');
        return std::stod(f);
    };
    const double l1 = latency(test::read_text(dir + "/s1/noc.csv")), l2 = latency(test::read_text(dir + "/s2/noc.csv"));
    CHECK(l1 != l2);
    CHECK(latency(test::read_text(dir + "/m/noc.csv")) == Approx((l1 + l2) / 2).margin(0.001));
    CHECK_THAT(m.output, Catch::Contains("| 0.200 | 0.2021 |") && Catch::Contains("| 24.2 |") &&
                             Catch::Contains("Saturation throughput (highest accepted rate): reference 0.6043"));
    CHECK_THAT(test::read_text(dir + "/m/report.md"), Catch::Contains("## Against") && Catch::Contains("seed(s) 1, 2"));
}
