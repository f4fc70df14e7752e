// Configuration layer: loading, includes, overrides, and one clear error per kind of bad input,
// each naming the key and file:line.
#include <catch2/catch.hpp>

#include "common/test_util.h"
#include "sw/cfg/param.h"
#include "sw/common/error.h"

using namespace spiketlm;
using namespace spiketlm::cfg;

namespace {

ParamRegistry& test_registry() {
    static ParamRegistry r = [] {
        ParamRegistry reg;
        reg.add({"chip.noc.width", ParamType::Int, Value(std::int64_t{4}), "routers", Range{1, 64}, {}, "mesh width"});
        reg.add({"chip.noc.height", ParamType::Int, Value(std::int64_t{4}), "routers", Range{1, 64}, {}, "mesh height"});
        reg.add({"chip.noc.routing", ParamType::String, Value(std::string("xy")), "", std::nullopt,
                 {"xy", "yx", "west_first"}, "routing function"});
        reg.add({"chip.clock_mhz", ParamType::Float, Value(200.0), "MHz", Range{1, 5000}, {}, "clock"});
        reg.add({"chip.pe.early_stop", ParamType::Bool, Value(false), "", std::nullopt, {}, "early stop"});
        reg.add({"traffic.hotspots", ParamType::IntList, Value(std::vector<std::int64_t>{}), "", Range{0, 4095}, {},
                 "hotspot nodes"});
        reg.add({"run.model", ParamType::String, std::nullopt, "", std::nullopt, {}, "model directory"});
        return reg;
    }();
    return r;
}

struct Files {
    std::string dir = test::scratch_dir("cfg");
    std::string put(const std::string& name, const std::string& text) {
        const std::string p = dir + "/" + name;
        test::write_text(p, text);
        return p;
    }
};

// Loads `text` as a file and returns the ConfigError it raises.
ConfigError error_of(const std::string& text, std::string* path_out = nullptr) {
    Files f;
    const std::string p = f.put("bad.yaml", text);
    if (path_out) *path_out = p;
    Config c(test_registry());
    try {
        c.load_file(p);
    } catch (const ConfigError& e) {
        return e;
    }
    FAIL("no ConfigError for:\n" << text);
    throw;
}

}  // namespace

TEST_CASE("config: values load typed, nested and dotted keys agree, defaults fill the rest", "[unit]") {
    Files f;
    const auto p = f.put("a.yaml", "chip:\n  noc:\n    width: 8\n  clock_mhz: 250\ntraffic.hotspots: [3, 5]\n");
    Config c(test_registry());
    c.load_file(p);
    CHECK(c.get<std::int64_t>("chip.noc.width") == 8);
    CHECK(c.get<std::int64_t>("chip.noc.height") == 4);
    CHECK(c.get<double>("chip.clock_mhz") == 250.0);
    CHECK(c.get<std::vector<std::int64_t>>("traffic.hotspots") == std::vector<std::int64_t>{3, 5});
    CHECK(c.origin("chip.noc.width").str() == p + ":3");
    CHECK(c.origin("chip.noc.height").str() == "default");
}

TEST_CASE("config: include loads the base first and the including file overrides it", "[unit]") {
    Files f;
    f.put("base.yaml", "chip:\n  noc:\n    width: 6\n    height: 7\n");
    const auto p = f.put("top.yaml", "include: base.yaml\nchip.noc.width: 2\n");
    Config c(test_registry());
    c.load_file(p);
    CHECK(c.get<std::int64_t>("chip.noc.width") == 2);
    CHECK(c.get<std::int64_t>("chip.noc.height") == 7);
    CHECK(c.origin("chip.noc.height").str() == f.dir + "/base.yaml:4");
}

TEST_CASE("config: --set overrides are typed and win over files", "[unit]") {
    Files f;
    const auto p = f.put("a.yaml", "chip.noc.width: 8\n");
    Config c(test_registry());
    c.load_file(p);
    c.apply_set("chip.noc.width=16", 1);
    c.apply_set("chip.pe.early_stop=true", 2);
    c.apply_set("traffic.hotspots=[1,2,3]", 3);
    CHECK(c.get<std::int64_t>("chip.noc.width") == 16);
    CHECK(c.get<bool>("chip.pe.early_stop"));
    CHECK(c.get<std::vector<std::int64_t>>("traffic.hotspots").size() == 3);
    CHECK(c.origin("chip.noc.width").str() == "--set:1");
}

