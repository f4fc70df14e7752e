// Spike lists as direct input (run.spikes, sw/data/spike_list.h): a hand-written list fed to
// `spiketlm ref` and `spiketlm run` gives the spikes and decisions computed by hand below; events
// outside the input size or the window are errors (exit 2) naming the event.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "common/test_util.h"
#include "sw/io/model_file.h"
#include "sw/io/npz.h"

using namespace spiketlm;

namespace {

// 3 inputs -> 2 IF neurons (theta 10, reset to 0, current = this step's sum) -> 2 IF outputs.
// Rate encoding T = 6 (input steps 0..5), 9 timesteps, count decoding.
std::string write_model(const std::string& dir) {
    snn::Network n;
    n.name = "hand";
    n.inputs = 3;
    n.encoding.kind = "rate";
    n.encoding.steps = 6;
    n.timesteps = 9;
    n.decode = snn::Decode::count;
    auto layer = [](const char* name, int in, int out, std::vector<std::int32_t> w) {
        snn::Layer l;
        l.name = name;
        l.in = in;
        l.out = out;
        l.weight_bits = 8;
        l.weights = std::move(w);
        l.neuron = snn::NeuronParams::defaults(snn::NeuronKind::if_);
        l.neuron.theta = 10;
        l.neuron.single_spike = false;
        return l;
    };
    n.layers = {layer("h", 3, 2, {6, 5, 0, 0, 4, -3}), layer("o", 2, 2, {10, 0, 0, 10})};
    io::save_model(dir + "/model", n);
    return dir + "/model";
}

void write_list(const std::string& path, std::vector<std::int32_t> frame, std::vector<std::int32_t> step,
                std::vector<std::int32_t> channel, std::vector<std::int32_t> labels) {
    const std::size_t e = frame.size();
    io::write_npz(path, {{"frame", io::NpyArray::from_int32({e}, frame)},
                         {"step", io::NpyArray::from_int32({e}, step)},
                         {"channel", io::NpyArray::from_int32({e}, channel)},
                         {"labels", io::NpyArray::from_int32({labels.size()}, labels)}});
}

std::string run_yaml(const std::string& dir, const std::string& model, const std::string& spikes, int frames) {
    const std::string p = dir + "/run-" + std::to_string(frames) + ".yaml";
    test::write_text(p, "include: " + test::source_dir() + "/configs/chips/yoso.yaml\nrun:\n  model: " + model +
                            "\n  spikes: " + spikes + "\n  frames: " + std::to_string(frames) + "\n");
    return p;
}

}  // namespace

TEST_CASE("spike list input: ref and run give the hand-computed spikes of a hand-written list", "[system]") {
    const std::string dir = test::scratch_dir("spike-input");
    const std::string model = write_model(dir);
    // Frame 0: inputs 0+1 at step 0, 0 at 2, 1+2 at 3, 1 at 5. Frame 1: 1+2 at step 1, 1 at 4.
    write_list(dir + "/in.npz", {0, 0, 0, 0, 0, 0, 1, 1, 1}, {0, 0, 2, 3, 3, 5, 1, 1, 4}, {0, 1, 0, 1, 2, 1, 1, 2, 1},
               {0, 1});
    // By hand (a spike at step s arrives at s + 1; v += this step's sum; fire at v >= 10, v <- 0):
    //  frame 0, h0: t1 6+5=11 fire; t3 6; t4 +5=11 fire; t6 5.   h1: t1 4; t4 4-3 -> 5; t6 9: silent.
    //           o0: h0's spikes arrive at t2, t5 with 10: fires at 2 and 5. o1 silent. Decision 0 (label 0).
    //  frame 1, h0: t2 5; t5 +5=10 fire.   h1: t2 4-3=1; t5 +4=5.   o0 fires at 6. Decision 0 (label 1).
    const std::string expect =
        "frame,step,layer,neuron\n0,1,0,0\n0,2,1,0\n0,4,0,0\n0,5,1,0\n1,5,0,0\n1,6,1,0\n";
    const std::string cfg = run_yaml(dir, model, dir + "/in.npz", 2);
    for (const char* cmd : {"ref", "run"}) {
        test::run_cli_ok(std::string(cmd) + " --config " + cfg + " --out " + dir + "/" + cmd);
        const auto x = test::run_cli("trace export " + dir + "/" + cmd + "/spikes.spk --out " + dir + "/" + cmd + ".csv");
        REQUIRE(x.exit_code == 0);
        // Keep frame, step, layer, neuron (the chip adds pe and cycle).
        std::string got, line;
        std::istringstream in(test::read_text(dir + "/" + cmd + ".csv"));
        while (std::getline(in, line)) {
            std::size_t cut = 0;
            for (int c = 0; c < 4 && cut != std::string::npos; ++c) cut = line.find(',', cut + (c ? 1 : 0));
            got += line.substr(0, cut) + "\n";
        }
        CHECK(got == expect);
        const auto rep = test::read_json(dir + "/" + cmd + "/report.json");
        INFO(rep.dump());
        CHECK(rep.dump().find("in.npz") != std::string::npos);
    }
    CHECK(test::read_text(dir + "/ref/decisions.csv") ==
          "frame,label,decision,first_output_step,steps\n0,0,0,2,9\n1,1,0,6,9\n");
}

