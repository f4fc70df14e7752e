// `spiketlm sweep` end to end on a small generated model and real Fashion-MNIST frames: a grid
// plus a failing point with --jobs 2 (the failure is recorded, the rest complete, results.csv
// equals the points' reports), resuming after a kill without redoing finished points, and a
// malformed sweep file rejected before anything runs.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "common/test_util.h"
#include "sw/io/model_file.h"
#include "sw/snn/random_network.h"

using namespace spiketlm;
namespace fs = std::filesystem;

namespace {

// dir/model (784-60-10 random LIF network), dir/data/fashion-mnist -> Debian's files, dir/base.yaml.
struct Setup {
    std::string dir = test::scratch_dir("sweep");
    Setup() {
        snn::RandomNetworkSpec spec;
        spec.sizes = {784, 60, 10};
        spec.kind = snn::NeuronKind::lif;
        spec.timesteps = 24;
        spec.seed = 3;
        spec.encoding.kind = "rate";
        spec.encoding.steps = 16;
        spec.encoding.rate_max = 0.3;
        io::save_model(dir + "/model", snn::random_network(spec));
        test::fashion_mnist_data_dir(dir);
        test::write_text(dir + "/base.yaml", "include: " + test::source_dir() + "/configs/chips/yoso.yaml\n" +
                                                 "chip:\n  energy_table: " + test::source_dir() +
                                                 "/configs/energy/default-45nm.yaml\n" + "run:\n  model: " + dir +
                                                 "/model\n  data_dir: " + dir + "/data\n  frames: 1000\n");
    }
    std::string sweep(const std::string& name, const std::string& body) const {
        const std::string path = dir + "/" + name + ".yaml";
        test::write_text(path, "base: base.yaml\nseed: 5\n" + body);
        return path;
    }
};

// results.csv as rows of cells keyed by column name (no quoted commas in the checked columns).
std::vector<std::map<std::string, std::string>> read_csv(const std::string& path) {
    std::istringstream in(test::read_text(path));
    std::string line;
    std::getline(in, line);
    auto split = [](const std::string& l) {
        std::vector<std::string> cells;
        std::string cur;
        bool quoted = false;
        for (char c : l) {
            if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) cells.push_back(cur), cur.clear();
            else cur += c;
        }
        cells.push_back(cur);
        return cells;
    };
    const auto cols = split(line);
    std::vector<std::map<std::string, std::string>> rows;
    while (std::getline(in, line)) {
        const auto cells = split(line);
        std::map<std::string, std::string> r;
        for (std::size_t i = 0; i < cols.size() && i < cells.size(); ++i) r[cols[i]] = cells[i];
        rows.push_back(r);
    }
    return rows;
}

std::map<std::string, fs::file_time_type> report_times(const std::string& out) {
    std::map<std::string, fs::file_time_type> t;
    if (!fs::exists(out + "/points")) return t;
    for (const auto& e : fs::directory_iterator(out + "/points"))
        if (fs::exists(e.path() / "report.json")) t[e.path().filename().string()] = fs::last_write_time(e.path() / "report.json");
    return t;
}

// Processes of process group `pgid` that are still running (zombies aside: in a container nobody
// may reap them).
int live_in_group(pid_t pgid) {
    int n = 0;
    for (const auto& e : fs::directory_iterator("/proc")) {
        const std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::string stat;
        try {
            stat = test::read_text(e.path().string() + "/stat");
        } catch (const std::exception&) {
            continue;  // gone meanwhile
        }
        const auto close = stat.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream in(stat.substr(close + 2));
        std::string state;
        long ppid = 0, pgrp = 0;
        in >> state >> ppid >> pgrp;
        if (pgrp == pgid && state != "Z" && state != "X") ++n;
    }
    return n;
}

}  // namespace

