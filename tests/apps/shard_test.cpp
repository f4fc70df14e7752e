// Frame-parallel and sharded chip runs (apps/run_shards.h, docs/chip.md): the merged report
// (timing fields aside), statistics, per-frame decisions, spike trace and activity traces are
// byte for byte those of one process running every frame; bad shard options and unmergeable
// shard sets are bad input (exit 2) with a message naming the culprit; a killed worker fails the
// run naming its shard and leaves no report.json.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "common/test_util.h"
#include "sw/io/model_file.h"
#include "sw/report/report.h"
#include "sw/snn/random_network.h"

using namespace spiketlm;
namespace fs = std::filesystem;

namespace {

// A small generated model on real Fashion-MNIST frames, on the default chip, with a fixed run
// name (so that reports of different directories compare equal).
struct Setup {
    std::string dir = test::scratch_dir("shard");
    explicit Setup(int frames) {
        snn::RandomNetworkSpec spec;
        spec.sizes = {784, 60, 10};
        spec.kind = snn::NeuronKind::lif;
        spec.timesteps = 24;
        spec.seed = 5;
        spec.encoding.kind = "rate";
        spec.encoding.steps = 16;
        spec.encoding.rate_max = 0.3;
        io::save_model(dir + "/model", snn::random_network(spec));
        test::fashion_mnist_data_dir(dir);
        test::write_text(dir + "/run.yaml", "include: " + test::source_dir() +
                                                "/configs/chips/yoso.yaml\n"
                                                "chip:\n  energy_table: " +
                                                test::source_dir() + "/configs/energy/default-45nm.yaml\n" +
                                                "run:\n  name: shardtest\n  model: " + dir + "/model\n  data_dir: " +
                                                dir + "/data\n  frames: " + std::to_string(frames) + "\n");
    }
    test::CmdResult run(const std::string& out, const std::string& extra = "") const {
        return test::run_cli("-q run --config " + dir + "/run.yaml --out " + dir + "/" + out + " " + extra);
    }
    std::string file(const std::string& out, const std::string& name) const {
        return test::read_text(dir + "/" + out + "/" + name);
    }
    // report.json without its timing fields.
    nlohmann::json report(const std::string& out) const {
        auto j = nlohmann::json::parse(file(out, "report.json"));
        for (const auto& f : report::timing_fields()) j.erase(f);
        return j;
    }
};

// Every output file of `b` that `a` has (timing aside) is identical.
void check_same_outputs(const Setup& s, const std::string& a, const std::string& b,
                        const std::vector<std::string>& files) {
    CHECK(s.report(a).dump(1) == s.report(b).dump(1));
    for (const auto& f : files) {
        INFO(f);
        CHECK(s.file(a, f) == s.file(b, f));
    }
}

}  // namespace

TEST_CASE("run: two worker processes give the report, stats, decisions and traces of one process", "[system]") {
    Setup s(60);
    // The activity window (frames 25..34) straddles the two workers' shards (0..29, 30..59).
    const std::string trace = "--set trace.vcd=on --set trace.perfetto=on --set trace.first_frame=25 --set trace.frames=10";
    const auto one = s.run("one", "--threads 1 " + trace);
    REQUIRE(one.exit_code == 0);
    const auto two = s.run("two", "--threads 2 " + trace);
    INFO(two.output);
    REQUIRE(two.exit_code == 0);
    check_same_outputs(s, "one", "two",
                       {"stats.csv", "decisions.csv", "spikes.spk", "trace.vcd", "trace.json"});
    CHECK(test::read_text(s.dir + "/two/log.txt").find("2 worker processes") != std::string::npos);
    CHECK_FALSE(fs::exists(s.dir + "/two/shards"));  // the workers' directories are gone
    // Independent checks that the compared files hold the whole run: 60 decision rows, and the
    // report's accuracy is the share of rows whose decision equals the label.
    std::istringstream rows(s.file("two", "decisions.csv"));
    std::string line;
    std::getline(rows, line);
    CHECK(line == "frame,label,decision,first_output_step,steps,cycles");
    int n = 0, correct = 0;
    while (std::getline(rows, line)) {
        std::istringstream f(line);
        std::string frame, label, decision;
        std::getline(f, frame, ',');
        std::getline(f, label, ',');
        std::getline(f, decision, ',');
        CHECK(std::stoi(frame) == n);
        correct += label == decision;
        ++n;
    }
    CHECK(n == 60);
    const auto rep = s.report("two");
    CHECK(rep["frames"] == 60);
    CHECK(rep["correct"] == correct);
    CHECK(rep["accuracy"].get<double>() == static_cast<double>(correct) / 60.0);
    // The trace holds spikes of frames on both sides of the split.
    const auto csv = test::run_cli("trace export " + s.dir + "/two/spikes.spk");
    CHECK(csv.output.find("\n5,") != std::string::npos);
    CHECK(csv.output.find("\n45,") != std::string::npos);
}

