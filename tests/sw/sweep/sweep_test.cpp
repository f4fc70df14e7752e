// sw/sweep: grid and list expansion, seeds and ids that depend on a point's own values only,
// validation errors naming key and file:line, and the Pareto front on a hand-made table.
#include <catch2/catch.hpp>

#include <set>

#include "common/test_util.h"
#include "sw/cfg/param.h"
#include "sw/common/error.h"
#include "sw/sweep/results.h"
#include "sw/sweep/spec.h"

using namespace spiketlm;

namespace {

// A registry of our own: the test does not depend on which modules are linked in.
const cfg::ParamRegistry& registry() {
    static cfg::ParamRegistry r = [] {
        cfg::ParamRegistry reg;
        reg.add({"chip.lanes", cfg::ParamType::Int, cfg::Value(std::int64_t{8}), "", cfg::Range{1, 64}, {}, "lanes"});
        reg.add({"chip.pipe", cfg::ParamType::Int, cfg::Value(std::int64_t{1}), "", cfg::Range{1, 8}, {}, "pipe"});
        reg.add({"chip.clock_mhz", cfg::ParamType::Float, cfg::Value(100.0), "MHz", std::nullopt, {}, "clock"});
        reg.add({"run.model", cfg::ParamType::String, cfg::Value(std::string("m")), "", std::nullopt, {}, "model"});
        reg.add({"run.frames", cfg::ParamType::Int, cfg::Value(std::int64_t{10}), "", cfg::Range{1, 1e9}, {}, "frames"});
        reg.add({"sim.seed", cfg::ParamType::Int, cfg::Value(std::int64_t{1}), "", cfg::Range{0, 9e15}, {}, "seed"});
        return reg;
    }();
    return r;
}

std::string g_dir;
std::string sweep_file(const std::string& text) {
    if (g_dir.empty()) {
        g_dir = test::scratch_dir("sweep-spec");
        test::write_text(g_dir + "/base.yaml", "chip:\n  lanes: 4\n");
        test::write_text(g_dir + "/preset.yaml", "chip:\n  clock_mhz: 50.0\n");
    }
    static int n = 0;
    const std::string path = g_dir + "/s" + std::to_string(n++) + ".yaml";
    test::write_text(path, text);
    return path;
}

sweep::SweepSpec load(const std::string& text) { return sweep::load_sweep(sweep_file(text), registry()); }

// The error message of loading `text` (fails the test if it loads).
std::string error_of(const std::string& text, std::string* file = nullptr) {
    const std::string path = sweep_file(text);
    if (file) *file = path;
    try {
        sweep::load_sweep(path, registry());
    } catch (const InputError& e) {
        return e.what();
    }
    FAIL("expected an InputError for:\n" << text);
    return "";
}

std::vector<std::string> values(const sweep::Point& p) {
    std::vector<std::string> v;
    for (const auto& x : p.values) v.push_back(x.key + "=" + x.text);
    return v;
}

}  // namespace

TEST_CASE("sweep: a grid expands to the cartesian product (last key fastest), then each list entry", "[unit]") {
    const auto s = load("base: base.yaml\ngrid:\n  chip.lanes: [2, 4]\n  chip.pipe: [1, 2, 3]\n"
                        "list:\n  - {chip.clock_mhz: 80.5}\n  - {chip.lanes: 16, run.model: other}\n");
    REQUIRE(s.points.size() == 8);
    using V = std::vector<std::string>;
    CHECK(values(s.points[0]) == V{"chip.lanes=2", "chip.pipe=1"});
    CHECK(values(s.points[1]) == V{"chip.lanes=2", "chip.pipe=2"});
    CHECK(values(s.points[2]) == V{"chip.lanes=2", "chip.pipe=3"});
    CHECK(values(s.points[3]) == V{"chip.lanes=4", "chip.pipe=1"});
    CHECK(values(s.points[5]) == V{"chip.lanes=4", "chip.pipe=3"});
    CHECK(values(s.points[6]) == V{"chip.clock_mhz=80.5"});
    CHECK(values(s.points[7]) == V{"chip.lanes=16", "run.model=other"});
    CHECK(s.keys == V{"chip.lanes", "chip.pipe", "chip.clock_mhz", "run.model"});
    std::set<std::string> ids;
    for (const auto& p : s.points) ids.insert(p.id);
    CHECK(ids.size() == 8);
}

