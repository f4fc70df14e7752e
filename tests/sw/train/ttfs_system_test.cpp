// `spiketlm train --method ttfs` end to end: a small network is trained and converted, `spiketlm
// ref` and `spiketlm run` take the model as it is and give equal spike traces, and every neuron
// fires at most once; a rate-only key in a TTFS model file is an error naming it.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "common/test_util.h"
#include "sw/io/model_file.h"
#include <sstream>

using namespace spiketlm;
namespace fs = std::filesystem;

TEST_CASE("train --method ttfs: a rate-only key in the model file is refused naming it, exit 2", "[unit]") {
    const std::string dir = test::scratch_dir("ttfs-cli");
    test::write_text(dir + "/spec.yaml",
                     "network: {inputs: 784, hidden: [16], outputs: 10}\n"
                     "conversion: {steps: 8, output_percentile: 99}\n");
    const auto r = test::run_cli("train --method ttfs --dataset mnist --model " + dir + "/spec.yaml --out " + dir + "/m");
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("spec.yaml:2") && Catch::Contains("unknown key 'conversion.output_percentile'"));
    test::write_text(dir + "/deep.yaml", "network: {inputs: 784, hidden: [16, 8], outputs: 10}\n");
    const auto d = test::run_cli("train --method ttfs --dataset mnist --model " + dir + "/deep.yaml --out " + dir + "/m");
    INFO(d.output);
    CHECK(d.exit_code == 2);
    CHECK_THAT(d.output, Catch::Contains("exactly one layer for the TTFS conversion"));
    test::write_text(dir + "/round.yaml", "network: {inputs: 784, hidden: [16], outputs: 10}\n"
                                          "conversion: {hidden_rounding: up}\n");
    const auto u = test::run_cli("train --method ttfs --dataset mnist --model " + dir + "/round.yaml --out " + dir + "/m");
    INFO(u.output);
    CHECK(u.exit_code == 2);
    CHECK_THAT(u.output, Catch::Contains("round.yaml") && Catch::Contains("conversion.hidden_rounding must be nearest or down"));
    test::write_text(dir + "/rate.yaml", "network: {inputs: 784, hidden: [16], outputs: 10}\n"
                                         "conversion: {hidden_rounding: down}\n");
    const auto k = test::run_cli("train --method rate --dataset mnist --model " + dir + "/rate.yaml --out " + dir + "/m");
    CHECK(k.exit_code == 2);
    CHECK_THAT(k.output, Catch::Contains("unknown key 'conversion.hidden_rounding'"));
    CHECK_FALSE(fs::exists(dir + "/m"));
}

TEST_CASE("train --method ttfs: the converted model fires once per neuron and runs spike-exact on the chip", "[system]") {
    const std::string data = test::mnist_data_dir();
    const std::string dir = test::scratch_dir("ttfs-sys");
    test::write_text(dir + "/spec.yaml",
                     "name: ttfs-tiny\n"
                     "network: {inputs: 784, hidden: [24], outputs: 10}\n"
                     "train: {seed: 3, epochs: 1, batch: 32, train_samples: 3000, test_samples: 300}\n"
                     "conversion: {calibration_samples: 1000, weight_bits: 8, steps: 16, report_steps: [16]}\n");
    test::run_cli_ok("train --method ttfs --dataset mnist --data-dir '" + data + "' --model " + dir +
                     "/spec.yaml --out " + dir + "/model --threads 1");
    const io::Model m = io::load_model(dir + "/model");
    REQUIRE(m.net.layers.size() == 2);
    CHECK(m.net.layers[0].neuron.kind == snn::NeuronKind::relpsp);
    CHECK(m.net.layers[1].neuron.single_spike);
    CHECK(m.net.decode == snn::Decode::first_spike);
    CHECK(m.net.encoding.kind == "ttfs");
    CHECK(m.net.encoding.threshold < 0);
    const auto rep = test::read_json(dir + "/model/train_report.json");
    const double ann = rep["ann_test_accuracy"].get<double>(), snn = rep["quantized_test_accuracy"].get<double>();
    CHECK(ann > 0.80);
    CHECK(std::abs(ann - snn) < 0.03);  // the conversion is exact up to the input and activation grids

    test::write_text(dir + "/run.yaml", test::yoso_run_config(dir + "/model", "mnist", data, 10));
    test::check_chip_equals_ref(dir + "/run.yaml", dir);
    // At most one spike per (frame, layer, neuron).
    const auto csv = test::run_cli("trace export " + dir + "/ref/spikes.spk --out " + dir + "/ref.csv");
    REQUIRE(csv.exit_code == 0);
    std::map<std::string, int> count;
    std::istringstream in(test::read_text(dir + "/ref.csv"));
    std::string line;
    std::getline(in, line);  // header
    int spikes = 0;
    while (std::getline(in, line)) {
        std::vector<std::string> f;
        std::stringstream ss(line);
        for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
        REQUIRE(f.size() >= 4);
        ++count[f[0] + "/" + f[2] + "/" + f[3]];
        ++spikes;
    }
    CHECK(spikes > 100);
    for (const auto& [key, n] : count) {
        INFO(key);
        CHECK(n == 1);
    }
}

