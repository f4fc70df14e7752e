// The VCD and Perfetto writers on a hand-made activity whose signal values are worked out here by
// hand; the recorder's frame window and scopes; the scope list's errors.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "sw/common/error.h"
#include "traces/activity.h"
#include "traces/perfetto.h"
#include "traces/vcd.h"
#include "traces/vcd_reader.h"  // tests/traces

using namespace spiketlm;
using traces::PeStage;

namespace {

// 250 MHz (4 ns = 4000 ps a cycle), 4x4 mesh; one frame, two steps; node 5 = tile (1,1).
traces::Activity sample() {
    traces::Activity a;
    a.scopes = traces::parse_scopes(traces::scope_names(), "trace.scopes");
    a.clock_mhz = 250;
    a.mesh_width = a.mesh_height = 4;
    a.frames.push_back({7, 10, 40});
    a.steps.push_back({7, 0, 14, 20, 22});
    a.steps.push_back({7, 1, 22, 37, 40});
    a.pe = {{5, PeStage::reset, 10, 14, 7},   {5, PeStage::update, 14, 17, 0}, {5, PeStage::update, 22, 30, 1},
            {5, PeStage::load, 18, 20, 3},    {5, PeStage::load, 15, 18, 2},   // reported out of order, adjacent
            {5, PeStage::compute, 16, 17, 0}, {5, PeStage::compute, 19, 21, 0}, {5, PeStage::fifo_slot, 14, 16, 2},
            {5, PeStage::fifo_slot, 15, 19, 3}};
    a.queue = {{0, 12, 1}, {0, 13, 1}, {0, 13, -1}, {0, 15, -1}};
    a.packets = {{0, 5, 12, 18, 2, 1, false}, {0, 5, 13, 16, 2, 1, false}, {0, 5, 17, 25, 2, 1, false},
                 {5, 0, 24, 30, 2, 2, true}};
    return a;
}

}  // namespace

TEST_CASE("vcd: the header declares the signals and the values at each cycle are the activity's", "[unit]") {
    const auto v = test::parse_vcd(traces::vcd_text(sample()));
    CHECK(v.timescale == "1 ps");
    for (const char* s : {"chip.frame", "chip.step", "chip.barrier", "tile_1_1.load", "tile_1_1.compute",
                          "tile_1_1.update", "tile_1_1.reset", "tile_1_1.input_fifo", "tile_1_1.injection_queue",
                          "tile_0_0.injection_queue"})
        CHECK(v.has(s));
    CHECK(v.width_of.at("chip.barrier") == 1);
    auto at = [&](const std::string& var, long long cycle) { return v.at(var, cycle * 4000); };
    // load: [15, 18) and [18, 20) read as one busy stretch.
    for (long long c : {14, 15, 17, 18, 19, 20}) CHECK(at("tile_1_1.load", c) == (c >= 15 && c < 20));
    CHECK(v.rises("tile_1_1.load") == 1);
    for (long long c : {15, 16, 17, 18, 19, 20, 21}) CHECK(at("tile_1_1.compute", c) == (c == 16 || c == 19 || c == 20));
    // FIFO slots [14, 16) and [15, 19): 1, 2, 1, 1, 1, 0.
    const long long fifo[] = {1, 2, 1, 1, 1, 0};
    for (long long c = 14; c < 20; ++c) CHECK(at("tile_1_1.input_fifo", c) == fifo[c - 14]);
    // Queue of node 0: +1 at 12, +1 -1 at 13, -1 at 15.
    CHECK(at("tile_0_0.injection_queue", 11) == 0);
    CHECK(at("tile_0_0.injection_queue", 12) == 1);
    CHECK(at("tile_0_0.injection_queue", 13) == 1);
    CHECK(at("tile_0_0.injection_queue", 15) == 0);
    // Chip: frame 7 from cycle 10; step 0 then 1 at 22; barriers [20, 22) and [37, 40).
    CHECK(at("chip.frame", 10) == 7);
    CHECK(at("chip.step", 21) == 0);
    CHECK(at("chip.step", 22) == 1);
    for (long long c : {19, 20, 21, 22, 36, 37, 39, 40}) CHECK(at("chip.barrier", c) == ((c >= 20 && c < 22) || (c >= 37 && c < 40)));
    CHECK(v.rises("chip.barrier") == 2);
    CHECK(at("tile_1_1.update", 16) == 1);
    CHECK(at("tile_1_1.update", 17) == 0);
    CHECK(at("tile_1_1.reset", 13) == 1);
    CHECK(at("tile_1_1.reset", 14) == 0);
    CHECK(v.last_time == 40 * 4000);
}

TEST_CASE("vcd: scopes limit the signals", "[unit]") {
    auto a = sample();
    a.scopes = traces::parse_scopes({"pe"}, "trace.scopes");
    const auto v = test::parse_vcd(traces::vcd_text(a));
    CHECK(!v.has("chip.step"));
    CHECK(!v.has("tile_1_1.input_fifo"));
    CHECK(!v.has("tile_1_1.injection_queue"));
    CHECK(v.has("tile_1_1.compute"));
}

