// `spiketlm train --method rate` end to end: a small converted network is written, `spiketlm ref`
// and `spiketlm run` take it as it is, and the chip's spikes equal the reference's; an unknown
// method is an error naming it.
#include <catch2/catch.hpp>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/test_util.h"
#include "sw/io/model_file.h"

using namespace spiketlm;
namespace fs = std::filesystem;

TEST_CASE("train --method with an unknown method exits 2 naming it", "[unit]") {
    const std::string dir = test::scratch_dir("rate-cli");
    const auto r = test::run_cli("train --method surrogate --dataset mnist --model x.yaml --out " + dir + "/m");
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("unknown training method 'surrogate'") && Catch::Contains("stdbp, rate"));
    CHECK_FALSE(fs::exists(dir + "/m"));
}

TEST_CASE("train --method rate: a STDBP model file is refused naming the key, exit 2", "[unit]") {
    const std::string dir = test::scratch_dir("rate-cli");
    const auto r = test::run_cli("train --method rate --dataset mnist --model " + test::source_dir() +
                                 "/configs/models/relpsp-fc.yaml --out " + dir + "/m");
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("relpsp-fc.yaml:") && Catch::Contains("unknown key 'encoding'"));
}

TEST_CASE("train --method rate: the same spec and seed give the same model bytes", "[system]") {
    const std::string data = test::mnist_data_dir("train-images-idx3-ubyte");
    const std::string dir = test::scratch_dir("rate-det");
    test::write_text(dir + "/spec.yaml",
                     "network: {inputs: 784, hidden: [16], outputs: 10}\n"
                     "train: {seed: 5, epochs: 2, batch: 50, train_samples: 1000, test_samples: 100}\n"
                     "conversion: {calibration_samples: 500, steps: 8, report_steps: [8]}\n");
    test::check_train_same_bytes(
        "train --method rate --dataset mnist --data-dir '" + data + "' --model " + dir + "/spec.yaml", dir);
}

TEST_CASE("train --method rate: the converted model runs spike-exact on the chip", "[system]") {
    const std::string data = test::mnist_data_dir();
    const std::string dir = test::scratch_dir("rate-sys");
    test::write_text(dir + "/spec.yaml",
                     "name: rate-tiny\n"
                     "network: {inputs: 784, hidden: [24], outputs: 10}\n"
                     "train: {seed: 3, epochs: 1, batch: 32, train_samples: 3000, test_samples: 300}\n"
                     "conversion: {percentile: 99.9, calibration_samples: 1000, weight_bits: 6, steps: 16, "
                     "report_steps: [16]}\n");
    test::run_cli_ok("train --method rate --dataset mnist --data-dir '" + data + "' --model " + dir +
                     "/spec.yaml --out " + dir + "/model --threads 1");
    const io::Model m = io::load_model(dir + "/model");
    REQUIRE(m.net.layers.size() == 2);
    CHECK(m.net.layers[0].neuron.kind == snn::NeuronKind::if_);
    CHECK(m.net.layers[0].neuron.reset == snn::ResetMode::subtract);
    CHECK(m.net.decode == snn::Decode::count);
    CHECK(m.net.encoding.kind == "rate");
    CHECK(m.net.timesteps == 18);
    const auto rep = test::read_json(dir + "/model/train_report.json");
    // A 784-24-10 network on 3000 images, one epoch: well above chance as ANN and as SNN.
    CHECK(rep["ann_test_accuracy"].get<double>() > 0.80);
    CHECK(rep["quantized_test_accuracy"].get<double>() > 0.70);

    test::write_text(dir + "/run.yaml", test::yoso_run_config(dir + "/model", "mnist", data, 12));
    test::check_chip_equals_ref(dir + "/run.yaml", dir);
    CHECK(fs::file_size(dir + "/ref/spikes.spk") > 1000);  // the frames have spikes to compare
}