TEST_CASE("config: effective YAML reloads to the same values and hash", "[unit]") {
    Files f;
    const auto p = f.put("a.yaml", "chip:\n  noc: {width: 3, routing: yx}\n  clock_mhz: 123.5\nrun.model: m\n");
    Config c(test_registry());
    c.load_file(p);
    const auto eff = f.put("eff.yaml", c.effective_yaml());
    Config d(test_registry());
    d.load_file(eff);
    CHECK(d.get<std::int64_t>("chip.noc.width") == 3);
    CHECK(d.get<std::string>("chip.noc.routing") == "yx");
    CHECK(d.get<double>("chip.clock_mhz") == 123.5);
    CHECK(c.hash() == d.hash());
    Config e(test_registry());
    e.load_file(p);
    e.apply_set("chip.noc.width=4");
    CHECK(e.hash() != c.hash());
}

TEST_CASE("config error: unknown key names key and file:line", "[unit]") {
    std::string p;
    auto e = error_of("chip:\n  noc:\n    width: 4\n    depth: 3\n", &p);
    CHECK(e.key() == "chip.noc.depth");
    CHECK(e.where() == p + ":4");
    CHECK_THAT(e.what(), Catch::Contains("unknown key 'chip.noc.depth'"));
}

TEST_CASE("config error: a typo gets the nearest valid key as suggestion", "[unit]") {
    std::string p;
    auto e = error_of("chip:\n  noc:\n    widht: 4\n", &p);
    CHECK(e.where() == p + ":3");
    CHECK_THAT(e.what(), Catch::Contains("unknown key 'chip.noc.widht'") && Catch::Contains("did you mean 'chip.noc.width'"));
}

TEST_CASE("config error: a typo in a section name is suggested too", "[unit]") {
    std::string p;
    auto e = error_of("chip:\n  nco:\n    width: 4\n", &p);
    CHECK(e.where() == p + ":2");
    CHECK_THAT(e.what(), Catch::Contains("chip.nco"));
}

TEST_CASE("config error: wrong type (text for an int) names key and line", "[unit]") {
    std::string p;
    auto e = error_of("\nchip.noc.width: four\n", &p);
    CHECK(e.key() == "chip.noc.width");
    CHECK(e.where() == p + ":2");
    CHECK_THAT(e.what(), Catch::Contains("expects int") && Catch::Contains("four"));
}

TEST_CASE("config error: a float where an int is declared is a type error", "[unit]") {
    std::string p;
    auto e = error_of("chip.noc.width: 4.5\n", &p);
    CHECK(e.where() == p + ":1");
    CHECK_THAT(e.what(), Catch::Contains("chip.noc.width") && Catch::Contains("expects int"));
}

TEST_CASE("config error: a list where a scalar is declared is a type error", "[unit]") {
    std::string p;
    auto e = error_of("chip:\n  clock_mhz: [1, 2]\n", &p);
    CHECK(e.where() == p + ":2");
    CHECK_THAT(e.what(), Catch::Contains("chip.clock_mhz") && Catch::Contains("got a list"));
}

TEST_CASE("config error: bool expects true/false", "[unit]") {
    std::string p;
    auto e = error_of("chip.pe.early_stop: maybe\n", &p);
    CHECK(e.where() == p + ":1");
    CHECK_THAT(e.what(), Catch::Contains("chip.pe.early_stop") && Catch::Contains("bool"));
}

TEST_CASE("config error: out of range names key, value and range", "[unit]") {
    std::string p;
    auto e = error_of("chip:\n  noc:\n    height: 65\n", &p);
    CHECK(e.where() == p + ":3");
    CHECK_THAT(e.what(), Catch::Contains("chip.noc.height") && Catch::Contains("out of range [1, 64]"));
}

TEST_CASE("config error: out-of-range list element names its own line", "[unit]") {
    std::string p;
    auto e = error_of("traffic:\n  hotspots:\n    - 1\n    - 5000\n", &p);
    CHECK(e.where() == p + ":4");
    CHECK_THAT(e.what(), Catch::Contains("traffic.hotspots") && Catch::Contains("5000"));
}

TEST_CASE("config error: a string outside its choices lists them and suggests one", "[unit]") {
    std::string p;
    auto e = error_of("chip.noc.routing: xz\n", &p);
    CHECK(e.where() == p + ":1");
    CHECK_THAT(e.what(), Catch::Contains("xy, yx, west_first") && Catch::Contains("did you mean"));
}

TEST_CASE("config error: malformed YAML names file and line", "[unit]") {
    std::string p;
    auto e = error_of("chip:\n  noc:\n    width: [4, 5\n  clock_mhz: 3\n", &p);
    CHECK_THAT(e.where(), Catch::StartsWith(p + ":"));
    CHECK_THAT(e.what(), Catch::Contains("malformed YAML"));
}

