// `spiketlm ref` end to end on a small IDX dataset written by the test: the run directory, the
// golden trace equals the in-process reference, report totals, early stop, thread independence,
// and malformed model directories exit 2 with a message naming the culprit.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/test_util.h"
#include "sw/common/seed.h"
#include "sw/data/datasets.h"
#include "sw/io/model_file.h"
#include "sw/io/npz.h"
#include "sw/snn/evaluate.h"

using namespace spiketlm;

namespace {

void write_be32(std::ofstream& o, std::uint32_t v) {
    const unsigned char b[4] = {static_cast<unsigned char>(v >> 24), static_cast<unsigned char>(v >> 16),
                                static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v)};
    o.write(reinterpret_cast<const char*>(b), 4);
}

// data/fashion-mnist/t10k-*-ubyte (uncompressed IDX) with `n` random 28x28 images.
std::string make_data(const std::string& dir, int n) {
    const std::string d = dir + "/data/fashion-mnist";
    std::filesystem::create_directories(d);
    std::mt19937 rng(4);
    std::ofstream im(d + "/t10k-images-idx3-ubyte", std::ios::binary), lb(d + "/t10k-labels-idx1-ubyte", std::ios::binary);
    write_be32(im, 0x00000803);
    write_be32(im, static_cast<std::uint32_t>(n));
    write_be32(im, 28);
    write_be32(im, 28);
    write_be32(lb, 0x00000801);
    write_be32(lb, static_cast<std::uint32_t>(n));
    for (int k = 0; k < n; ++k) {
        for (int p = 0; p < 784; ++p) {
            const char c = static_cast<char>(rng() % 3 == 0 ? 0 : rng() % 256);
            im.put(c);
        }
        lb.put(static_cast<char>(rng() % 10));
    }
    return dir + "/data";
}

snn::Network make_net(bool stochastic = false) {
    std::mt19937 rng(9);
    std::normal_distribution<double> w0(4, 10), w1(10, 30);
    snn::Network n;
    n.name = "cli";
    n.inputs = 784;
    n.timesteps = 40;
    n.encoding.steps = 16;
    snn::Layer a, b;
    a.name = "fc1";
    a.in = 784;
    a.out = 32;
    b.name = "fc2";
    b.in = 32;
    b.out = 10;
    for (auto* l : {&a, &b}) {
        l->weight_bits = 8;
        l->neuron = snn::NeuronParams::defaults(snn::NeuronKind::relpsp);
        for (int k = 0; k < l->in * l->out; ++k)
            l->weights.push_back(static_cast<std::int32_t>(std::clamp(std::round(l == &a ? w0(rng) : w1(rng)), -127.0, 127.0)));
    }
    a.neuron.theta = 4000;
    b.neuron.theta = 1500;
    if (stochastic) {
        a.neuron = snn::NeuronParams::defaults(snn::NeuronKind::stochastic);
        a.neuron.theta = 1500;
        a.neuron.noise_bits = 10;
        a.neuron.refractory = 2;
    }
    n.layers = {a, b};
    return n;
}

struct Fixture {
    std::string dir = test::scratch_dir("refcli");
    std::string data = make_data(dir, 24);
    std::string model = dir + "/model";
    std::string config = dir + "/run.yaml";
    Fixture() {
        io::save_model(model, make_net());
        test::write_text(config, "run:\n  model: " + model + "\n  dataset: fashion-mnist\n  data_dir: " + data +
                                     "\n  split: test\n  frames: 24\n");
    }
    test::CmdResult ref(const std::string& out, const std::string& extra = "") const {
        return test::run_cli("ref --config " + config + " --out " + dir + "/" + out + " " + extra);
    }
    // (frame, step, layer, neuron) lines of a trace, via `spiketlm trace export`.
    std::vector<std::string> trace(const std::string& run) const {
        const auto r = test::run_cli("trace export " + dir + "/" + run + "/spikes.spk");
        REQUIRE(r.exit_code == 0);
        std::vector<std::string> lines;
        std::istringstream in(r.output);
        std::string line;
        std::getline(in, line);  // header
        while (std::getline(in, line)) lines.push_back(line.substr(0, line.find(",,")));
        return lines;
    }
    nlohmann::json report(const std::string& run) const {
        return test::read_json(dir + "/" + run + "/report.json");
    }
};

}  // namespace

