// `spiketlm train --method bptt` end to end: bad model files exit 2 naming file:line and key; a
// small network is trained and written, the same bytes for 1 and 2 threads; `spiketlm ref`
// takes the written model as it is and its accuracy equals the training report's; `spiketlm run`
// gives the reference's spikes.
#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/test_util.h"
#include "sw/io/model_file.h"

using namespace spiketlm;
namespace fs = std::filesystem;

TEST_CASE("train --method bptt: an unknown key in the model file exits 2 naming file line and key", "[unit]") {
    const std::string dir = test::scratch_dir("bptt-cli");
    test::write_text(dir + "/bad.yaml",
                     "network: {inputs: 784, hidden: [16], outputs: 10}\n"
                     "neuron: {kind: lif, tau: 20}\n");
    const auto r = test::run_cli("train --method bptt --dataset mnist --model " + dir + "/bad.yaml --out " + dir + "/m");
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("bad.yaml:2") && Catch::Contains("unknown key 'neuron.tau'"));
    CHECK_FALSE(fs::exists(dir + "/m"));
}

TEST_CASE("train --method bptt: a conv layer whose kernel does not fit exits 2 naming file line and layer", "[unit]") {
    const std::string dir = test::scratch_dir("bptt-cli");
    test::write_text(dir + "/conv.yaml",
                     "network:\n"
                     "  inputs: 784\n"
                     "  input_shape: [1, 28, 28]\n"
                     "  layers:\n"
                     "    - {type: conv, channels: 4, kernel: 5, stride: 4}\n"
                     "    - {type: conv, channels: 4, kernel: 9}\n"
                     "  outputs: 10\n");
    const auto r = test::run_cli("train --method bptt --dataset mnist --model " + dir + "/conv.yaml --out " + dir + "/m");
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("conv.yaml:6") && Catch::Contains("network.layers[1]"));
    CHECK_FALSE(fs::exists(dir + "/m"));
}

TEST_CASE("train --method bptt: a rate-conversion model file and a non-LIF neuron kind are refused with exit 2",
          "[unit]") {
    const std::string dir = test::scratch_dir("bptt-cli");
    auto r = test::run_cli("train --method bptt --dataset mnist --model " + test::source_dir() +
                           "/configs/models/rate-fc100.yaml --out " + dir + "/m");
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("rate-fc100.yaml:") && Catch::Contains("unknown key 'conversion'"));
    test::write_text(dir + "/relpsp.yaml",
                     "network: {inputs: 784, hidden: [16], outputs: 10}\n"
                     "neuron:\n  kind: relpsp\n");
    r = test::run_cli("train --method bptt --dataset mnist --model " + dir + "/relpsp.yaml --out " + dir + "/m");
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("relpsp.yaml:3") && Catch::Contains("lif or cuba_lif"));
    r = test::run_cli("train --method bptt --dataset mnist --model " + dir + "/relpsp.yaml --out " + dir +
                      "/m --threads 0");
    CHECK(r.exit_code == 2);
}

TEST_CASE("train --method bptt: the model is deterministic and ref and run take it as it is", "[system]") {
    const std::string data = test::mnist_data_dir();
    const std::string dir = test::scratch_dir("bptt-sys");
    test::write_text(dir + "/spec.yaml",
                     "name: bptt-tiny\n"
                     "network: {inputs: 784, hidden: [20], outputs: 10}\n"
                     "neuron: {kind: cuba_lif, decay_v: 3584, decay_i: 2048, train_leak: true}\n"
                     "encoding: {kind: rate, steps: 8}\n"
                     "train: {seed: 7, epochs: 2, batch: 32, lr: 2.0e-3, lr_min: 2.0e-3, surrogate_slope: 2, "
                     "train_samples: 1500, test_samples: 100}\n"
                     "quantization: {weight_bits: 6, state_bits: 20}\n");
    test::check_train_same_bytes(
        "train --method bptt --dataset mnist --data-dir '" + data + "' --model " + dir + "/spec.yaml", dir);

    const io::Model m = io::load_model(dir + "/a");
    REQUIRE(m.net.layers.size() == 2);
    CHECK(m.net.layers[0].neuron.kind == snn::NeuronKind::cuba_lif);
    CHECK(m.net.layers[0].weight_bits == 6);
    CHECK(m.net.layers[0].neuron.state_bits == 20);
    CHECK(m.net.timesteps == 8 + 2);
    CHECK(m.net.decode == snn::Decode::count);
    CHECK(m.float_weights.size() == 2);
    const auto rep = test::read_json(dir + "/a/train_report.json");
    CHECK(rep["method"] == "bptt");
    CHECK(rep["float_test_accuracy"].get<double>() > 0.5);
    const double qacc = rep["quantized_test_accuracy"].get<double>();
    CHECK(qacc > 0.5);

    // `spiketlm ref` with sim.seed = train.seed sees the same input spikes as the report's evaluation.
    test::write_text(dir + "/run.yaml", test::yoso_run_config(dir + "/a", "mnist", data, 100, "sim: {seed: 7}\n"));
    test::run_cli_ok("ref --config " + dir + "/run.yaml --out " + dir + "/ref");
    std::size_t correct = 0, frames = 0;
    {
        const std::string csv = test::read_text(dir + "/ref/decisions.csv");
        std::istringstream is(csv);
        std::string line;
        std::getline(is, line);  // header
        while (std::getline(is, line)) {
            int f, label, decision;
            char c;
            std::istringstream ls(line);
            ls >> f >> c >> label >> c >> decision;
            ++frames;
            correct += label == decision;
        }
    }
    CHECK(frames == 100);
    CHECK(static_cast<double>(correct) / 100.0 == Approx(qacc));

    test::write_text(dir + "/run12.yaml", test::yoso_run_config(dir + "/a", "mnist", data, 12, "sim: {seed: 7}\n"));
    test::check_chip_equals_ref(dir + "/run12.yaml", dir, "chip", "ref12");
}
