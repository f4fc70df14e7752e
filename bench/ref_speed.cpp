// Speed of the functional reference simulator (sw/snn): frames/s and synaptic operations/s on
// Fashion-MNIST test frames, with 1 and N threads (results are identical; only time differs).
//   bench/ref_speed [--model DIR] [--data-dir data] [--frames N] [--threads N]
// Without --model: a 784-800-10 ReL-PSP network quantized from random float weights drawn as
// the STDBP initialisation (N(0.01, 0.02^2), N(0.01, 0.05^2), theta 1, 8 bits, T = 32).
// Without the dataset: random images. Prints figures, never fails on time.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "sw/data/datasets.h"
#include "bench/paper_network.h"
#include "sw/io/model_file.h"
#include "sw/quant/quantize.h"
#include "sw/snn/evaluate.h"

using namespace spiketlm;

int main(int argc, char** argv) {
    std::string model_dir, data_dir = "data";
    std::size_t frames = 10000;
    int threads = 0;
    for (int k = 1; k + 1 < argc; k += 2) {
        if (!std::strcmp(argv[k], "--model")) model_dir = argv[k + 1];
        else if (!std::strcmp(argv[k], "--data-dir")) data_dir = argv[k + 1];
        else if (!std::strcmp(argv[k], "--frames")) frames = std::stoul(argv[k + 1]);
        else if (!std::strcmp(argv[k], "--threads")) threads = std::stoi(argv[k + 1]);
    }
    try {
        snn::Network net;
        if (!model_dir.empty()) {
            net = io::load_model(model_dir).net;
        } else {
            net = bench::paper_init_network();
        }
        data::ImageSet set;
        try {
            set = data::load_split("fashion-mnist", data_dir, "test");
        } catch (const std::exception& e) {
            std::printf("dataset not available (%s): random images\n", e.what());
            set.name = "random";
            set.rows = set.cols = 28;
            std::mt19937 rng(2);
            std::uniform_real_distribution<float> px(0, 1);
            for (std::size_t k = 0; k < frames * 784; ++k) set.pixels.push_back(rng() % 2 ? px(rng) : 0.0f);
            set.labels.assign(frames, 0);
        }
        frames = std::min(frames, set.count());
        const snn::Reference ref(net);
        std::printf("network %s: %zu layers, %d timesteps, %s T=%u; %zu frames of %s\n", net.name.c_str(),
                    net.layers.size(), net.timesteps, net.encoding.kind.c_str(), net.encoding.steps, frames,
                    set.name.c_str());
        std::vector<int> runs{1};
        if (threads != 1) runs.push_back(threads);
        for (int th : runs) {
            const auto t0 = std::chrono::steady_clock::now();
            const auto tot = snn::evaluate(ref, set, 1, th, frames);
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            std::printf("threads %-3s %8.3f s  %9.1f frames/s  %7.1f Msynops/s  accuracy %.4f  spikes/frame %.1f  "
                        "synops/frame %.0f\n",
                        th == 0 ? "all" : std::to_string(th).c_str(), s, static_cast<double>(tot.frames) / s,
                        static_cast<double>(tot.synops) / s * 1e-6, tot.accuracy(),
                        static_cast<double>(tot.spikes) / static_cast<double>(tot.frames),
                        static_cast<double>(tot.synops) / static_cast<double>(tot.frames));
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ref_speed: %s\n", e.what());
        return 1;
    }
    return 0;
}
