// Float versus quantized accuracy of a trained ReL-PSP network over weight bits and input
// window T (the quantized figure is the reference simulator's, i.e. what the chip gets).
//   bench/quant_accuracy --float DIR [--data-dir data] [--dataset fashion-mnist] [--frames N]
//                        [--bits 4,6,8] [--steps 16,32,64] [--window-factor 5] [--threads N]
// DIR holds float_model.yaml + float_weights.npz (spiketlm train writes them to <out>/float).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "sw/data/datasets.h"
#include "sw/io/model_file.h"
#include "sw/quant/quantize.h"

using namespace spiketlm;

namespace {
std::vector<int> ints(const std::string& s) {
    std::vector<int> v;
    std::stringstream ss(s);
    std::string tok;
    while (std::getline(ss, tok, ',')) v.push_back(std::stoi(tok));
    return v;
}
}  // namespace

int main(int argc, char** argv) {
    std::string fdir, data_dir = "data", dataset = "fashion-mnist";
    std::size_t frames = 0;
    std::vector<int> bits{4, 6, 8}, steps{16, 32, 64};
    double window_factor = 5;
    int threads = 0;
    for (int k = 1; k + 1 < argc; k += 2) {
        const std::string a = argv[k], v = argv[k + 1];
        if (a == "--float") fdir = v;
        else if (a == "--data-dir") data_dir = v;
        else if (a == "--dataset") dataset = v;
        else if (a == "--frames") frames = std::stoul(v);
        else if (a == "--bits") bits = ints(v);
        else if (a == "--steps") steps = ints(v);
        else if (a == "--window-factor") window_factor = std::stod(v);
        else if (a == "--threads") threads = std::stoi(v);
    }
    if (fdir.empty()) {
        std::fprintf(stderr, "usage: quant_accuracy --float DIR [--data-dir data] [--frames N] [--bits 4,6,8] "
                             "[--steps 16,32,64] [--window-factor 5] [--threads N]\n");
        return 2;
    }
    try {
        const auto f = io::load_float_model(fdir);
        const auto set = data::load_split(dataset, data_dir, "test");
        std::printf("%s on %s (%zu frames), window = %.1f x T\n", fdir.c_str(), set.name.c_str(),
                    frames ? std::min(frames, set.count()) : set.count(), window_factor);
        std::printf("%5s %5s %10s %10s %8s %10s %9s %7s\n", "bits", "T", "float", "quantized", "delta", "agreement",
                    "undecided", "time");
        for (int b : bits)
            for (int t : steps) {
                quant::QuantOptions o;
                o.weight_bits = b;
                o.steps = t;
                o.window_factor = window_factor;
                const auto t0 = std::chrono::steady_clock::now();
                const auto q = quant::quantize(f, o);
                const auto r = quant::compare_accuracy(f, q.net, set, threads, frames);
                const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                std::printf("%5d %5d %9.2f%% %9.2f%% %+7.2f %9.2f%% %8.2f%% %6.1fs\n", b, t, 100 * r.float_accuracy,
                            100 * r.quantized_accuracy, 100 * (r.quantized_accuracy - r.float_accuracy),
                            100 * r.agreement, 100 * r.quantized_undecided, s);
            }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "quant_accuracy: %s\n", e.what());
        return 1;
    }
    return 0;
}
