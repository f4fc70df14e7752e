// Training end to end: the trainer learns a small synthetic task, runs are reproducible and
// thread-count independent, checkpoints resume exactly, the model file parser rejects bad input
// with file:line, and `spiketlm train` writes its outputs and exits 2 on bad input.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>

#include "common/test_util.h"
#include "sw/common/error.h"
#include "sw/train/train_spec.h"
#include "sw/train/trainer.h"

using namespace spiketlm;
using namespace spiketlm::train;

namespace {

// 10 classes of 28x28 images: class c lights a 3-row band at rows 2c+3.. with random brightness
// over a sparse noisy background (so every class shares some active pixels).
data::ImageSet synthetic(std::size_t n, std::uint64_t seed) {
    data::ImageSet s;
    s.name = "synthetic";
    s.rows = s.cols = 28;
    s.pixels.assign(n * 784, 0.0f);
    s.labels.resize(n);
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> U(0.0f, 1.0f);
    for (std::size_t k = 0; k < n; ++k) {
        const int c = static_cast<int>(k % 10);
        s.labels[k] = static_cast<std::uint8_t>(c);
        float* img = s.pixels.data() + k * 784;
        for (int p = 0; p < 784; ++p)
            if (U(rng) < 0.08f) img[p] = std::round(U(rng) * 0.5f * 255) / 255;
        for (int r = 2 * c + 3; r < 2 * c + 6; ++r)
            for (int col = 4; col < 24; ++col)
                if (U(rng) < 0.8f) img[r * 28 + col] = std::round((0.5f + 0.5f * U(rng)) * 255) / 255;
    }
    return s;
}

TrainSpec small_spec() {
    TrainSpec s;
    s.name = "test";
    s.hidden = {40};
    s.init = {{0.01, 0.02}, {0.05, 0.05}};
    s.epochs = 1;
    s.batch = 16;
    s.lr = 2e-3;
    s.seed = 5;
    return s;
}

void write_idx_images(const std::string& path, const data::ImageSet& s) {
    std::ofstream f(path, std::ios::binary);
    auto be32 = [&](std::uint32_t v) {
        const unsigned char b[4] = {static_cast<unsigned char>(v >> 24), static_cast<unsigned char>(v >> 16),
                                    static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v)};
        f.write(reinterpret_cast<const char*>(b), 4);
    };
    be32(0x00000803);
    be32(static_cast<std::uint32_t>(s.count()));
    be32(28);
    be32(28);
    for (float p : s.pixels) f.put(static_cast<char>(static_cast<unsigned char>(std::lround(p * 255))));
}

void write_idx_labels(const std::string& path, const data::ImageSet& s) {
    std::ofstream f(path, std::ios::binary);
    const unsigned char hdr[8] = {0, 0, 8, 1, 0, 0, static_cast<unsigned char>(s.count() >> 8),
                                  static_cast<unsigned char>(s.count())};
    f.write(reinterpret_cast<const char*>(hdr), 8);
    for (auto l : s.labels) f.put(static_cast<char>(l));
}

}  // namespace

TEST_CASE("one epoch on a few hundred samples beats chance clearly", "[system]") {
    const auto train = synthetic(400, 1), test = synthetic(200, 2);
    Trainer t(small_spec(), 2);
    const auto m = t.train_epoch(train, test);
    CHECK(m.epoch == 1);
    CHECK(m.test_accuracy >= 0.5);  // chance: 0.1
    CHECK(m.loss > 0);
    CHECK(m.dead_fraction < 0.5);
    CHECK(t.evaluate(test).accuracy() == Approx(m.test_accuracy));
}

TEST_CASE("gradient-norm clipping scales every batch gradient down to the clip norm", "[unit]") {
    // With Adam a gradient's scale mostly cancels, except against eps = 1e-8: clipped to a norm
    // of 1e-12, every element is far below eps and a step moves a weight by at most about
    // lr_t * 1e-12 / 1e-8 (lr_t <= ~6e-4 here), while unclipped steps move weights by ~lr_t.
    const auto train = synthetic(64, 6), test = synthetic(20, 7);
    const auto max_change = [&](double clip, double& clipped_fraction) {
        auto spec = small_spec();
        spec.clip_grad_norm = clip;
        Trainer t(spec, 1);
        const Net before = t.net();
        clipped_fraction = t.train_epoch(train, test).clipped_fraction;
        double m = 0;
        for (std::size_t l = 0; l < before.layers.size(); ++l)
            for (std::size_t k = 0; k < before.layers[l].w.size(); ++k)
                m = std::max(m, std::abs(t.net().layers[l].w[k] - before.layers[l].w[k]));
        return m;
    };
    double f_off = -1, f_tiny = -1;
    const double free_change = max_change(0.0, f_off);
    const double clipped_change = max_change(1e-12, f_tiny);
    CHECK(f_off == 0.0);
    CHECK(f_tiny == 1.0);  // 4 batches of 16, all clipped
    CHECK(free_change > 1e-4);
    CHECK(clipped_change < 1e-6);
}