TEST_CASE("spike list input: events outside the input size or the window exit 2 naming the event", "[unit]") {
    const std::string dir = test::scratch_dir("spike-input-bad");
    const std::string model = write_model(dir);
    write_list(dir + "/chan.npz", {0, 0}, {0, 1}, {0, 3}, {0});
    const auto c = test::run_cli("ref --config " + run_yaml(dir, model, dir + "/chan.npz", 1) + " --out " + dir + "/c");
    INFO(c.output);
    CHECK(c.exit_code == 2);
    CHECK_THAT(c.output, Catch::Contains("run.spikes") && Catch::Contains("event 1 (frame 0, step 1, channel 3)") &&
                             Catch::Contains("channel outside the input size (0..2"));
    write_list(dir + "/step.npz", {0}, {6}, {1}, {0});
    const auto s = test::run_cli("run --config " + run_yaml(dir, model, dir + "/step.npz", 1) + " --out " + dir + "/s");
    INFO(s.output);
    CHECK(s.exit_code == 2);
    CHECK_THAT(s.output, Catch::Contains("event 0 (frame 0, step 6, channel 1)") &&
                             Catch::Contains("step outside the input window (0..5"));
    write_list(dir + "/frames.npz", {0}, {1}, {1}, {0});
    const auto f = test::run_cli("ref --config " + run_yaml(dir, model, dir + "/frames.npz", 3) + " --out " + dir + "/f");
    INFO(f.output);
    CHECK(f.exit_code == 2);
    CHECK_THAT(f.output, Catch::Contains("run.frames") && Catch::Contains("frames.npz"));
}

TEST_CASE("run.dataset: an unknown name or a missing path exits 2 naming run.dataset and file:line", "[unit]") {
    const std::string dir = test::scratch_dir("dataset-bad");
    const std::string model = write_model(dir);
    for (const std::string& ds : {std::string("cifar"), dir + "/nothing.npz"}) {
        test::write_text(dir + "/run.yaml", "run:\n  model: " + model + "\n  dataset: " + ds + "\n  frames: 1\n");
        const auto r = test::run_cli("ref --config " + dir + "/run.yaml --out " + dir + "/r");
        INFO(r.output);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.output, Catch::Contains("run.dataset (" + dir + "/run.yaml:3)") && Catch::Contains(ds));
    }
}

TEST_CASE("spike list input: training takes a spike list as its dataset", "[system]") {
    const std::string dir = test::scratch_dir("spike-train");
    // Two classes of 10-channel frames over 8 steps: class 0 spikes on channels 0..4, class 1 on
    // 5..9, each frame on a different subset (channel c at step (frame + c) % 8 when frame + c is odd).
    std::vector<std::int32_t> f, s, c, labels;
    for (int k = 0; k < 200; ++k) {
        labels.push_back(k % 2);
        for (int ch = 0; ch < 5; ++ch) {
            const int chan = (k % 2) * 5 + ch;
            for (int st = 0; st < 8; ++st)
                if ((k + chan + st) % 3 != 0) {
                    f.push_back(k);
                    s.push_back(st);
                    c.push_back(chan);
                }
        }
    }
    io::write_npz(dir + "/train.npz", {{"frame", io::NpyArray::from_int32({f.size()}, f)},
                                       {"step", io::NpyArray::from_int32({s.size()}, s)},
                                       {"channel", io::NpyArray::from_int32({c.size()}, c)},
                                       {"labels", io::NpyArray::from_int32({labels.size()}, labels)},
                                       {"inputs", io::NpyArray::from_int32({}, {10})},
                                       {"steps", io::NpyArray::from_int32({}, {8})}});
    test::write_text(dir + "/spec.yaml",
                     "network: {inputs: 10, hidden: [8], outputs: 2}\n"
                     "train: {seed: 2, epochs: 20, batch: 20, lr: 0.02, lr_min: 0.001}\n"
                     "conversion: {calibration_samples: 200, steps: 16, report_steps: [16]}\n");
    test::run_cli_ok("train --method rate --dataset " + dir + "/train.npz --model " + dir + "/spec.yaml --out " +
                     dir + "/m --threads 1");
    const auto rep = test::read_json(dir + "/m/train_report.json");
    CHECK(rep["train_samples"] == 200);
    CHECK(rep["ann_test_accuracy"].get<double>() > 0.95);
    CHECK(rep["quantized_test_accuracy"].get<double>() > 0.9);
}