TEST_CASE("sweep: --jobs 2 runs a grid, records a failing point, and results.csv equals the reports", "[system]") {
    Setup s;
    const std::string file = s.sweep("grid", "frames: 4\ngrid:\n  chip.pe.lanes: [2, 8]\n  chip.noc.router_pipeline: [1, 3]\n"
                                             "list:\n  - {chip.pe.neurons: 4}   # 18 PEs needed, 16 on the mesh\n");
    const std::string out = s.dir + "/out";
    const auto r = test::run_cli("sweep " + file + " --out " + out + " --jobs 2");
    INFO(r.output);
    CHECK(r.exit_code == 1);  // a point failed
    CHECK_THAT(r.output, Catch::Contains("4 run now, 0 finished before, 1 failed"));
    CHECK_THAT(r.output, Catch::Contains("chip.pe.neurons=4"));
    const auto rows = read_csv(out + "/results.csv");
    REQUIRE(rows.size() == 5);
    const std::vector<std::pair<std::string, std::string>> grid = {{"2", "1"}, {"2", "3"}, {"8", "1"}, {"8", "3"}};
    for (std::size_t i = 0; i < 4; ++i) {
        const auto& row = rows[i];
        CHECK(row.at("chip.pe.lanes") == grid[i].first);
        CHECK(row.at("chip.noc.router_pipeline") == grid[i].second);
        CHECK(row.at("status") == "ok");
        const std::string pdir = out + "/points/" + row.at("point");
        const auto rep = test::read_json(pdir + "/report.json");
        CHECK(rep["frames"] == 4);
        for (const char* f : {"accuracy", "cycles_per_frame", "energy_nj_per_frame", "latency_us_per_frame"})
            CHECK(std::stod(row.at(f)) == rep[f].get<double>());
        CHECK(std::to_string(rep["seed"].get<std::uint64_t>()) == row.at("seed"));
        // The point ran with its own values.
        const std::string eff = test::read_text(pdir + "/config.effective.yaml");
        CHECK_THAT(eff, Catch::Contains("lanes: " + grid[i].first));
        CHECK_THAT(eff, Catch::Contains("router_pipeline: " + grid[i].second));
    }
    // More lanes: fewer cycles per frame; a deeper router pipeline: more.
    CHECK(std::stod(rows[2].at("cycles_per_frame")) < std::stod(rows[0].at("cycles_per_frame")));
    CHECK(std::stod(rows[1].at("cycles_per_frame")) > std::stod(rows[0].at("cycles_per_frame")));
    CHECK(rows[4].at("status") == "failed");
    CHECK(rows[4].at("chip.pe.neurons") == "4");
    CHECK_THAT(rows[4].at("error"), Catch::Contains("does not fit"));
    CHECK(rows[4].at("accuracy").empty());

    // Running it again redoes only the failed point; collect adds the Pareto column.
    const auto before = report_times(out);
    const auto again = test::run_cli("sweep " + file + " --out " + out + " --jobs 2");
    CHECK_THAT(again.output, Catch::Contains("0 run now, 4 finished before, 1 failed"));
    CHECK(report_times(out) == before);
    test::run_cli_ok("sweep collect " + out + " --pareto accuracy,energy_nj_per_frame,latency_us_per_frame");
    const auto pr = read_csv(out + "/results.csv");
    REQUIRE(pr.size() == 5);
    CHECK(pr[4].at("pareto").empty());
    int front = 0;
    for (int i = 0; i < 4; ++i) front += pr[static_cast<std::size_t>(i)].at("pareto") == "1";
    CHECK(front >= 1);
    CHECK(pr[1].at("pareto") == "0");  // lanes 2 / pipeline 3: the slowest, no cheaper, no more accurate
}

TEST_CASE("sweep: a killed sweep resumes without redoing finished points", "[system]") {
    Setup s;
    const std::string file = s.sweep("resume", "frames: 60\ngrid:\n  chip.pe.lanes: [1, 2, 4, 8, 16, 32]\n");
    const std::string out = s.dir + "/out";
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::setsid();  // its own process group, so that the check below can see leftover children
        ::execl(SPIKETLM_CLI, SPIKETLM_CLI, "--quiet", "sweep", file.c_str(), "--out", out.c_str(), "--jobs", "1",
                static_cast<char*>(nullptr));
        ::_exit(127);
    }
    for (int k = 0; k < 1500 && report_times(out).size() < 2; ++k) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ::kill(pid, SIGKILL);  // the sweep only: its running point must die with it
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status));
    const auto done = report_times(out);
    INFO("finished before the kill: " << done.size());
    // Longer than a point takes: an orphaned point would have finished (and written report.json).
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    CHECK(live_in_group(pid) == 0);
    CHECK(report_times(out) == done);
    REQUIRE(done.size() >= 2);
    REQUIRE(done.size() < 6);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // distinct mtimes for rewritten files
    const auto r = test::run_cli_ok("sweep " + file + " --out " + out + " --jobs 2");
    CHECK_THAT(r.output, Catch::Contains(std::to_string(6 - done.size()) + " run now, " + std::to_string(done.size()) +
                                         " finished before, 0 failed"));
    const auto after = report_times(out);
    CHECK(after.size() == 6);
    for (const auto& [id, t] : done) CHECK(after.at(id) == t);
    for (const auto& row : read_csv(out + "/results.csv")) CHECK(row.at("status") == "ok");
}