TEST_CASE("perfetto: trace-event JSON with named processes and threads, X events in microseconds", "[unit]") {
    const auto j = nlohmann::json::parse(traces::perfetto_json(sample()));
    REQUIRE(j.contains("traceEvents"));
    std::map<std::pair<int, int>, std::string> thread;
    std::map<int, std::string> process;
    std::map<std::string, int> x_by_name;
    for (const auto& e : j["traceEvents"]) {
        for (const char* k : {"name", "ph", "ts", "pid", "tid"}) REQUIRE(e.contains(k));
        if (e["ph"] == "M" && e["name"] == "thread_name") thread[{e["pid"], e["tid"]}] = e["args"]["name"];
        if (e["ph"] == "M" && e["name"] == "process_name") process[e["pid"]] = e["args"]["name"];
        if (e["ph"] == "X") {
            REQUIRE(e["dur"].get<double>() >= 0);
            ++x_by_name[e["name"].get<std::string>().substr(0, e["name"].get<std::string>().find(' '))];
        }
    }
    CHECK(process.at(0) == "chip");
    CHECK(process.at(6) == "tile (1,1)");
    CHECK(process.at(1) == "tile (0,0)");
    CHECK(thread.at({6, 1}) == "PE LOAD");
    CHECK(thread.at({6, 2}) == "PE COMPUTE");
    CHECK(thread.at({6, 3}) == "update");
    CHECK(thread.at({6, 10}) == "NI");
    CHECK(x_by_name["LOAD"] == 2);
    CHECK(x_by_name["COMPUTE"] == 2);
    CHECK(x_by_name["update"] == 2);
    CHECK(x_by_name["reset"] == 1);
    CHECK(x_by_name["spike"] == 3);
    CHECK(x_by_name["output"] == 1);
    CHECK(x_by_name["barrier"] == 2);
    CHECK(x_by_name["step"] == 2);
    CHECK(x_by_name["frame"] == 1);
    // Packets of node 0: [12, 18) on NI, [13, 16) overlaps it: NI 2; [17, 25) fits NI 2 again.
    CHECK(thread.at({1, 10}) == "NI");
    CHECK(thread.at({1, 11}) == "NI 2");
    CHECK(thread.count({1, 12}) == 0);
    std::vector<std::tuple<int, double, double>> pk;  // tid, ts, dur
    for (const auto& e : j["traceEvents"])
        if (e["ph"] == "X" && e["pid"] == 1 && e["cat"] == "packet") pk.emplace_back(e["tid"], e["ts"], e["dur"]);
    REQUIRE(pk.size() == 3);
    CHECK(pk[0] == std::make_tuple(10, 12 / 250.0, 6 / 250.0));
    CHECK(pk[1] == std::make_tuple(11, 13 / 250.0, 3 / 250.0));
    CHECK(pk[2] == std::make_tuple(11, 17 / 250.0, 8 / 250.0));
    // Counters: the FIFO occupancy changes 1, 2, 1, 0.
    std::vector<long long> fifo;
    for (const auto& e : j["traceEvents"])
        if (e["ph"] == "C" && e["name"] == "input FIFO") fifo.push_back(e["args"]["value"]);
    CHECK(fifo == std::vector<long long>{1, 2, 1, 0});
    CHECK(j["otherData"]["clock_mhz"] == 250.0);
}

TEST_CASE("activity recorder: keeps only the frame window and the scopes asked for", "[unit]") {
    traces::ActivityRecorder r(traces::parse_scopes({"chip", "packets"}, "k"), 1, 2, 100, 4, 4);
    for (std::uint64_t f = 0; f < 4; ++f) {
        r.frame_begin(f, f * 100);
        r.step_start(0, f * 100 + 5);
        r.barrier(0, f * 100 + 50, f * 100 + 54);
        r.pe_interval(3, PeStage::load, f * 100 + 6, f * 100 + 9, 0);
        r.packet(0, 3, f * 100 + 6, f * 100 + 20, 3, 1, false);
        r.injection_queue(0, f * 100 + 6, 1);
        r.frame_end(f, f * 100 + 54);
    }
    const auto& a = r.activity();
    REQUIRE(a.frames.size() == 2);
    CHECK(a.frames[0].frame == 1);
    CHECK(a.frames[1].end == 254);
    REQUIRE(a.steps.size() == 2);
    CHECK(a.steps[1].barrier == 250);
    CHECK(a.packets.size() == 2);
    CHECK(a.pe.empty());     // no "pe" scope
    CHECK(a.queue.empty());  // no "ni" scope
}

TEST_CASE("trace scopes: an unknown or empty list is an error naming the key and the known scopes", "[unit]") {
    CHECK_THROWS_WITH(traces::parse_scopes({"pe", "routers"}, "trace.scopes"),
                      Catch::Contains("trace.scopes") && Catch::Contains("'routers'") && Catch::Contains("packets"));
    CHECK_THROWS_AS(traces::parse_scopes({}, "trace.scopes"), InputError);
    CHECK(traces::parse_scopes({"chip", "ni"}, "x") == (traces::kScopeChip | traces::kScopeNi));
}