TEST_CASE("training is reproducible, thread-count independent, and resumes exactly", "[system]") {
    const auto train = synthetic(160, 3), test = synthetic(50, 4);
    auto spec = small_spec();
    spec.epochs = 2;
    spec.augment_shift = 1;  // seeded per (epoch, sample): must not depend on threads either
    Trainer a(spec, 1), b(spec, 2);
    for (int e = 0; e < 2; ++e) {
        a.train_epoch(train, test);
        b.train_epoch(train, test);
    }
    CHECK(a.net().layers[0].w == b.net().layers[0].w);
    CHECK(a.net().layers[1].w == b.net().layers[1].w);

    // Stop after epoch 1, checkpoint, resume in a fresh trainer: same weights as uninterrupted.
    const std::string dir = test::scratch_dir("train_resume");
    Trainer c(spec, 2);
    c.train_epoch(train, test);
    c.save_checkpoint(dir + "/ck.bin");
    Trainer d(spec, 1);
    d.load_checkpoint(dir + "/ck.bin");
    CHECK(d.epochs_done() == 1);
    d.train_epoch(train, test);
    CHECK(d.net().layers[0].w == a.net().layers[0].w);
    CHECK(d.history().size() == 2);
    CHECK(d.history()[0].test_accuracy == a.history()[0].test_accuracy);

    // A checkpoint of another architecture or a truncated one is refused.
    auto other = spec;
    other.hidden = {41};
    Trainer e(other, 1);
    CHECK_THROWS_AS(e.load_checkpoint(dir + "/ck.bin"), InputError);
    const std::string bytes = test::read_text(dir + "/ck.bin");
    test::write_text(dir + "/short.bin", bytes.substr(0, bytes.size() / 2));
    CHECK_THROWS_WITH(d.load_checkpoint(dir + "/short.bin"), Catch::Contains("truncated"));
    test::write_text(dir + "/bad.bin", "not a checkpoint");
    CHECK_THROWS_WITH(d.load_checkpoint(dir + "/bad.bin"), Catch::Contains("bad magic"));
}