TEST_CASE("sweep: a malformed sweep file is an error naming key and file:line before any point runs", "[system]") {
    Setup s;
    struct Case {
        std::string body, line, what;
    };
    const std::vector<Case> cases = {
        {"grid:\n  chip.pe.lanes: [2]\nfarmes: 3\n", ":5:", "unknown key 'farmes'"},
        {"grid: {}\n", ":3:", "'grid' is empty"},
        {"grid:\n  chip.pe.lanes: [2, 4]\n  chip.noc.router_pipeline: [1, deep]\n", ":5:",
         "key 'chip.noc.router_pipeline' expects int, got 'deep'"},
        {"list:\n  - {chip.pe.lanes: 2}\n  - {chip.pe.lanse: 2}\n", ":5:",
         "unknown key 'chip.pe.lanse': not a declared parameter (did you mean 'chip.pe.lanes'?)"},
    };
    int n = 0;
    for (const auto& c : cases) {
        const std::string file = s.sweep("bad" + std::to_string(n), c.body);
        const std::string out = s.dir + "/bad-out" + std::to_string(n++);
        const auto r = test::run_cli("sweep " + file + " --out " + out);
        INFO(c.body << "\n->\n" << r.output);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.output, Catch::Contains(file + c.line));
        CHECK_THAT(r.output, Catch::Contains(c.what));
        CHECK_FALSE(fs::exists(out));
    }
    const auto r = test::run_cli("sweep collect " + s.dir + "/nowhere");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("is not a sweep directory"));
}

TEST_CASE("sweep: include switches the preset and chip.energy_table the table, on the same input spikes", "[system]") {
    Setup s;
    test::write_text(s.dir + "/slow.yaml", "chip:\n  clock_mhz: 50.0\n");
    const std::string table = test::source_dir() + "/configs/energy/odin-28nm.yaml";
    // sim.seed swept with one value: every point draws the same rate-coded input spikes.
    const std::string file = s.sweep("presets", "frames: 3\ngrid:\n  sim.seed: [9]\n  chip.pe.lanes: [2]\nlist:\n"
                                                "  - {sim.seed: 9, chip.pe.lanes: 2, include: slow.yaml}\n"
                                                "  - {sim.seed: 9, chip.pe.lanes: 2, chip.energy_table: " + table + "}\n");
    const std::string out = s.dir + "/out";
    test::run_cli_ok("sweep " + file + " --out " + out + " --jobs 2");
    const auto rows = read_csv(out + "/results.csv");
    REQUIRE(rows.size() == 3);
    for (const auto& row : rows) CHECK(row.at("seed") == "9");
    CHECK(rows[1].at("include") == "slow.yaml");
    // Same spikes and cycles; half the clock: twice the latency.
    CHECK(rows[1].at("cycles_per_frame") == rows[0].at("cycles_per_frame"));
    CHECK(std::stod(rows[1].at("latency_us_per_frame")) == Approx(2 * std::stod(rows[0].at("latency_us_per_frame"))));
    CHECK(rows[1].at("spikes_per_frame") == rows[0].at("spikes_per_frame"));
    // Another energy table: same cycles, other energy, and the run says which table it used.
    CHECK(rows[2].at("cycles_per_frame") == rows[0].at("cycles_per_frame"));
    CHECK(rows[2].at("energy_nj_per_frame") != rows[0].at("energy_nj_per_frame"));
    CHECK_THAT(test::read_text(out + "/points/" + rows[2].at("point") + "/config.effective.yaml"),
               Catch::Contains("odin-28nm.yaml"));
    CHECK_THAT(test::read_text(out + "/points/" + rows[1].at("point") + "/config.effective.yaml"),
               Catch::Contains("clock_mhz: 50"));
}