TEST_CASE("spiketlm ref: --help and a missing --config or --out", "[unit]") {
    auto r = test::run_cli("ref --help");
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("--out") && Catch::Contains("--frames") && Catch::Contains("golden"));
    CHECK(test::run_cli("ref --out x").exit_code == 2);
}

TEST_CASE("spiketlm ref: the golden trace and report equal the in-process reference", "[unit]") {
    Fixture f;
    const auto r = f.ref("run");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    // Expected, in process: the same frames, seeds and encoder.
    const auto set = data::load_split("fashion-mnist", f.data, "test");
    const auto net = io::load_model(f.model).net;
    snn::SimOptions opt;
    opt.noise_seed = derive_seed(1, "neuron-noise", net.seed);  // what the run uses (sim.seed 1)
    const snn::Reference ref(net, opt);
    const auto res = snn::run_images(ref, set, 0, 24, 1, 1, true);
    std::vector<std::string> expect;
    snn::EvalTotals tot;
    for (std::size_t k = 0; k < res.size(); ++k) {
        tot.add(res[k].result, set.labels[k]);
        for (const auto& s : res[k].spikes)
            expect.push_back(std::to_string(k) + "," + std::to_string(s.step) + "," + std::to_string(s.layer) + "," +
                             std::to_string(s.neuron));
    }
    REQUIRE(expect.size() > 100);
    CHECK(f.trace("run") == expect);
    const auto j = f.report("run");
    CHECK(j["mode"] == "reference");
    CHECK(j["frames"] == 24);
    CHECK(j["correct"] == tot.correct);
    CHECK(j["spikes_per_frame"].get<double>() == Approx(static_cast<double>(tot.spikes) / 24));
    CHECK(j["synops_per_frame"].get<double>() == Approx(static_cast<double>(tot.synops) / 24));
    CHECK(j["timesteps_per_frame"].get<double>() == Approx(40));
    CHECK(j["spikes_per_frame_by_layer"]["fc2"].get<double>() ==
          Approx(static_cast<double>(tot.spikes_per_layer[1]) / 24));
    CHECK(tot.spikes_per_layer[1] > 0);
    // decisions.csv: one line per frame.
    std::istringstream dec(test::read_text(f.dir + "/run/decisions.csv"));
    std::string line;
    std::getline(dec, line);
    CHECK(line == "frame,label,decision,first_output_step,steps");
    for (std::size_t k = 0; k < res.size(); ++k) {
        REQUIRE(std::getline(dec, line));
        CHECK(line == std::to_string(k) + "," + std::to_string(set.labels[k]) + "," +
                          std::to_string(res[k].result.decision) + "," +
                          std::to_string(res[k].result.first_output_step) + "," + std::to_string(res[k].result.steps));
    }
    // Threads do not change the trace; --frames and run.first_frame select frames.
    REQUIRE(f.ref("run2", "--set run.threads=2").exit_code == 0);
    CHECK(f.trace("run2") == expect);
    REQUIRE(f.ref("run3", "--frames 4 --set run.first_frame=10").exit_code == 0);
    const auto part = f.trace("run3");
    REQUIRE(!part.empty());
    CHECK_THAT(part.front(), Catch::StartsWith("10,"));
    CHECK(f.report("run3")["frames"] == 4);
}

TEST_CASE("spiketlm ref: sim.seed drives stochastic neuron noise, deterministic per seed", "[unit]") {
    Fixture f;
    io::save_model(f.model, make_net(true));
    REQUIRE(f.ref("s1").exit_code == 0);
    REQUIRE(f.ref("s1b", "--set run.threads=1").exit_code == 0);
    REQUIRE(f.ref("s2", "--set sim.seed=2").exit_code == 0);
    const auto a = f.trace("s1");
    CHECK(a.size() > 100);
    CHECK(a == f.trace("s1b"));
    CHECK(a != f.trace("s2"));
}

