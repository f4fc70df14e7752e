// Acceptance (issue 12, traces): `spiketlm run` on the default 4x4 chip writes trace.json, valid
// trace-event JSON whose event counts equal the run's statistics (stats.csv: NI deliveries, PE
// events and synapse words, barriers, timesteps, cycles), and trace.vcd, which parses and whose
// barrier and update pulses match the same counts. Same config and seed: identical files. A frame
// window bounds the events; bad trace settings are one error naming the key.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/test_util.h"
#include "sw/io/model_file.h"
#include "sw/snn/random_network.h"
#include "traces/vcd_reader.h"  // tests/traces

using namespace spiketlm;
namespace fs = std::filesystem;

namespace {

// A 784-240-60-10 LIF network on configs/chips/yoso.yaml (4x4 mesh): 3 + 1 + 1 PEs.
struct Setup {
    std::string dir = test::scratch_dir("run-trace");
    Setup() {
        snn::RandomNetworkSpec spec;
        spec.sizes = {784, 240, 60, 10};
        spec.timesteps = 20;
        spec.seed = 4;
        spec.encoding.kind = "rate";
        spec.encoding.steps = 14;
        spec.encoding.rate_max = 0.3;
        io::save_model(dir + "/model", snn::random_network(spec));
        test::fashion_mnist_data_dir(dir);
        test::write_text(dir + "/run.yaml", "include: " + test::source_dir() + "/configs/chips/yoso.yaml\n" +
                                                "chip:\n  energy_table: " + test::source_dir() +
                                                "/configs/energy/default-45nm.yaml\nrun:\n  model: " + dir +
                                                "/model\n  data_dir: " + dir + "/data\n  frames: 3\n");
    }
    test::CmdResult run(const std::string& out, const std::string& sets) const {
        return test::run_cli("run --config " + dir + "/run.yaml --out " + dir + "/" + out + " " + sets);
    }
};

// stats.csv: name -> value, and sums over names ending in a suffix.
struct Stats {
    std::map<std::string, double> v;
    explicit Stats(const std::string& path) {
        std::istringstream in(test::read_text(path));
        std::string line;
        std::getline(in, line);
        while (std::getline(in, line)) {
            if (line.empty() || line[0] == '"') continue;  // histogram bins (quoted names); counters only below
            const auto a = line.find(','), b = line.find(',', a + 1), c = line.find(',', b + 1);
            v[line.substr(0, a)] = std::stod(line.substr(b + 1, c - b - 1));
        }
    }
    double at(const std::string& name) const { return v.at(name); }
    double sum_ending(const std::string& suffix, std::size_t* count = nullptr) const {
        double s = 0;
        std::size_t n = 0;
        for (const auto& [k, x] : v)
            if (k.size() >= suffix.size() && k.compare(k.size() - suffix.size(), suffix.size(), suffix) == 0) {
                s += x;
                ++n;
            }
        if (count) *count = n;
        return s;
    }
};

const std::string k_on = "--set trace.vcd=true --set trace.perfetto=true --set trace.frames=3";

}  // namespace

TEST_CASE("run traces: a 4x4 run's Perfetto JSON is valid trace-event JSON and its counts equal stats.csv, the VCD "
          "parses and agrees", "[system]") {
    Setup s;
    const auto r = s.run("a", k_on);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const Stats st(s.dir + "/a/stats.csv");
    const auto j = test::read_json(s.dir + "/a/trace.json");
    REQUIRE(j["traceEvents"].is_array());
    const double mhz = j["otherData"]["clock_mhz"];
    CHECK(mhz == 100.0);

    std::map<std::string, std::size_t> x_count;  // by cat / name's first word
    std::map<std::pair<int, int>, std::vector<std::pair<long long, long long>>> lanes;  // (pid, tid) -> cycles
    std::set<std::string> process_names;
    double frame_cycles = 0;
    long long last_frame_end = 0;  // cycle
    for (const auto& e : j["traceEvents"]) {
        for (const char* k : {"name", "ph", "ts", "pid", "tid"}) REQUIRE(e.contains(k));
        const std::string ph = e["ph"];
        REQUIRE((ph == "X" || ph == "i" || ph == "C" || ph == "M"));
        if (ph == "M" && e["name"] == "process_name") process_names.insert(e["args"]["name"].get<std::string>());
        if (ph != "X") continue;
        REQUIRE(e.contains("dur"));
        REQUIRE(e["dur"].get<double>() >= 0);
        const std::string name = e["name"];
        const std::string key = e["cat"] == "packet" ? "packet" : name.substr(0, name.find(' '));
        ++x_count[key];
        const long long b = std::llround(e["ts"].get<double>() * mhz), d = std::llround(e["dur"].get<double>() * mhz);
        lanes[{e["pid"], e["tid"]}].emplace_back(b, b + d);
        if (key == "frame") {
            frame_cycles += static_cast<double>(d);
            last_frame_end = std::max(last_frame_end, b + d);
        }
    }
    // Packets: one per delivery (every NI's packet_out).
    CHECK(x_count["packet"] == st.sum_ending(".packet_out"));
    CHECK(x_count["packet"] > 1000);
    // PE stages: a LOAD per spike event, a COMPUTE per synapse word, an update per PE and step.
    std::size_t pes = 0;
    CHECK(x_count["LOAD"] == st.sum_ending(".pe.events", &pes));
    CHECK(pes == 5);
    CHECK(x_count["COMPUTE"] == st.sum_ending(".pe.synapse_words"));
    CHECK(x_count["update"] == pes * st.at("chip.timesteps"));
    CHECK(x_count["reset"] == pes * 3);
    // Chip: a barrier and a step slice per timestep, the frames' cycles.
    CHECK(x_count["barrier"] == st.at("chip.barrier.sync"));
    CHECK(x_count["step"] == st.at("chip.timesteps"));
    CHECK(x_count["frame"] == 3);
    CHECK(frame_cycles == st.at("chip.cycles"));
    CHECK(process_names.count("chip") == 1);
    CHECK(process_names.count("tile (0,0)") == 1);
    // Slices on one thread never overlap (what Perfetto needs to draw them).
    for (auto& [lane, v] : lanes) {
        std::sort(v.begin(), v.end());
        for (std::size_t i = 1; i < v.size(); ++i) {
            INFO("pid " << lane.first << " tid " << lane.second);
            REQUIRE(v[i].first >= v[i - 1].second);
        }
    }

    // VCD: parses; one barrier pulse per timestep, one update pulse per PE and step at least.
    const auto vcd = test::parse_vcd(test::read_text(s.dir + "/a/trace.vcd"));
    CHECK(vcd.timescale == "1 ps");
    CHECK(vcd.rises("chip.barrier") == st.at("chip.barrier.sync"));
    std::size_t tiles = 0;
    for (const auto& [name, code] : vcd.code_of)
        if (name.size() > 7 && name.compare(name.size() - 7, 7, ".update") == 0) {
            ++tiles;
            CHECK(vcd.rises(name) >= 1);
            CHECK(vcd.rises(name) <= st.at("chip.timesteps"));  // back-to-back steps may merge pulses
        }
    CHECK(tiles == pes);
    CHECK(vcd.last_time == std::llround(static_cast<double>(last_frame_end) * 1e6 / mhz));  // the last barrier's end

    // Determinism: the same run again writes the same bytes.
    REQUIRE(s.run("b", k_on).exit_code == 0);
    CHECK(test::read_text(s.dir + "/a/trace.json") == test::read_text(s.dir + "/b/trace.json"));
    CHECK(test::read_text(s.dir + "/a/trace.vcd") == test::read_text(s.dir + "/b/trace.vcd"));
}

