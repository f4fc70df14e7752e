// Speed of the cycle-level chip model (hw/chip) against the functional reference (sw/snn) on the
// same frames: frames/s, synaptic events/s, simulated chip cycles per wall second, and the ratio
// of chip-simulation time to reference time. Also checks that both give the same spikes.
//   bench/chip_speed [--model DIR] [--chip configs/chips/yoso.yaml] [--data-dir data] [--frames N]
// Without --model: the 784-800-10 paper-sized ReL-PSP network quantized from random float weights
// drawn as the STDBP initialisation. Prints figures, never fails on time.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "hw/chip/chip.h"
#include "sw/cfg/config.h"
#include "sw/data/datasets.h"
#include "bench/paper_network.h"
#include "sw/io/model_file.h"
#include "sw/map/capacity.h"
#include "sw/map/mapper.h"
#include "sw/quant/quantize.h"
#include "sw/snn/evaluate.h"
#include "sw/stats/stats.h"

using namespace spiketlm;

int main(int argc, char** argv) {
    std::string model_dir, chip_file = std::string(SPIKETLM_SOURCE_DIR) + "/configs/chips/yoso.yaml", data_dir = "data";
    std::size_t frames = 2000;
    for (int k = 1; k + 1 < argc; k += 2) {
        if (!std::strcmp(argv[k], "--model")) model_dir = argv[k + 1];
        else if (!std::strcmp(argv[k], "--chip")) chip_file = argv[k + 1];
        else if (!std::strcmp(argv[k], "--data-dir")) data_dir = argv[k + 1];
        else if (!std::strcmp(argv[k], "--frames")) frames = std::stoul(argv[k + 1]);
    }
    try {
        snn::Network net;
        if (!model_dir.empty()) {
            net = io::load_model(model_dir).net;
        } else {
            net = bench::paper_init_network();
        }
        const data::ImageSet set = data::load_split("fashion-mnist", data_dir, "test");
        frames = std::min(frames, set.count());
        cfg::Config c;
        c.load_file(chip_file);
        const auto mapped = map::map_network(net, map::capacity_from(c), map::mesh_from(c));
        stats::Registry stats;
        chip::Chip chip("chip", c, net, mapped, stats, net.early_stop, net.seed);
        const auto enc = snn::make_frame_encoder(net, set.pixels_per_image());
        std::vector<encode::SpikeTrain> inputs;
        for (std::size_t k = 0; k < frames; ++k)
            inputs.push_back(enc->encode(set.image(k), set.pixels_per_image(), snn::frame_seed(1, k)));
        std::printf("network %s (%zu layers, %d steps) on %u PEs of a %ux%u mesh, %zu frames of %s\n",
                    net.name.c_str(), net.layers.size(), net.timesteps, static_cast<unsigned>(mapped.pes.size()),
                    mapped.mesh_width, mapped.mesh_height, frames, set.name.c_str());

        snn::SimOptions opt;
        opt.early_stop = net.early_stop;
        opt.noise_seed = net.seed;
        const snn::Reference ref(net, opt);
        auto t0 = std::chrono::steady_clock::now();
        std::uint64_t ref_synops = 0, ref_spikes = 0;
        std::vector<int> ref_dec;
        for (std::size_t k = 0; k < frames; ++k) {
            const auto r = ref.run(inputs[k], k);
            ref_synops += r.synops;
            ref_spikes += r.spikes();
            ref_dec.push_back(r.decision);
        }
        const double t_ref = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

        t0 = std::chrono::steady_clock::now();
        std::uint64_t synops = 0, cycles = 0, spikes = 0, same = 0;
        for (std::size_t k = 0; k < frames; ++k) {
            const auto r = chip.run_frame(inputs[k], k);
            synops += r.synops;
            cycles += r.cycles;
            for (auto s : r.spikes_per_layer) spikes += s;
            same += r.decision == ref_dec[k];
        }
        const double t_chip = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double f = static_cast<double>(frames);
        std::printf("reference (1 thread) %8.3f s  %9.1f frames/s  %8.2f M synops/s\n", t_ref, f / t_ref,
                    static_cast<double>(ref_synops) / t_ref * 1e-6);
        std::printf("chip                 %8.3f s  %9.1f frames/s  %8.2f M synaptic events/s  %8.2f M chip cycles/s  "
                    "(%.0f cycles/frame)\n",
                    t_chip, f / t_chip, static_cast<double>(synops) / t_chip * 1e-6,
                    static_cast<double>(cycles) / t_chip * 1e-6, static_cast<double>(cycles) / f);
        std::printf("ratio chip / reference wall time: %.1f x; spikes %s (%llu vs %llu), decisions equal on %llu/%zu\n",
                    t_chip / t_ref, spikes == ref_spikes ? "equal" : "DIFFER",
                    static_cast<unsigned long long>(spikes), static_cast<unsigned long long>(ref_spikes),
                    static_cast<unsigned long long>(same), frames);
        std::printf("projected full 10k test set on the chip: %.1f s\n", t_chip / f * 10000.0);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "chip_speed: %s\n", e.what());
        return 1;
    }
    return 0;
}
