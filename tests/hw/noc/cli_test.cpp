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

TEST_CASE("cli: spiketlm noc writes noc.csv and a report; same config and seed give identical noc.csv",
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