TEST_CASE("config error: a section given a scalar value", "[unit]") {
    std::string p;
    auto e = error_of("chip:\n  noc: 4\n", &p);
    CHECK(e.where() == p + ":2");
    CHECK_THAT(e.what(), Catch::Contains("'chip.noc' is a section"));
}

TEST_CASE("config error: the same key twice in one file", "[unit]") {
    std::string p;
    auto e = error_of("chip.noc.width: 4\nchip:\n  noc:\n    width: 5\n", &p);
    CHECK(e.where() == p + ":4");
    CHECK_THAT(e.what(), Catch::Contains("given twice"));
}

TEST_CASE("config error: missing config file names the file", "[unit]") {
    Config c(test_registry());
    const std::string p = test::scratch_dir("cfg") + "/nope.yaml";
    try {
        c.load_file(p);
        FAIL("no error");
    } catch (const ConfigError& e) {
        CHECK_THAT(e.what(), Catch::Contains(p) && Catch::Contains("cannot open"));
    }
}

TEST_CASE("config error: missing included file names the including file and line", "[unit]") {
    std::string p;
    auto e = error_of("chip.noc.width: 2\ninclude: missing.yaml\n", &p);
    CHECK(e.where() == p + ":2");
    CHECK_THAT(e.what(), Catch::Contains("missing.yaml") && Catch::Contains("does not exist"));
}

TEST_CASE("config error: an include cycle is reported, not followed forever", "[unit]") {
    Files f;
    f.put("a.yaml", "include: b.yaml\n");
    f.put("b.yaml", "include: a.yaml\n");
    Config c(test_registry());
    CHECK_THROWS_WITH(c.load_file(f.dir + "/a.yaml"), Catch::Contains("include cycle"));
}

TEST_CASE("config error: missing required key names key and file", "[unit]") {
    Files f;
    const auto p = f.put("a.yaml", "chip.noc.width: 2\n");
    Config c(test_registry());
    c.load_file(p);
    try {
        c.require({"run.model"});
        FAIL("no error");
    } catch (const ConfigError& e) {
        CHECK(e.key() == "run.model");
        CHECK(e.where() == p + ":1");
        CHECK_THAT(e.what(), Catch::Contains("missing required key 'run.model'"));
    }
}

TEST_CASE("config error: bad --set forms name the key and the --set position", "[unit]") {
    Config c(test_registry());
    CHECK_THROWS_WITH(c.apply_set("chip.noc.width", 1), Catch::Contains("--set:1") && Catch::Contains("key=value"));
    CHECK_THROWS_WITH(c.apply_set("chip.noc.widht=3", 2),
                      Catch::Contains("--set:2") && Catch::Contains("did you mean 'chip.noc.width'"));
    CHECK_THROWS_WITH(c.apply_set("chip.noc.width=abc", 3), Catch::Contains("--set:3") && Catch::Contains("expects int"));
    CHECK_THROWS_WITH(c.apply_set("chip.noc.width=0", 4), Catch::Contains("--set:4") && Catch::Contains("out of range"));
    CHECK_THROWS_WITH(c.apply_set("traffic.hotspots=[1,", 5), Catch::Contains("--set:5") && Catch::Contains("malformed"));
}

TEST_CASE("config error: a top level that is not a mapping", "[unit]") {
    std::string p;
    auto e = error_of("- a\n- b\n", &p);
    CHECK(e.where() == p + ":1");
    CHECK_THAT(e.what(), Catch::Contains("mapping"));
}

TEST_CASE("registry rejects duplicate and malformed declarations", "[unit]") {
    ParamRegistry reg;
    reg.add({"a.b", ParamType::Int, Value(std::int64_t{1}), "", std::nullopt, {}, "x"});
    CHECK_THROWS_AS(reg.add({"a.b", ParamType::Int, Value(std::int64_t{1}), "", std::nullopt, {}, "x"}), Error);
    CHECK_THROWS_AS(reg.add({"a.b.c", ParamType::Int, Value(std::int64_t{1}), "", std::nullopt, {}, "x"}), Error);
    CHECK_THROWS_AS(reg.add({"A.x", ParamType::Int, Value(std::int64_t{1}), "", std::nullopt, {}, "x"}), Error);
    CHECK_THROWS_AS(reg.add({"a", ParamType::Int, Value(std::int64_t{1}), "", std::nullopt, {}, "x"}), Error);
}