TEST_CASE("run: shards run one at a time and merged equal one run", "[system]") {
    Setup s(30);
    REQUIRE(s.run("one", "--threads 1").exit_code == 0);
    for (int i : {2, 0, 1}) {  // any order
        const auto r = s.run("sharded", "--shards 3 --shard " + std::to_string(i));
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        CHECK(fs::exists(s.dir + "/sharded/shards/" + std::to_string(i) + "/shard.json"));
        CHECK_FALSE(fs::exists(s.dir + "/sharded/report.json"));
    }
    test::run_cli_ok("-q merge " + s.dir + "/sharded");
    check_same_outputs(s, "one", "sharded", {"stats.csv", "decisions.csv", "spikes.spk"});
    // --shards N without --shard: the shards as local processes, merged, kept.
    REQUIRE(s.run("local", "--shards 4 --threads 2").exit_code == 0);
    check_same_outputs(s, "one", "local", {"stats.csv", "decisions.csv", "spikes.spk"});
    CHECK(fs::exists(s.dir + "/local/shards/3/shard.json"));
}

TEST_CASE("run: an NVM-crossbar chip in two worker processes equals one process, programming counted once", "[system]") {
    Setup s(24);
    test::write_text(s.dir + "/nvm.yaml", "include: [" + s.dir + "/run.yaml, " + test::source_dir() +
                                              "/configs/nvm/rram-neurosim.yaml]\nchip:\n  pe:\n    kind: nvm\n");
    auto run = [&](const std::string& out, const std::string& threads) {
        return test::run_cli("-q run --config " + s.dir + "/nvm.yaml --out " + s.dir + "/" + out + " --threads " + threads);
    };
    REQUIRE(run("one", "1").exit_code == 0);
    const auto two = run("two", "2");
    INFO(two.output);
    REQUIRE(two.exit_code == 0);
    check_same_outputs(s, "one", "two", {"stats.csv", "decisions.csv", "spikes.spk"});
    CHECK(s.file("two", "stats.csv").find(".crossbar.program,") != std::string::npos);
}

TEST_CASE("run: a loosely-timed chip in two worker processes equals one process", "[system]") {
    // The LT controller runs ahead of SystemC time (temporal decoupling): shards must place their
    // cycles by the chip's own clock, and the per-PE busy cycles come from the LT model.
    Setup s(40);
    const auto one = s.run("one", "--threads 1 --set chip.timing=lt");
    REQUIRE(one.exit_code == 0);
    const auto two = s.run("two", "--threads 2 --set chip.timing=lt");
    INFO(two.output);
    REQUIRE(two.exit_code == 0);
    check_same_outputs(s, "one", "two", {"stats.csv", "decisions.csv", "spikes.spk"});
    CHECK(test::read_text(s.dir + "/two/log.txt").find("2 worker processes") != std::string::npos);
}

