// The program's contract: --help and --version, exit codes (0 ok, 1 failure, 2 bad input), and
// configuration errors that name the key and file:line.
#include <catch2/catch.hpp>

#include <fstream>

#include "common/test_util.h"

using namespace spiketlm;

namespace {
struct Bad {
    std::string dir = test::scratch_dir("cli");
    std::string file(const std::string& text) {
        const std::string p = dir + "/bad.yaml";
        test::write_text(p, text);
        return p;
    }
};
}  // namespace

TEST_CASE("cli: --version and --help of every subcommand exit 0", "[unit]") {
    auto r = test::run_cli("--version");
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::StartsWith("spiketlm "));
    for (const char* sub : {"", "config", "config dump", "config check", "trace", "trace diff", "trace export"}) {
        r = test::run_cli(std::string(sub) + " --help");
        INFO(sub);
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.output, Catch::Contains("Usage"));
    }
}

TEST_CASE("cli: unknown subcommand or option is bad input (exit 2)", "[unit]") {
    CHECK(test::run_cli("frobnicate").exit_code == 2);
    CHECK(test::run_cli("config dump --format xml").exit_code == 2);
}

TEST_CASE("cli: config dump lists every parameter with default, unit and description", "[unit]") {
    auto r = test::run_cli("config dump --format md");
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::StartsWith("| key | type | default | unit | range / choices | description |"));
    CHECK_THAT(r.output, Catch::Contains("| `run.frames` | int | `100` | frames | [1, 10000000] |"));
    CHECK_THAT(r.output, Catch::Contains("| `sim.seed` |"));
}

TEST_CASE("cli: docs/config.md is generated from the declared parameters and is current", "[unit]") {
    auto r = test::run_cli("config dump --format md");
    REQUIRE(r.exit_code == 0);
    const auto doc = test::read_text(test::source_dir() + "/docs/config.md");
    // The file is the dump plus a short preamble; `make docs` regenerates it.
    CHECK_THAT(doc, Catch::EndsWith(r.output));
}

TEST_CASE("cli config error: unknown key with suggestion, exit 2, file:line", "[unit]") {
    Bad b;
    const auto p = b.file("run:\n  frames: 3\n  fraems: 4\n");
    auto r = test::run_cli("config check --config " + p);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains(p + ":3") && Catch::Contains("run.fraems") &&
                             Catch::Contains("did you mean 'run.frames'"));
}

TEST_CASE("cli config error: wrong type, exit 2, file:line", "[unit]") {
    Bad b;
    const auto p = b.file("sim:\n  seed: abc\n");
    auto r = test::run_cli("config check --config " + p);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains(p + ":2") && Catch::Contains("sim.seed") && Catch::Contains("expects int"));
}

TEST_CASE("cli config error: out of range, exit 2, file:line", "[unit]") {
    Bad b;
    const auto p = b.file("run.frames: 0\n");
    auto r = test::run_cli("config check --config " + p);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains(p + ":1") && Catch::Contains("run.frames") && Catch::Contains("out of range"));
}

TEST_CASE("cli config error: value not among the choices, exit 2", "[unit]") {
    Bad b;
    const auto p = b.file("run:\n  split: validation\n");
    auto r = test::run_cli("config check --config " + p);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains(p + ":2") && Catch::Contains("run.split") && Catch::Contains("test"));
}

TEST_CASE("cli config error: malformed YAML, exit 2, file:line", "[unit]") {
    Bad b;
    const auto p = b.file("run:\n  frames: 3\n   model: [x\n");
    auto r = test::run_cli("config check --config " + p);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains(p + ":") && Catch::Contains("malformed YAML"));
}

TEST_CASE("cli config error: missing config file, exit 2, names the file", "[unit]") {
    auto r = test::run_cli("config check --config /nonexistent/dir/run.yaml");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("/nonexistent/dir/run.yaml"));
}

