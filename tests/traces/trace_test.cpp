#include <catch2/catch.hpp>
#include <fstream>

#include "common/test_util.h"
#include "sw/common/error.h"
#include "traces/spike_trace.h"

using namespace spiketlm;
using traces::SpikeRecord;

namespace {
std::string write_trace(const std::string& path, const std::vector<SpikeRecord>& recs, const std::string& src) {
    traces::TraceWriter w(path, src);
    for (const auto& r : recs) w.add(r);
    w.close();
    return path;
}
}  // namespace

TEST_CASE("trace: records round-trip through the binary file", "[unit]") {
    const auto dir = test::scratch_dir("trace");
    std::vector<SpikeRecord> recs = {{0, 3, 1, 42, 5, 1234}, {1, 0, 0, 7, -1, SpikeRecord::kNoCycle}};
    write_trace(dir + "/a.spk", recs, "chip");
    const auto t = traces::read_trace(dir + "/a.spk");
    CHECK(t.source == "chip");
    REQUIRE(t.records.size() == 2);
    CHECK(t.records[0].neuron == 42);
    CHECK(t.records[0].pe == 5);
    CHECK(t.records[0].cycle == 1234);
    CHECK(t.records[1].pe == -1);
    CHECK(traces::to_csv(t) == "frame,step,layer,neuron,pe,cycle\n0,3,1,42,5,1234\n1,0,0,7,,\n");
}

TEST_CASE("trace: an unclosed writer leaves no trace file", "[unit]") {
    const auto dir = test::scratch_dir("trace");
    {
        traces::TraceWriter w(dir + "/x.spk", "ref");
        w.add({0, 1, 0, 0});
    }
    std::ifstream in(dir + "/x.spk");
    CHECK_FALSE(in.good());
}

TEST_CASE("trace diff: order within a file does not matter, pe and cycle are ignored", "[unit]") {
    std::vector<SpikeRecord> a = {{0, 1, 0, 3, 2, 100}, {0, 1, 0, 1, 0, 90}, {0, 2, 1, 0, 4, 200}};
    std::vector<SpikeRecord> b = {{0, 1, 0, 1}, {0, 1, 0, 3}, {0, 2, 1, 0}};
    const auto d = traces::diff(a, b);
    CHECK(d.equal);
    CHECK(d.compared == 3);
}

TEST_CASE("trace diff: reports the first divergence with frame, step, layer and neuron", "[unit]") {
    std::vector<SpikeRecord> a = {{0, 1, 0, 1}, {0, 4, 1, 9}, {2, 0, 0, 0}};
    std::vector<SpikeRecord> b = {{0, 1, 0, 1}, {0, 5, 1, 9}, {2, 0, 0, 0}};
    const auto d = traces::diff(a, b, "ref", "chip");
    CHECK_FALSE(d.equal);
    CHECK(d.compared == 1);
    CHECK_THAT(d.message, Catch::Contains("ref has a spike at frame 0 step 4 layer 1 neuron 9 that chip lacks"));
    const auto e = traces::diff(a, {{0, 1, 0, 1}, {0, 4, 1, 9}}, "ref", "chip");
    CHECK_THAT(e.message, Catch::Contains("ref has a spike at frame 2 step 0 layer 0 neuron 0"));
}

TEST_CASE("trace: corrupt files are rejected with the file named", "[unit]") {
    const auto dir = test::scratch_dir("trace");
    write_trace(dir + "/ok.spk", {{0, 1, 0, 1}, {0, 2, 0, 2}}, "ref");
    auto data = test::read_text(dir + "/ok.spk");
    test::write_text(dir + "/cut.spk", data.substr(0, data.size() - 5));
    CHECK_THROWS_WITH(traces::read_trace(dir + "/cut.spk"), Catch::Contains("cut.spk") && Catch::Contains("truncated"));
    test::write_text(dir + "/magic.spk", "NOTATRACE-----------------------");
    CHECK_THROWS_WITH(traces::read_trace(dir + "/magic.spk"), Catch::Contains("magic.spk") && Catch::Contains("bad magic"));
    CHECK_THROWS_AS(traces::read_trace(dir + "/none.spk"), InputError);
}

TEST_CASE("trace diff CLI: exit 0 when equal, 1 with the first difference otherwise, 2 on bad input", "[system]") {
    const auto dir = test::scratch_dir("trace");
    write_trace(dir + "/a.spk", {{0, 1, 0, 1}, {0, 2, 0, 2}}, "ref");
    write_trace(dir + "/b.spk", {{0, 2, 0, 2, 1, 7}, {0, 1, 0, 1, 0, 3}}, "chip");
    write_trace(dir + "/c.spk", {{0, 1, 0, 1}, {0, 3, 0, 2}}, "chip");
    auto r = test::run_cli("trace diff " + dir + "/a.spk " + dir + "/b.spk");
    CHECK(r.exit_code == 0);
    r = test::run_cli("trace diff " + dir + "/a.spk " + dir + "/c.spk");
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("frame 0 step 2 layer 0 neuron 2"));
    r = test::run_cli("trace diff " + dir + "/a.spk " + dir + "/missing.spk");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("missing.spk"));
    r = test::run_cli("trace export " + dir + "/b.spk --out " + dir + "/b.csv");
    CHECK(r.exit_code == 0);
    CHECK(test::read_text(dir + "/b.csv") == "frame,step,layer,neuron,pe,cycle\n0,2,0,2,1,7\n0,1,0,1,0,3\n");
}