TEST_CASE("spiketlm ref: run.early_stop=on stops frames after the first output step", "[unit]") {
    Fixture f;
    REQUIRE(f.ref("full").exit_code == 0);
    const auto r = f.ref("early", "--set run.early_stop=on");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const auto full = f.report("full"), early = f.report("early");
    CHECK(early["timesteps_per_frame"].get<double>() < full["timesteps_per_frame"].get<double>());
    CHECK(early["accuracy"] == full["accuracy"]);
    CHECK(early["extra"]["early_stop"] == true);
    CHECK(f.trace("early").size() < f.trace("full").size());
    // Asking beyond the dataset is bad input.
    CHECK(f.ref("toomany", "--frames 25").exit_code == 2);
}

TEST_CASE("spiketlm ref and run refuse more frames than the split holds, with the same message", "[unit]") {
    Fixture f;  // 24 test images
    for (const char* cmd : {"ref", "run"}) {
        INFO(cmd);
        const auto go = [&](const std::string& out, const std::string& extra) {
            return test::run_cli(std::string(cmd) + " --config " + f.config + " --out " + f.dir + "/" + out + " " + extra);
        };
        auto r = go(std::string(cmd) + "-25", "--frames 25");
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.output, Catch::Contains("run.frames (--frames) = 25 from run.first_frame = 0") &&
                                 Catch::Contains("has 24 images: at most 24 frames are available"));
        CHECK_FALSE(std::filesystem::exists(f.dir + "/" + cmd + "-25/report.json"));
        r = go(std::string(cmd) + "-tail", "--frames 5 --set run.first_frame=20");
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.output, Catch::Contains("run.frames (--frames) = 5 from run.first_frame = 20") &&
                                 Catch::Contains("at most 4 frames"));
        r = go(std::string(cmd) + "-first", "--frames 1 --set run.first_frame=24");
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.output, Catch::Contains("run.first_frame = 24") && Catch::Contains("has only 24 images"));
        // Exactly the frames that are there: runs, and reports that many.
        r = go(std::string(cmd) + "-4", "--frames 4 --set run.first_frame=20");
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        CHECK(f.report(std::string(cmd) + "-4")["frames"] == 4);
    }
}

TEST_CASE("spiketlm ref: malformed model directories exit 2 naming the culprit", "[unit]") {
    Fixture f;
    const auto expect_bad = [&](const std::string& what, const std::string& text) {
        const auto r = f.ref("bad");
        INFO(what << ": " << r.output);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.output, Catch::Contains(text));
        CHECK(!std::filesystem::exists(f.dir + "/bad/report.json"));
        io::save_model(f.model, make_net());  // repair for the next case
    };
    const std::string yaml = test::read_text(f.model + "/model.yaml");
    const auto edit = [&](const std::string& from, const std::string& to) {
        std::string y = yaml;
        y.replace(y.find(from), from.size(), to);
        test::write_text(f.model + "/model.yaml", y);
    };
    test::write_text(f.model + "/weights.npz", "PK\x03\x04 garbage");
    expect_bad("corrupt npz", "weights.npz");
    auto a = io::read_npz(f.model + "/weights.npz");
    a.erase("layer1.weight");
    io::write_npz(f.model + "/weights.npz", a);
    expect_bad("missing member", "missing member 'layer1.weight'");
    a = io::read_npz(f.model + "/weights.npz");
    a["layer1.weight"] = io::NpyArray::from_int16({32, 10}, std::vector<std::int32_t>(320, 1));
    io::write_npz(f.model + "/weights.npz", a);
    expect_bad("shape mismatch", "shape (32, 10)");
    a = io::read_npz(f.model + "/weights.npz");
    a["layer0.weight"] = io::NpyArray::from_double({32, 784}, std::vector<double>(32 * 784, 0.5));
    io::write_npz(f.model + "/weights.npz", a);
    expect_bad("float dtype", "dtype <f8");
    edit("      state_bits: 24\n", "      state_bits: 24\n      stat_bits: 3\n");
    expect_bad("unknown key", "unknown key 'layers[0].neuron.stat_bits'");
    edit("    weight_bits: 8\n", "");
    expect_bad("missing field", "missing required key 'layers[0].weight_bits'");
    edit("inputs: 784\n", "inputs: 100\n");
    expect_bad("inputs mismatch", "in = 784 but the network has inputs = 100");
    std::filesystem::remove_all(f.model);
    expect_bad("no model", "does not exist");
}