TEST_CASE("run traces: a frame window holds only that frame's events, bad settings name the key", "[system]") {
    Setup s;
    const auto r = s.run("w", "--set trace.perfetto=true --set trace.first_frame=1 --set trace.frames=1");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(!fs::exists(s.dir + "/w/trace.vcd"));
    const auto j = test::read_json(s.dir + "/w/trace.json");
    double begin = -1, end = -1;
    for (const auto& e : j["traceEvents"])
        if (e["ph"] == "X" && e["name"].get<std::string>().rfind("frame ", 0) == 0) {
            CHECK(e["name"] == "frame 1");
            CHECK(begin < 0);
            begin = e["ts"];
            end = begin + e["dur"].get<double>();
        }
    REQUIRE(begin > 0);
    std::size_t timed = 0;
    for (const auto& e : j["traceEvents"]) {
        if (e["ph"] == "M") continue;
        ++timed;
        CHECK(e["ts"].get<double>() >= begin);
        CHECK(e["ts"].get<double>() + (e.contains("dur") ? e["dur"].get<double>() : 0.0) <= end + 1e-9);
    }
    CHECK(timed > 100);

    auto fails_naming = [&](const std::string& sets, const std::string& key) {
        const auto f = s.run("bad", sets);
        INFO(f.output);
        CHECK(f.exit_code != 0);
        CHECK(f.output.find(key) != std::string::npos);
        CHECK(!fs::exists(s.dir + "/bad/report.json"));
    };
    fails_naming("--set 'trace.scopes=[pe,routers]'", "trace.scopes: unknown scope 'routers'");
    fails_naming("--set trace.vcd=true --set trace.frames=0", "trace.frames");
    fails_naming("--set trace.vcd=true --set trace.first_frame=3", "trace.first_frame");
}

TEST_CASE("run traces: per-hop events when asked: a local-port hop per delivery, a link hop per head flit on a link",
          "[system]") {
    Setup s;
    const auto r = s.run("h", "--set trace.perfetto=true --set trace.frames=3 --set 'trace.scopes=[chip,packets,hops]'");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const Stats st(s.dir + "/h/stats.csv");
    const auto j = test::read_json(s.dir + "/h/trace.json");
    std::size_t local = 0, link = 0, packets = 0, multi_flit = 0;
    for (const auto& e : j["traceEvents"]) {
        if (e["ph"] == "X" && e["cat"] == "packet") {
            ++packets;
            if (e["args"]["flits"].get<int>() > 1) ++multi_flit;
        }
        if (e["ph"] != "i" || e["cat"] != "hop") continue;
        (e["name"] == "hop -> local" ? local : link) += 1;
        CHECK(e["args"]["cycle"].get<long long>() >= e["args"]["injected"].get<long long>());
    }
    // Every delivery leaves its destination router through the local port once.
    CHECK(local == packets);
    CHECK(local == st.sum_ending(".packet_out"));
    // With one-flit packets every flit on a router-to-router link is a head: one hop event each.
    REQUIRE(multi_flit == 0);
    CHECK(link == st.sum_ending(".flit"));
    CHECK(link > 100);
    // Not asked for: no hop events (the default scopes).
    const auto d = s.run("d", "--set trace.perfetto=true --set trace.frames=1");
    REQUIRE(d.exit_code == 0);
    const auto jd = test::read_json(s.dir + "/d/trace.json");
    for (const auto& e : jd["traceEvents"]) CHECK(e.value("cat", "") != "hop");
}
