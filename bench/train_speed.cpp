// STDBP training speed on Fashion-MNIST: times a slice of an epoch (training batches and the
// float test evaluation) and extrapolates to a full 60 k / 10 k epoch. Prints figures only.
//
//   train_speed [--model configs/models/relpsp-fc.yaml] [--data-dir data] [--threads 2]
//               [--samples 3840] [--eval-samples 2000]
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include "sw/data/datasets.h"
#include "sw/train/trainer.h"

using namespace spiketlm;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    std::string model = "configs/models/relpsp-fc.yaml";  // relative to the repository root
    std::string data_dir = "data";
    int threads = 2;
    std::size_t samples = 3840, eval_samples = 2000;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--model") model = v;
        else if (k == "--data-dir") data_dir = v;
        else if (k == "--threads") threads = std::atoi(v.c_str());
        else if (k == "--samples") samples = std::strtoull(v.c_str(), nullptr, 10);
        else if (k == "--eval-samples") eval_samples = std::strtoull(v.c_str(), nullptr, 10);
        else {
            std::fprintf(stderr, "train_speed: unknown option %s\n", k.c_str());
            return 2;
        }
    }
    try {
        train::TrainSpec spec = train::load_train_spec(model);
        const auto train_set = data::head(data::load_split("fashion-mnist", data_dir, "train"), samples);
        const auto test_set = data::head(data::load_split("fashion-mnist", data_dir, "test"), eval_samples);
        std::printf("train_speed: model %s (", spec.name.c_str());
        const auto sizes = spec.layer_sizes();
        for (std::size_t i = 0; i < sizes.size(); ++i) std::printf("%s%d", i ? "-" : "", sizes[i]);
        std::printf("), batch %d, %zu train samples timed, %zu eval samples\n", spec.batch,
                    train_set.count(), test_set.count());

        double rate1 = 0;
        for (int t : {1, threads}) {
            if (t == 1 && threads == 1 && rate1 > 0) break;
            train::Trainer trainer(spec, t);
            const data::ImageSet empty;
            auto t0 = std::chrono::steady_clock::now();
            const std::clock_t c0 = std::clock();
            trainer.train_epoch(train_set, empty);
            const double train_s = seconds_since(t0);
            const double train_cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
            t0 = std::chrono::steady_clock::now();
            const auto ev = trainer.evaluate(test_set);
            const double eval_s = seconds_since(t0);
            const double train_rate = train_set.count() / train_s, eval_rate = test_set.count() / eval_s;
            const double epoch_s = 60000.0 / train_rate + 10000.0 / eval_rate;
            std::printf("threads %d: train %.0f samples/s, eval %.0f samples/s, full epoch "
                        "(60k train + 10k test) %.1f s = %.2f min  [slice accuracy %.1f%%]\n",
                        t, train_rate, eval_rate, epoch_s, epoch_s / 60, 100 * ev.accuracy());
            // CPU time is what the work costs regardless of other load on the machine.
            std::printf("threads %d: %.0f train samples per CPU-second (%.1f%% of %d cores busy with "
                        "this process)\n",
                        t, train_set.count() / train_cpu, 100 * train_cpu / train_s / t, t);
            if (t == 1) rate1 = train_rate;
            else std::printf("speed-up %d threads vs 1: %.2fx\n", t, train_rate / rate1);
            if (threads == 1) break;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "train_speed: %s\n", e.what());
        return 1;
    }
    return 0;
}