TEST_CASE("run: bad shard options are bad input naming the option", "[system]") {
    Setup s(10);
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"--shards 0", "--shards must be at least 1"},
        {"--shards 3 --shard 3", "--shard 3 is out of range: --shards 3 has shards 0..2"},
        {"--shard 1", "--shard needs --shards N"},
        {"--slurm", "--slurm needs --shards N"},
        {"--shards 11", "--shards 11 but the run has only 10 frames"},
        {"--shards 2 --shard 0 --slurm", "--shard and --slurm exclude each other"},
        {"--threads 300", "--threads"},
    };
    for (const auto& [args, message] : cases) {
        INFO(args);
        const auto r = s.run("bad", args);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.output, Catch::Contains(message));
        CHECK_FALSE(fs::exists(s.dir + "/bad/report.json"));
    }
}

TEST_CASE("merge: a missing shard or shards of different runs are bad input and write no report", "[system]") {
    Setup s(9);
    REQUIRE(s.run("m", "--shards 3 --shard 0").exit_code == 0);
    REQUIRE(s.run("m", "--shards 3 --shard 2").exit_code == 0);
    auto r = test::run_cli("-q merge " + s.dir + "/m");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("1 of the 3 shards") && Catch::Contains("shard 1;"));
    CHECK_FALSE(fs::exists(s.dir + "/m/report.json"));
    // Shard 1 from another configuration (another seed).
    REQUIRE(s.run("m", "--shards 3 --shard 1 --set sim.seed=99").exit_code == 0);
    r = test::run_cli("-q merge " + s.dir + "/m");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("shard 1 and shard 0 come from different runs") &&
                             Catch::Contains("different configurations"));
    CHECK_FALSE(fs::exists(s.dir + "/m/report.json"));
    // Shard 1 of another split (--shards 2).
    REQUIRE(s.run("m", "--shards 2 --shard 1").exit_code == 0);
    r = test::run_cli("-q merge " + s.dir + "/m");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("is one of 2 shards") && Catch::Contains("one of 3"));
    // No shards at all.
    r = test::run_cli("-q merge " + s.dir + "/nothing");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("holds no shards"));
    // The right shard 1: the merge succeeds.
    REQUIRE(s.run("m", "--shards 3 --shard 1").exit_code == 0);
    CHECK(test::run_cli("-q merge " + s.dir + "/m").exit_code == 0);
    CHECK(fs::exists(s.dir + "/m/report.json"));
}

TEST_CASE("run: a killed worker fails the run naming its shard and leaves no report.json", "[system]") {
    Setup s(4000);
    const std::string out = s.dir + "/killed";
    const std::string log = s.dir + "/killed.out";
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        // stdout and stderr of the run into `log`.
        std::FILE* f = std::freopen(log.c_str(), "w", stderr);
        (void)f;
        ::dup2(2, 1);
        ::execl(SPIKETLM_CLI, SPIKETLM_CLI, "--quiet", "run", "--config", (s.dir + "/run.yaml").c_str(), "--out",
                out.c_str(), "--threads", "2", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    // Wait until both workers run (their logs exist), then kill the second one.
    pid_t victim = 0;
    for (int k = 0; k < 500 && !victim; ++k) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (!fs::exists(out + "/shards/1/log.txt")) continue;
        std::ifstream children("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
        std::vector<pid_t> kids;
        for (pid_t c; children >> c;) kids.push_back(c);
        if (kids.size() == 2) victim = kids[1];
    }
    REQUIRE(victim > 0);
    ::kill(victim, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 1);
    const std::string msg = test::read_text(log);
    CHECK_THAT(msg, Catch::Contains("worker of shard 1 of 2 (frames 2000..3999 of the run) failed (killed by signal 9"));
    CHECK_FALSE(fs::exists(out + "/report.json"));
    // The other worker was stopped too: nothing of the run is left running.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::ifstream children("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
    CHECK_FALSE(children.good());  // the run itself has exited and been reaped
}