TEST_CASE("training model files: defaults, schedule, and errors with file:line", "[unit]") {
    const auto s = parse_train_spec(
        "name: x\nnetwork:\n  hidden: [20, 10]\n  init: [{mean: 0.1, std: 0.1}, {mean: 0.1, std: 0.1}, "
        "{mean: 0.2, std: 0.1}]\ntrain:\n  epochs: 5\n  schedule: {kind: step, gamma: 0.5, every: 2}\n",
        "m.yaml");
    CHECK(s.layer_sizes() == std::vector<int>{784, 20, 10, 10});
    CHECK(s.learning_rate(0) == Approx(1e-3));
    CHECK(s.learning_rate(2) == Approx(5e-4));
    CHECK(s.learning_rate(4) == Approx(2.5e-4));
    auto c = s;
    c.schedule = LrSchedule::cosine;
    c.lr_min = 1e-5;
    CHECK(c.learning_rate(0) == Approx(1e-3));
    CHECK(c.learning_rate(4) == Approx(1e-5));
    CHECK(c.learning_rate(2) == Approx(0.5 * (1e-3 + 1e-5)));

    auto err = [](const std::string& text) {
        try {
            parse_train_spec(text, "m.yaml");
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK_THAT(err("network:\n  hiden: [10]\n"), Catch::Contains("m.yaml:2") && Catch::Contains("hiden"));
    CHECK_THAT(err("network: {}\ntrain:\n  epochs: many\n"), Catch::Contains("m.yaml:3") && Catch::Contains("epochs"));
    CHECK_THAT(err("network: {}\nloss: {beta: -1}\n"), Catch::Contains("loss.beta"));
    CHECK_THAT(err("network: {hidden: [10], init: [{mean: 0, std: 1}]}\n"), Catch::Contains("one entry per layer"));
    CHECK_THAT(err("network: {}\nencoding: {kind: rate}\n"), Catch::Contains("ttfs"));
    CHECK_THAT(err("network: {}\nquantization: {steps: 64, sim_steps: 32}\n"), Catch::Contains("sim_steps"));
    CHECK_THAT(err("network: [\n"), Catch::Contains("m.yaml:"));
    CHECK_THAT(err("train: {}\n"), Catch::Contains("network"));
    CHECK_THAT(err("network: {}\ntrain: {schedule: {kind: warm}}\n"), Catch::Contains("warm"));
    CHECK_THAT(err("network: {}\nloss: {hinge_layers: some}\n"), Catch::Contains("hinge_layers"));
    CHECK_FALSE(parse_train_spec("network: {}\nloss: {hinge_layers: output}\n", "m.yaml").loss.hinge_hidden);
}

TEST_CASE("spiketlm train writes the model, the report and exits 2 on bad input", "[system]") {
    const std::string dir = test::scratch_dir("train_cli");
    std::filesystem::create_directories(dir + "/data/fashion-mnist");
    const auto tr = synthetic(300, 7), te = synthetic(100, 8);
    write_idx_images(dir + "/data/fashion-mnist/train-images-idx3-ubyte", tr);
    write_idx_labels(dir + "/data/fashion-mnist/train-labels-idx1-ubyte", tr);
    write_idx_images(dir + "/data/fashion-mnist/t10k-images-idx3-ubyte", te);
    write_idx_labels(dir + "/data/fashion-mnist/t10k-labels-idx1-ubyte", te);
    test::write_text(dir + "/m.yaml",
                     "name: tiny\nnetwork:\n  hidden: [40]\n  init: [{mean: 0.01, std: 0.02}, {mean: 0.05, std: 0.05}]\n"
                     "train: {seed: 3, epochs: 2, batch: 16, optimizer: {lr: 0.002}}\n"
                     "quantization: {weight_bits: 8, steps: 64, sim_steps: 320}\n");
    const std::string common = " --dataset fashion-mnist --model " + dir + "/m.yaml --data-dir " + dir + "/data";
    test::run_cli_ok("-q train" + common + " --epochs 1 --out " + dir + "/out");
    CHECK(std::filesystem::exists(dir + "/out/model.yaml"));
    CHECK(std::filesystem::exists(dir + "/out/weights.npz"));
    auto rep = test::read_json(dir + "/out/train_report.json");
    CHECK(rep["epochs"] == 1);
    CHECK(rep["seed"] == 3);
    CHECK(rep["history"].size() == 1);
    CHECK(rep["float_test_accuracy"].get<double>() > 0.5);
    CHECK(rep["float_test_accuracy"].get<double>() == Approx(rep["history"][0]["test_accuracy"].get<double>()));
    CHECK(rep["quantized_test_accuracy"].get<double>() > 0.4);
    CHECK(rep["epoch_seconds"].get<double>() > 0);

    // Resume to 2 epochs: the first epoch comes from the checkpoint.
    auto r = test::run_cli_ok("-q train" + common + " --resume --out " + dir + "/out");
    CHECK_THAT(r.output, Catch::Contains("after epoch 1"));
    rep = test::read_json(dir + "/out/train_report.json");
    CHECK(rep["epochs"] == 2);
    CHECK(rep["history"].size() == 2);
    // Quantized accuracy per epoch: epoch 1 from the first run (kept in the checkpoint).
    CHECK(rep["history"][0]["quantized_test_accuracy"].get<double>() > 0.4);
    CHECK(rep["history"][1]["quantized_test_accuracy"].get<double>() ==
          Approx(rep["quantized_test_accuracy"].get<double>()));

    r = test::run_cli("-q train --dataset cifar --model " + dir + "/m.yaml --out " + dir + "/x");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("cifar"));
    test::write_text(dir + "/bad.yaml", "network:\n  hidden: [10]\n  thetaa: 1\n");
    r = test::run_cli("-q train --dataset fashion-mnist --model " + dir + "/bad.yaml --out " + dir + "/x");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("bad.yaml:3") && Catch::Contains("thetaa"));
    r = test::run_cli("-q train --dataset fashion-mnist --model " + dir + "/missing.yaml --out " + dir + "/x");
    CHECK(r.exit_code == 2);
}