TEST_CASE("train --method ttfs: the same spec and seed give the same model bytes for any thread count, and --ann "
          "converts a written ANN again",
          "[system]") {
    const std::string data = test::mnist_data_dir("train-images-idx3-ubyte");
    const std::string dir = test::scratch_dir("ttfs-det");
    test::write_text(dir + "/spec.yaml",
                     "network: {inputs: 784, hidden: [16], outputs: 10}\n"
                     "train: {seed: 5, epochs: 1, batch: 50, train_samples: 1000, test_samples: 100}\n"
                     "conversion: {calibration_samples: 500, steps: 8, report_steps: [8]}\n");
    const std::string train = "train --method ttfs --dataset mnist --data-dir '" + data + "' --model " + dir + "/spec.yaml";
    test::check_train_same_bytes(train, dir);
    // --ann converts the written ANN again without training: the same model.
    const auto c = test::run_cli_ok(train + " --ann " + dir + "/a/ann.npz --out " + dir + "/c");
    CHECK_THAT(c.output, !Catch::Contains("epoch 1/"));
    CHECK(test::read_text(dir + "/a/weights.npz") == test::read_text(dir + "/c/weights.npz"));
    // An ANN whose first-layer rows do not sum to zero (trained by --method rate) is refused
    // naming the reason, exit 2, no model written.
    test::run_cli_ok("train --method rate --dataset mnist --data-dir '" + data + "' --model " + dir + "/spec.yaml --out " +
                     dir + "/rate");
    const auto bad = test::run_cli(train + " --ann " + dir + "/rate/ann.npz --out " + dir + "/d");
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.output, Catch::Contains("must sum to zero"));
    CHECK_FALSE(fs::exists(dir + "/d/model.yaml"));
}

TEST_CASE("train --method ttfs: a conv spec with pooling trains, converts to a conv2d layer that reads every tap and runs "
          "spike-exact on the chip",
          "[system]") {
    const std::string data = test::mnist_data_dir();
    const std::string dir = test::scratch_dir("ttfs-conv");
    test::write_text(dir + "/spec.yaml",
                     "name: ttfs-conv-tiny\n"
                     "network:\n  inputs: 784\n  input_shape: [1, 28, 28]\n  layers:\n"
                     "    - {type: conv, channels: 8, kernel: 5, stride: 3}\n"
                     "    - {type: avgpool, kernel: 2}\n"
                     "  outputs: 10\n"
                     "train: {seed: 3, epochs: 4, batch: 32, lr: 0.005, train_samples: 2000, test_samples: 200}\n"
                     "conversion: {calibration_samples: 500, weight_bits: 8, steps: 8, report_steps: [8]}\n");
    test::run_cli_ok("train --method ttfs --dataset mnist --data-dir '" + data + "' --model " + dir +
                     "/spec.yaml --out " + dir + "/model --threads 1");
    const io::Model m = io::load_model(dir + "/model");
    REQUIRE(m.net.layers.size() == 2);
    const snn::Layer& conv = m.net.layers[0];
    CHECK(conv.kind == snn::LayerKind::conv2d);
    CHECK(conv.conv.out_h == 8);  // (28 - 5) / 3 + 1
    CHECK(conv.out == 8 * 8 * 8);
    CHECK(m.net.layers[1].in == conv.out);  // the 2x2 pooling folded into the output layer
    // Every kernel sums to exactly zero in integers.
    for (int k = 0; k < 8; ++k) {
        std::int64_t sum = 0;
        for (int i = 0; i < 25; ++i) sum += conv.weights[static_cast<std::size_t>(k * 25 + i)];
        CHECK(sum == 0);
    }
    const auto rep = test::read_json(dir + "/model/train_report.json");
    const double ann = rep["ann_test_accuracy"].get<double>(), snn = rep["quantized_test_accuracy"].get<double>();
    CHECK(ann > 0.70);
    CHECK(std::abs(ann - snn) < 0.05);

    test::write_text(dir + "/run.yaml", test::yoso_run_config(dir + "/model", "mnist", data, 10));
    test::check_chip_equals_ref(dir + "/run.yaml", dir);
}
