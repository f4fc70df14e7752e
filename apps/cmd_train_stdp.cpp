// `spiketlm train --method stdp`: unsupervised STDP after Diehl & Cook 2015 (sw/train/stdp.h,
// docs/training.md "STDP (Diehl & Cook)"): trains the excitatory layer on the training images
// (labels unused), labels its neurons from their responses, measures the float accuracy (Diehl &
// Cook's mean rule and the sum rule the chip's readout computes), converts to the fixed-point
// network (recurrent inhibition, thresholds folded into row scales, count readout) and measures
// it with the reference simulator. Writes <out>/model.yaml + weights.npz (the excitatory float
// weights ride along as layer0.weight_float), <out>/checkpoint.bin (the float layer after the
// last epoch; --resume continues from it, or only relabels and converts when it is complete)
// and <out>/train_report.json.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "apps/command.h"
#include "sw/common/error.h"
#include "sw/common/fs.h"
#include "sw/common/progress.h"
#include "sw/data/datasets.h"
#include "sw/data/user_data.h"
#include "sw/io/model_file.h"
#include "sw/snn/evaluate.h"
#include "sw/train/stdp.h"

namespace spiketlm::app {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

// Called by `spiketlm train` (apps/cmd_train.cpp) for --method stdp.
void run_train_stdp(const std::string& dataset, const std::string& model, const std::string& data_dir,
                    const std::string& out, int epochs, int threads, bool resume) {
    namespace fs = std::filesystem;
    if (threads < 1) throw InputError("--threads must be >= 1");
    train::StdpSpec spec = train::load_stdp_spec(model);
    if (epochs > 0) spec.epochs = epochs;
    spec.validate();
    data::DatasetSplit ds = data::load_dataset(dataset, data_dir);
    if (spec.train_samples > 0) ds.train = data::head(ds.train, spec.train_samples);
    if (spec.test_samples > 0) ds.test = data::head(ds.test, spec.test_samples);
    if (ds.train.pixels_per_image() != static_cast<std::size_t>(spec.inputs))
        throw InputError(model + ": network.inputs is " + std::to_string(spec.inputs) + " but " + dataset +
                         " images have " + std::to_string(ds.train.pixels_per_image()) + " pixels");
    if (ds.train.num_classes > static_cast<std::size_t>(spec.outputs))
        throw InputError(model + ": network.outputs is " + std::to_string(spec.outputs) + " but " + dataset + " has " +
                         std::to_string(ds.train.num_classes) + " classes");
    fs::create_directories(out);

    std::cout << "training STDP layer " << spec.name << " (" << spec.neurons << " excitatory neurons) on " << dataset
              << ": " << ds.train.count() << " train / " << ds.test.count() << " test samples, " << spec.epochs
              << " epochs, " << spec.steps << " steps per image, seed " << spec.seed << "\n";
    nlohmann::json report = {{"method", "stdp"},
                             {"model", spec.name},
                             {"model_file", model},
                             {"dataset", dataset},
                             {"train_samples", ds.train.count()},
                             {"test_samples", ds.test.count()},
                             {"neurons", spec.neurons},
                             {"steps", spec.steps},
                             {"seed", spec.seed},
                             {"threads", threads},
                             {"history", nlohmann::json::array()}};
    double train_seconds = 0;
    std::unique_ptr<Progress> bar;
    const std::string ckpt = (fs::path(out) / "checkpoint.bin").string();
    train::StdpNet net;
    int done = 0;
    if (resume && fs::exists(ckpt)) {
        net = train::load_stdp_checkpoint(ckpt, spec, done);
        std::cout << "resumed from " << ckpt << " after epoch " << done << "\n";
        report["resumed_after_epoch"] = done;
    } else {
        if (resume) std::cout << "no checkpoint in " << out << ": starting from epoch 1\n";
        net = train::init_stdp(spec);
    }
    int epoch_no = done + 1;
    train::train_stdp_epochs(
        net, spec, ds.train, done,
        [&](const train::StdpEpoch& m, const train::StdpNet& trained) {
            if (bar) bar->finish();
            bar.reset();
            ++epoch_no;
            train::save_stdp_checkpoint(ckpt, trained, m.epoch);
            char line[200];
            std::snprintf(line, sizeof(line),
                          "epoch %d/%d  %.1f layer spikes/image  %.3f retries/image  mean theta %.3f  %.1f s", m.epoch,
                          spec.epochs, m.spikes_per_image, m.retries_per_image, m.mean_theta, m.seconds);
            std::cout << line << std::endl;
            train_seconds += m.seconds;
            report["history"].push_back({{"epoch", m.epoch},
                                         {"seconds", m.seconds},
                                         {"spikes_per_image", m.spikes_per_image},
                                         {"retries_per_image", m.retries_per_image},
                                         {"mean_theta", m.mean_theta}});
        },
        [&](std::size_t d, std::size_t total) {
            if (!bar) bar = std::make_unique<Progress>("epoch " + std::to_string(epoch_no), total, "images");
            bar->update(d);
        });
    const int trained_epochs = spec.epochs - done;
    report["train_seconds"] = train_seconds;
    report["epoch_seconds"] = trained_epochs > 0 ? train_seconds / trained_epochs : 0.0;

    // Label assignment from the frozen network's responses to the training images.
    auto t0 = std::chrono::steady_clock::now();
    const std::size_t n_assign = spec.assign_samples ? std::min(spec.assign_samples, ds.train.count()) : ds.train.count();
    const auto assign_counts = train::stdp_responses(net, spec, ds.train, n_assign, threads, spec.seed);
    const std::vector<int> assignment = train::assign_labels(assign_counts, ds.train.labels, spec.neurons, spec.outputs);
    std::vector<int> per_class(static_cast<std::size_t>(spec.outputs), 0);
    int unassigned = 0;
    for (int a : assignment) a < 0 ? ++unassigned : ++per_class[static_cast<std::size_t>(a)];
    report["assign_samples"] = n_assign;
    report["assign_seconds"] = seconds_since(t0);
    report["neurons_per_class"] = per_class;
    report["unassigned_neurons"] = unassigned;
    std::printf("labelled the neurons on %zu training images (%.1f s): %d never fired\n", n_assign, seconds_since(t0),
                unassigned);

    // Float accuracy on the test images (same input spikes as the reference's frames).
    t0 = std::chrono::steady_clock::now();
    const auto test_counts = train::stdp_responses(net, spec, ds.test, ds.test.count(), threads, spec.seed);
    std::size_t ok_mean = 0, ok_sum = 0, undecided = 0;
    std::uint64_t spikes = 0;
    const std::size_t nn = static_cast<std::size_t>(spec.neurons);
    for (std::size_t i = 0; i < ds.test.count(); ++i) {
        const std::uint32_t* c = test_counts.data() + i * nn;
        for (std::size_t o = 0; o < nn; ++o) spikes += c[o];
        const int dm = train::stdp_decide(c, assignment, spec.outputs, train::StdpReadout::mean);
        const int ds_ = train::stdp_decide(c, assignment, spec.outputs, train::StdpReadout::sum);
        if (dm < 0) ++undecided;
        ok_mean += dm == ds.test.labels[i];
        ok_sum += ds_ == ds.test.labels[i];
    }
    const double nt = std::max<double>(1.0, static_cast<double>(ds.test.count()));
    report["float_test_accuracy_mean_rule"] = ok_mean / nt;
    report["float_test_accuracy"] = ok_sum / nt;
    report["float_undecided"] = undecided;
    report["float_layer_spikes_per_frame"] = static_cast<double>(spikes) / nt;
    std::printf("float test accuracy %.2f%% (sum rule, the chip's) / %.2f%% (Diehl & Cook's mean rule), %.1f layer "
                "spikes/frame, %zu undecided (%.1f s)\n",
                100 * ok_sum / nt, 100 * ok_mean / nt, static_cast<double>(spikes) / nt, undecided, seconds_since(t0));
    std::fflush(stdout);

    // Fixed point, measured by the reference simulator.
    t0 = std::chrono::steady_clock::now();
    const train::StdpConversion conv = train::convert_stdp(net, assignment, spec);
    const snn::Reference ref(conv.net);
    const snn::EvalTotals e = snn::evaluate(ref, ds.test, spec.seed, threads);
    const double spf = e.frames ? static_cast<double>(e.spikes) / static_cast<double>(e.frames) : 0.0;
    report["quantized_test_accuracy"] = e.accuracy();
    report["quantized_undecided"] = e.undecided;
    report["quantization"] = {{"weight_bits", spec.weight_bits},
                              {"state_bits", spec.state_bits},
                              {"timesteps", conv.net.timesteps},
                              {"theta", conv.net.layers[0].neuron.theta},
                              {"decay_v", conv.net.layers[0].neuron.decay_v},
                              {"weight_scale", conv.weight_scale},
                              {"theta_ref", conv.theta_ref}};
    report["spikes_per_frame"] = spf;
    report["input_spikes_per_frame"] = e.frames ? static_cast<double>(e.input_spikes) / e.frames : 0.0;
    report["synops_per_frame"] = e.frames ? static_cast<double>(e.synops) / e.frames : 0.0;
    report["quantized_seconds"] = seconds_since(t0);
    std::printf("quantized (%d-bit weights, %d steps) on the reference: test accuracy %.2f%%, %.1f spikes/frame "
                "(all layers), %llu undecided (%.1f s)\n",
                spec.weight_bits, conv.net.timesteps, 100 * e.accuracy(), spf,
                static_cast<unsigned long long>(e.undecided), seconds_since(t0));

    io::ModelMeta meta;
    meta.source = "spiketlm train --method stdp --dataset " + dataset + " --model " + model;
    meta.notes["method"] = "stdp";
    meta.notes["dataset"] = dataset;
    meta.notes["epochs"] = std::to_string(spec.epochs);
    meta.notes["seed"] = std::to_string(spec.seed);
    meta.notes["theta_ref"] = std::to_string(conv.theta_ref);
    meta.notes["weight_scale"] = std::to_string(conv.weight_scale);
    meta.notes["float_test_accuracy"] = std::to_string(ok_sum / nt);
    meta.notes["quantized_test_accuracy"] = std::to_string(e.accuracy());
    std::vector<float> fw(static_cast<std::size_t>(spec.neurons) * spec.inputs);
    for (int o = 0; o < spec.neurons; ++o)
        for (int i = 0; i < spec.inputs; ++i) fw[static_cast<std::size_t>(o) * spec.inputs + i] = net.weight(o, i);
    std::vector<float> ro(conv.net.layers[1].weights.begin(), conv.net.layers[1].weights.end());
    io::save_model(out, conv.net, meta, {fw, ro});
    report["adaptive_theta"] = net.theta;
    report["assignment"] = assignment;
    write_file_atomic((fs::path(out) / "train_report.json").string(), report.dump(2) + "\n");
    std::cout << "model written to " << out << "/ (model.yaml, weights.npz, train_report.json)\n";
}

}  // namespace spiketlm::app