TEST_CASE("trace diff --timing: identical timed traces are equal, in any record order", "[unit]") {
    std::vector<SpikeRecord> a = {{0, 1, 0, 3, 2, 100}, {0, 1, 0, 1, 0, 90}, {1, 2, 1, 0, 4, 200}};
    std::vector<SpikeRecord> b = {{1, 2, 1, 0, 4, 200}, {0, 1, 0, 1, 0, 90}, {0, 1, 0, 3, 2, 100}};
    const auto d = traces::diff(a, b, "a", "b", true);
    CHECK(d.equal);
    CHECK_FALSE(d.cycle_difference);
    CHECK(d.compared == 3);
}

TEST_CASE("trace diff --timing: a changed cycle is named with frame, step, layer, neuron and both cycles", "[unit]") {
    std::vector<SpikeRecord> a = {{0, 1, 0, 1, 0, 90}, {0, 1, 0, 3, 2, 100}, {0, 4, 1, 2, 1, 300}, {1, 0, 0, 0, 0, 7}};
    auto b = a;
    b[2].cycle = 301;  // first cycle difference in canonical order
    b[3].cycle = 9;    // a later one must not be the one reported
    // Without timing the spikes are the same.
    CHECK(traces::diff(a, b, "ref", "chip").equal);
    const auto d = traces::diff(a, b, "fast.spk", "slow.spk", true);
    CHECK_FALSE(d.equal);
    CHECK(d.cycle_difference);
    CHECK(d.compared == 2);
    CHECK(d.message ==
          "first difference: the spike at frame 0 step 4 layer 1 neuron 2 is at cycle 300 in fast.spk but at cycle 301 "
          "in slow.spk (after 2 equal spikes)");
}

TEST_CASE("trace diff --timing: a missing spike before the first cycle difference is reported first", "[unit]") {
    std::vector<SpikeRecord> a = {{0, 1, 0, 1, 0, 90}, {0, 2, 0, 5, 0, 95}, {0, 3, 0, 1, 0, 120}};
    std::vector<SpikeRecord> b = {{0, 1, 0, 1, 0, 90}, {0, 3, 0, 1, 0, 121}};
    const auto d = traces::diff(a, b, "a", "b", true);
    CHECK_FALSE(d.equal);
    CHECK_FALSE(d.cycle_difference);
    CHECK_THAT(d.message, Catch::Contains("a has a spike at frame 0 step 2 layer 0 neuron 5 (cycle 95) that b lacks"));
}

TEST_CASE("trace diff --timing: a trace without cycles is refused with its name", "[unit]") {
    std::vector<SpikeRecord> timed = {{0, 1, 0, 1, 0, 90}};
    std::vector<SpikeRecord> untimed = {{0, 1, 0, 1}};
    CHECK_THROWS_AS(traces::diff(timed, untimed, "chip.spk", "ref.spk", true), InputError);
    CHECK_THROWS_WITH(traces::diff(timed, untimed, "chip.spk", "ref.spk", true),
                      Catch::Contains("'ref.spk'") && Catch::Contains("no cycle") &&
                          Catch::Contains("frame 0 step 1 layer 0 neuron 1"));
    CHECK_THROWS_WITH(traces::diff(untimed, timed, "ref.spk", "chip.spk", true), Catch::Contains("'ref.spk'"));
    CHECK(traces::diff(timed, untimed, "chip.spk", "ref.spk").equal);  // without timing: fine
}

TEST_CASE("trace diff --timing CLI: exit 0 on equal cycles, 1 naming the spike and both cycles, 2 without cycles",
          "[system]") {
    const auto dir = test::scratch_dir("trace");
    write_trace(dir + "/a.spk", {{0, 1, 0, 1, 0, 40}, {0, 2, 0, 2, 1, 77}}, "chip");
    write_trace(dir + "/same.spk", {{0, 2, 0, 2, 1, 77}, {0, 1, 0, 1, 0, 40}}, "chip");
    write_trace(dir + "/late.spk", {{0, 1, 0, 1, 0, 40}, {0, 2, 0, 2, 1, 78}}, "chip");
    write_trace(dir + "/ref.spk", {{0, 1, 0, 1}, {0, 2, 0, 2}}, "reference");
    auto r = test::run_cli("trace diff --timing " + dir + "/a.spk " + dir + "/same.spk");
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("traces equal: 2 spikes, same cycles"));
    r = test::run_cli("trace diff " + dir + "/a.spk " + dir + "/late.spk");
    CHECK(r.exit_code == 0);  // without --timing: unchanged behaviour
    r = test::run_cli("trace diff --timing " + dir + "/a.spk " + dir + "/late.spk");
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("frame 0 step 2 layer 0 neuron 2 is at cycle 77 in " + dir +
                                         "/a.spk but at cycle 78 in " + dir + "/late.spk"));
    r = test::run_cli("trace diff --timing " + dir + "/a.spk " + dir + "/ref.spk");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains(dir + "/ref.spk") && Catch::Contains("no cycle"));
}