TEST_CASE("cli config error: bad --set (unknown key, no '=', wrong type), exit 2", "[unit]") {
    Bad b;
    const auto p = b.file("run.frames: 3\n");
    auto r = test::run_cli("config check --config " + p + " --set run.frame=4");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("--set:1") && Catch::Contains("run.frame") && Catch::Contains("did you mean 'run.frames'"));
    r = test::run_cli("config check --config " + p + " --set sim.seed=1 --set run.frames");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("--set:2") && Catch::Contains("key=value"));
    r = test::run_cli("config check --config " + p + " --set run.frames=many");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("--set:1") && Catch::Contains("run.frames") && Catch::Contains("expects int"));
}

TEST_CASE("cli config: valid file and overrides print the effective values with origins", "[unit]") {
    Bad b;
    const auto p = b.file("run:\n  frames: 3\n");
    auto r = test::run_cli("config check --config " + p + " --set sim.seed=7");
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("frames: 3  # " + p + ":2"));
    CHECK_THAT(r.output, Catch::Contains("seed: 7  # --set:1"));
}

// More bad configurations through the program (exit code 2, key and file:line in the message).
namespace {
void expect_bad(const std::string& yaml, int line, const std::string& key, const std::string& what,
                const std::string& extra_args = "") {
    Bad b;
    const auto p = b.file(yaml);
    const auto r = test::run_cli("config check --config " + p + " " + extra_args);
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains(p + ":" + std::to_string(line)) && Catch::Contains(key) && Catch::Contains(what));
}
}  // namespace

TEST_CASE("cli config error: a typo in a section name is suggested, exit 2, file:line", "[unit]") {
    expect_bad("chip:\n  pe:\n    lanes: 4\n  nco:\n    width: 2\n", 4, "chip.nco", "did you mean 'chip.noc");
}

TEST_CASE("cli config error: a float where an int is declared, exit 2, file:line", "[unit]") {
    expect_bad("chip:\n  noc:\n    width: 2.5\n", 3, "chip.noc.width", "expects int");
}

TEST_CASE("cli config error: a list where a scalar is declared, exit 2, file:line", "[unit]") {
    expect_bad("chip:\n  pe:\n    lanes: [1, 2]\n", 3, "chip.pe.lanes", "expects int");
}

TEST_CASE("cli config error: an include cycle is reported with the file and line, exit 2", "[unit]") {
    Bad b;
    test::write_text(b.dir + "/a.yaml", "include: b.yaml\nsim:\n  seed: 1\n");
    test::write_text(b.dir + "/b.yaml", "run:\n  frames: 2\ninclude: a.yaml\n");
    const auto r = test::run_cli("config check --config " + b.dir + "/a.yaml");
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("a.yaml:1") && Catch::Contains("include cycle"));
}

TEST_CASE("cli config error: out-of-range chip parameter names key and range, exit 2", "[unit]") {
    expect_bad("chip:\n  noc:\n    router_pipeline: 9\n", 3, "chip.noc.router_pipeline", "out of range");
}

TEST_CASE("cli config error: the same key twice in a file, exit 2, file:line", "[unit]") {
    expect_bad("sim:\n  seed: 1\n  seed: 2\n", 3, "sim.seed", "twice");
}

TEST_CASE("cli config error: a missing included file names the including file and line, exit 2", "[unit]") {
    expect_bad("sim:\n  seed: 1\ninclude: nothere.yaml\n", 3, "include", "nothere.yaml");
}

TEST_CASE("cli config error: a section given a scalar value, exit 2, file:line", "[unit]") {
    expect_bad("run.frames: 2\nchip: 5\n", 2, "chip", "section");
}

TEST_CASE("cli config error: an unknown choice of a chip parameter is listed, exit 2", "[unit]") {
    expect_bad("chip:\n  noc:\n    multicast: broadcast\n", 3, "chip.noc.multicast", "tree");
}

TEST_CASE("cli run error: missing required run.model names the key and file, exit 2", "[unit]") {
    Bad b;
    const auto p = b.file("run:\n  frames: 2\n");
    const auto r = test::run_cli("run --config " + p + " --out " + b.dir + "/out");
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("run.model"));
    CHECK_FALSE(std::ifstream(b.dir + "/out/report.json").good());
}
