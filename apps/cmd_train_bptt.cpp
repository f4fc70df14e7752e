// `spiketlm train --method bptt`: a LIF / CUBA-LIF network trained with a surrogate gradient
// through time (sw/train/bptt.h), quantised onto the fixed-point datapath and measured with the
// reference simulator. Writes <out>/model.yaml + weights.npz (the float weights ride along as
// layer<k>.weight_float) and <out>/train_report.json (docs/training.md).
#include "apps/cmd_train_bptt.h"
#include "apps/train_log.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "sw/common/error.h"
#include "sw/common/fs.h"
#include "sw/data/datasets.h"
#include "sw/data/user_data.h"
#include "sw/io/model_file.h"
#include "sw/snn/evaluate.h"
#include "sw/train/bptt.h"

namespace spiketlm::app {

void run_train_bptt(const BpttArgs& a) {
    namespace fs = std::filesystem;
    if (!data::is_dataset_path(a.dataset)) {
        const auto& names = data::dataset_names();
        if (std::find(names.begin(), names.end(), a.dataset) == names.end()) {
            std::string list;
            for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
            throw InputError("unknown dataset '" + a.dataset + "' (known: " + list + ")");
        }
    }
    if (a.threads < 1) throw InputError("--threads must be >= 1");
    if (a.resume) throw InputError("--resume is not supported by --method bptt");
    train::BpttSpec spec = train::load_bptt_spec(a.model);
    if (a.epochs > 0) spec.epochs = a.epochs;
    spec.validate();
    data::DatasetSplit ds = data::load_dataset(a.dataset, a.data_dir);
    if (spec.train_samples > 0) ds.train = data::head(ds.train, spec.train_samples);
    if (spec.test_samples > 0) ds.test = data::head(ds.test, spec.test_samples);
    const std::size_t ppi = ds.train.pixels_per_image();
    const std::size_t enc_inputs = encode::make_encoder(spec.encoding)->outputs(ppi);
    if (enc_inputs != static_cast<std::size_t>(spec.inputs))
        throw InputError(a.model + ": network.inputs is " + std::to_string(spec.inputs) + " but the " +
                         spec.encoding.kind + " encoding of " + a.dataset + " images (" + std::to_string(ppi) +
                         " pixels) gives " + std::to_string(enc_inputs) + " inputs");
    if (ds.train.num_classes > static_cast<std::size_t>(spec.outputs))
        throw InputError(a.model + ": network.outputs is " + std::to_string(spec.outputs) + " but " + a.dataset +
                         " has " + std::to_string(ds.train.num_classes) + " classes");
    fs::create_directories(a.out);

    const int tw = train::bptt_timesteps(spec);
    std::cout << "training " << snn::to_string(spec.kind) << " network " << spec.name << " by surrogate-gradient BPTT on "
              << a.dataset << ": " << ds.train.count() << " train / " << ds.test.count() << " test samples, "
              << spec.epochs << " epochs, " << spec.encoding.kind << " encoding T = " << spec.encoding.steps << " ("
              << tw << " steps), " << a.threads << " threads, seed " << spec.seed << std::endl;
    nlohmann::json report = {{"method", "bptt"},
                             {"model", spec.name},
                             {"model_file", a.model},
                             {"dataset", a.dataset},
                             {"train_samples", ds.train.count()},
                             {"test_samples", ds.test.count()},
                             {"architecture", spec.layer_sizes()},
                             {"neuron", snn::to_string(spec.kind)},
                             {"timesteps", tw},
                             {"seed", spec.seed},
                             {"batch", spec.batch},
                             {"threads", a.threads},
                             {"history", nlohmann::json::array()}};
    double train_seconds = 0;
    double float_acc = 0;
    const auto log_epoch = epoch_logger(spec.epochs, report, &train_seconds);
    const train::BpttNet fnet = train::train_bptt(spec, ds.train, ds.test, a.threads, [&](const train::BpttEpoch& m) {
        log_epoch(m);
        float_acc = m.test_accuracy;
    });
    report["train_seconds"] = train_seconds;
    report["epoch_seconds"] = spec.epochs ? train_seconds / spec.epochs : 0.0;
    report["float_test_accuracy"] = float_acc;

    const train::BpttQuantized q = train::quantize_bptt(fnet, spec);
    const snn::Reference ref(q.net);
    const snn::EvalTotals e = snn::evaluate(ref, ds.test, spec.seed, a.threads);
    const double spf = e.frames ? static_cast<double>(e.spikes) / static_cast<double>(e.frames) : 0.0;
    report["quantized_test_accuracy"] = e.accuracy();
    report["undecided"] = e.undecided;
    report["spikes_per_frame"] = spf;
    report["weight_scale"] = q.weight_scale;
    nlohmann::json layers = nlohmann::json::array();
    for (std::size_t l = 0; l < q.net.layers.size(); ++l)
        layers.push_back({{"theta", q.net.layers[l].neuron.theta},
                          {"decay_v", q.net.layers[l].neuron.decay_v},
                          {"decay_i", q.net.layers[l].neuron.decay_i},
                          {"theta_float", fnet.theta[l]},
                          {"beta_float", fnet.beta[l]},
                          {"alpha_float", fnet.alpha[l]},
                          {"spikes_per_frame",
                           e.frames && l < e.spikes_per_layer.size()
                               ? static_cast<double>(e.spikes_per_layer[l]) / static_cast<double>(e.frames)
                               : 0.0}});
    report["layers"] = layers;

    io::ModelMeta meta;
    meta.source = "spiketlm train --method bptt --dataset " + a.dataset + " --model " + a.model;
    io::QuantInfo qi;
    qi.input_window = spec.encoding.steps;
    qi.delta = 1.0;
    qi.weight_scale = q.weight_scale;
    qi.theta_float = fnet.theta;
    qi.float_test_accuracy = float_acc;
    qi.quantized_test_accuracy = e.accuracy();
    meta.quant = qi;
    meta.notes["method"] = "bptt";
    meta.notes["dataset"] = a.dataset;
    meta.notes["epochs"] = std::to_string(spec.epochs);
    meta.notes["seed"] = std::to_string(spec.seed);
    std::vector<std::vector<float>> fw;
    for (const auto& w : fnet.w) {
        std::vector<float> v(static_cast<std::size_t>(w.size()));
        for (Eigen::Index o = 0; o < w.rows(); ++o)
            for (Eigen::Index i = 0; i < w.cols(); ++i) v[static_cast<std::size_t>(o * w.cols() + i)] = w(o, i);
        fw.push_back(std::move(v));
    }
    io::save_model(a.out, q.net, meta, fw);
    write_file_atomic((fs::path(a.out) / "train_report.json").string(), report.dump(2) + "\n");
    char line[256];
    std::snprintf(line, sizeof(line),
                  "float test accuracy %.2f%%, quantized (%d-bit weights, %d steps, reference) %.2f%%, undecided %llu, "
                  "%.0f spikes/frame\n",
                  100 * float_acc, spec.weight_bits, tw, 100 * e.accuracy(),
                  static_cast<unsigned long long>(e.undecided), spf);
    std::cout << line << "model written to " << a.out << "/ (model.yaml, weights.npz, train_report.json)\n";
}

}  // namespace spiketlm::app
