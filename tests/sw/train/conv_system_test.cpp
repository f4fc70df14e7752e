// `spiketlm train --method rate` with conv layers end to end: the converted conv2d model is
// written, `spiketlm run` (chip) and `spiketlm ref` give equal spike traces, and `--ann`
// converts the saved float ANN again to the same model bytes.
#include <catch2/catch.hpp>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/test_util.h"
#include "sw/io/model_file.h"

using namespace spiketlm;
namespace fs = std::filesystem;

TEST_CASE("train --method rate with conv layers: the model runs spike-exact on the chip and --ann reconverts it",
          "[system]") {
    const std::string data = test::mnist_data_dir();
    const std::string dir = test::scratch_dir("conv-sys");
    test::write_text(dir + "/spec.yaml",
                     "name: conv-tiny\n"
                     "network:\n"
                     "  inputs: 784\n"
                     "  input_shape: [1, 28, 28]\n"
                     "  layers:\n"
                     "    - {type: conv, channels: 4, kernel: 5, stride: 2, padding: 2}\n"
                     "    - {type: avgpool, kernel: 2}\n"
                     "  outputs: 10\n"
                     "train: {seed: 3, epochs: 3, batch: 32, lr: 5.0e-3, train_samples: 2000, test_samples: 200}\n"
                     "conversion: {calibration_samples: 500, steps: 16, report_steps: [16]}\n");
    test::run_cli_ok("train --method rate --dataset mnist --data-dir '" + data + "' --model " + dir +
                     "/spec.yaml --out " + dir + "/model --threads 1");
    const io::Model m = io::load_model(dir + "/model");
    REQUIRE(m.net.layers.size() == 3);
    CHECK(m.net.layers[0].kind == snn::LayerKind::conv2d);
    CHECK(m.net.layers[0].out == 4 * 14 * 14);
    CHECK(m.net.layers[1].kind == snn::LayerKind::conv2d);
    CHECK(m.net.layers[1].conv.groups == 4);
    CHECK(m.net.layers[2].kind == snn::LayerKind::dense);
    CHECK(m.net.layers[2].in == 4 * 7 * 7);
    CHECK(m.net.timesteps == 19);
    const auto rep = test::read_json(dir + "/model/train_report.json");
    CHECK(rep["ann_test_accuracy"].get<double>() > 0.80);
    CHECK(rep["quantized_test_accuracy"].get<double>() > 0.70);

    // The saved float ANN converts again to the same model.
    const auto again = test::run_cli_ok("train --method rate --dataset mnist --data-dir '" + data + "' --model " + dir +
                                        "/spec.yaml --ann " + dir + "/model/ann.npz --out " + dir + "/again --threads 2");
    CHECK(test::read_text(dir + "/again/weights.npz") == test::read_text(dir + "/model/weights.npz"));
    // A file of another network is refused naming the member.
    test::write_text(dir + "/other.yaml", "network: {inputs: 784, hidden: [8], outputs: 10}\n");
    const auto bad = test::run_cli("train --method rate --dataset mnist --data-dir '" + data + "' --model " + dir +
                                   "/other.yaml --ann " + dir + "/model/ann.npz --out " + dir + "/bad");
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.output, Catch::Contains("ann.npz: member 'layer0.weight' has shape (4, 1, 5, 5)"));

    test::write_text(dir + "/run.yaml", test::yoso_run_config(dir + "/model", "mnist", data, 10));
    test::check_chip_equals_ref(dir + "/run.yaml", dir);
    CHECK(fs::file_size(dir + "/ref/spikes.spk") > 1000);
}
