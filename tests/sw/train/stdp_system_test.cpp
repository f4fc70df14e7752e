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
    const std::string data = test::mnist_data_dir();
    const std::string dir = test::scratch_dir("stdp-sys");
    test::write_text(dir + "/spec.yaml", k_spec);
    test::run_cli_ok("train --method stdp --dataset mnist --data-dir '" + data + "' --model " + dir +
                     "/spec.yaml --out " + dir + "/model --threads 2");
    const io::Model m = io::load_model(dir + "/model");
    REQUIRE(m.net.layers.size() == 2);
    CHECK(m.net.layers[0].has_recurrent());
    CHECK(m.net.layers[0].recurrent.nnz() == 20u * 19u);
    CHECK(m.net.decode == snn::Decode::count);
    CHECK(m.net.encoding.kind == "rate");
    const auto rep = test::read_json(dir + "/model/train_report.json");
    // 20 neurons after 1500 images: far from the paper's figures, but clearly learned (chance: 10 %).
    CHECK(rep["float_test_accuracy"].get<double>() > 0.4);
    CHECK(rep["quantized_test_accuracy"].get<double>() > 0.4);

    test::write_text(dir + "/run.yaml", test::yoso_run_config(dir + "/model", "mnist", data, 200));
    test::check_chip_equals_ref(dir + "/run.yaml", dir);
}

TEST_CASE("train --method stdp: the same spec and seed give the same model bytes for any thread count", "[system]") {
    const std::string data = test::mnist_data_dir("train-images-idx3-ubyte");
    const std::string dir = test::scratch_dir("stdp-det");
    test::write_text(dir + "/spec.yaml",
                     "network: {inputs: 784, neurons: 10, outputs: 10}\n"
                     "encoding: {steps: 30}\n"
                     "train: {seed: 5, epochs: 1, train_samples: 300, test_samples: 100, assign_samples: 300}\n");
    test::check_train_same_bytes(
        "train --method stdp --dataset mnist --data-dir '" + data + "' --model " + dir + "/spec.yaml", dir);
}