TEST_CASE("sweep: seeds and ids depend on the sweep seed and the point's values only", "[unit]") {
    const auto a = load("base: base.yaml\nseed: 7\ngrid:\n  chip.lanes: [2, 4]\n");
    const auto b = load("base: base.yaml\nseed: 7\ngrid:\n  chip.lanes: [1, 2, 3, 4]\n"
                        "list:\n  - {chip.lanes: 4, chip.pipe: 2}\n");
    const auto c = load("base: base.yaml\nseed: 8\ngrid:\n  chip.lanes: [2, 4]\n");
    // Adding points (and a key in another point) never changes the existing ones.
    CHECK(a.points[0].id == b.points[1].id);
    CHECK(a.points[0].seed == b.points[1].seed);
    CHECK(a.points[1].id == b.points[3].id);
    CHECK(a.points[1].seed == b.points[3].seed);
    CHECK(a.points[1].seed == sweep::point_seed(7, "chip.lanes=4\n"));
    CHECK(a.points[0].seed != a.points[1].seed);
    CHECK(a.points[0].seed != c.points[0].seed);  // another sweep seed
    CHECK(a.points[0].id == c.points[0].id);      // the id names the values only
    CHECK(a.points[0].seed < (std::uint64_t{1} << 52));
    // Order of keys within a point does not matter.
    CHECK(sweep::point_id("chip.lanes=2\nchip.pipe=1\n") ==
          load("base: base.yaml\nlist:\n  - {chip.pipe: 1, chip.lanes: 2}\n").points[0].id);
    // A swept sim.seed is used as is.
    const auto d = load("base: base.yaml\ngrid:\n  sim.seed: [5]\n");
    CHECK(d.points[0].seed == 5);
    CHECK(d.points[0].seed_swept);
}

TEST_CASE("sweep: include and frames, paths resolved against the sweep file", "[unit]") {
    const auto s = load("base: base.yaml\nframes: 3\nlist:\n  - {include: preset.yaml, chip.lanes: 2}\n");
    CHECK(s.frames == 3);
    CHECK(s.base == g_dir + "/base.yaml");
    REQUIRE(s.points.size() == 1);
    const auto* inc = s.points[0].find("include");
    REQUIRE(inc);
    CHECK(inc->text == "preset.yaml");
    CHECK(inc->arg == g_dir + "/preset.yaml");
}

TEST_CASE("sweep: malformed sweep files are errors naming the key and file:line", "[unit]") {
    std::string f;
    auto has = [](const std::string& msg, const std::string& what) {
        INFO(msg);
        CHECK(msg.find(what) != std::string::npos);
    };
    std::string e = error_of("base: base.yaml\ngird:\n  chip.lanes: [1]\n", &f);
    has(e, f + ":2:");
    has(e, "unknown key 'gird'");
    e = error_of("base: base.yaml\ngrid: {}\n", &f);
    has(e, f + ":2:");
    has(e, "'grid' is empty");
    e = error_of("base: base.yaml\ngrid:\n  chip.lanes: []\n", &f);
    has(e, f + ":3:");
    has(e, "chip.lanes");
    e = error_of("base: base.yaml\ngrid:\n  chip.lanes: [1, 2]\n  chip.lnaes: [1]\n", &f);
    has(e, f + ":4:");
    has(e, "unknown key 'chip.lnaes'");
    e = error_of("base: base.yaml\ngrid:\n  chip.lanes: [1,\n    four]\n", &f);
    has(e, f + ":4:");
    has(e, "key 'chip.lanes' expects int, got 'four'");
    e = error_of("base: base.yaml\nlist:\n  - {chip.pipe: 2}\n  - chip.pipe: 99\n", &f);
    has(e, f + ":4:");
    has(e, "out of range");
    e = error_of("base: base.yaml\nlist:\n  - chip: 2\n", &f);
    has(e, f + ":3:");
    has(e, "'chip' is a section");
    e = error_of("base: base.yaml\nlist:\n  - {chip.lanes: 2}\n  - {chip.lanes: 2}\n", &f);
    has(e, f + ":4:");
    has(e, "repeats the point of line 3");
    e = error_of("base: nope.yaml\ngrid:\n  chip.lanes: [1]\n", &f);
    has(e, f + ":1:");
    has(e, "does not exist");
    e = error_of("base: base.yaml\nslurm: {cpus_per_task: zero}\ngrid:\n  chip.lanes: [1]\n", &f);
    has(e, f + ":2:");
    has(e, "slurm.cpus_per_task");
}

TEST_CASE("sweep: the Pareto front maximises accuracy and minimises the other metrics", "[unit]") {
    sweep::ResultTable t;
    t.columns = {"point", "accuracy", "energy_nj_per_frame", "latency_us_per_frame", "status"};
    t.rows = {
        {"a", "0.9", "10", "5", "ok"},    // front: best accuracy at its energy
        {"b", "0.8", "5", "5", "ok"},     // front: cheapest
        {"c", "0.8", "6", "5", "ok"},     // dominated by b
        {"d", "0.9", "10", "5", "ok"},    // equal to a: neither dominates the other
        {"e", "0.85", "7", "4", "ok"},    // front: fastest
        {"f", "", "", "", "failed"},      // not ranked
        {"g", "0.95", "1", "1", "pending"}// not ok: not ranked and dominates nobody
    };
    sweep::mark_pareto(t, {"accuracy", "energy_nj_per_frame", "latency_us_per_frame"});
    REQUIRE(t.columns.back() == "pareto");
    std::vector<std::string> marks;
    for (const auto& r : t.rows) marks.push_back(r.back());
    CHECK(marks == std::vector<std::string>{"1", "1", "0", "1", "1", "", ""});
    sweep::ResultTable t2 = t;
    CHECK_THROWS_WITH(sweep::mark_pareto(t2, {"accuracy", "energy"}), Catch::Contains("'energy' is not a result column"));
    CHECK(sweep::to_csv(sweep::ResultTable{{"a", "b"}, {{"x,y", "say \"hi\""}}}) == "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n");
}
