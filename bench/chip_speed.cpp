// Speed of the chip model in both timing styles (hw/chip cycle-level, `chip.timing: at`; hw/chip/lt
// loosely timed, `lt`) against the functional reference (sw/snn) on the same frames: frames/s,
// synaptic events/s, simulated chip cycles per wall second, the ratios of each chip's wall time to
// the reference's, and the LT cycle estimate's error against the cycle-level cycles. Also checks
// that all three give the same spikes and decisions.
//   bench/chip_speed [--model DIR] [--chip configs/chips/yoso.yaml] [--data-dir data] [--frames N]
//                    [--modes ref,lt,at] [--set key=value ...] (applied to both chips' configuration)
//                    [--early-stop model|on|off] (default: the model's setting)
// Without --model: the 784-800-10 paper-sized ReL-PSP network quantized from random float weights
// drawn as the STDBP initialisation. Prints figures, never fails on time.
#include <algorithm>
#include <cmath>
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
    std::string modes = "ref,lt,at";
    std::vector<std::string> sets;
    std::string early = "model";
    for (int k = 1; k + 1 < argc; k += 2) {
        if (!std::strcmp(argv[k], "--early-stop")) early = argv[k + 1];
        if (!std::strcmp(argv[k], "--set")) sets.push_back(argv[k + 1]);
        if (!std::strcmp(argv[k], "--modes")) modes = argv[k + 1];
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
        if (early == "on") net.early_stop = true;
        else if (early == "off") net.early_stop = false;
        else if (early != "model") throw std::runtime_error("--early-stop: model, on or off");
        const data::ImageSet set = data::load_split("fashion-mnist", data_dir, "test");
        frames = std::min(frames, set.count());
        cfg::Config c;
        c.load_file(chip_file);
        cfg::Config c_lt;
        c_lt.load_file(chip_file);
        for (std::size_t k = 0; k < sets.size(); ++k) {
            c.apply_set(sets[k], static_cast<int>(k + 1));
            c_lt.apply_set(sets[k], static_cast<int>(k + 1));
        }
        c_lt.apply_set("chip.timing=lt");
        const auto mapped = map::map_network(net, map::capacity_from(c), map::mesh_from(c));
        // Both chips are elaborated before either runs (one SystemC elaboration per process).
        stats::Registry stats, stats_lt;
        chip::Chip chip("chip", c, net, mapped, stats, net.early_stop, net.seed);
        chip::Chip chip_lt("chip_lt", c_lt, net, mapped, stats_lt, net.early_stop, net.seed);
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
        const double f = static_cast<double>(frames);
        std::printf("reference (1 thread)  %8.3f s  %9.1f frames/s  %8.2f M synops/s\n", t_ref, f / t_ref,
                    static_cast<double>(ref_synops) / t_ref * 1e-6);

        struct ModeRun {
            double wall = 0;
            std::uint64_t synops = 0, cycles = 0, spikes = 0, same = 0;
            std::vector<std::uint64_t> frame_cycles;
        };
        auto run_mode = [&](chip::Chip& ch) {
            ModeRun m;
            const auto s0 = std::chrono::steady_clock::now();
            for (std::size_t k = 0; k < frames; ++k) {
                const auto r = ch.run_frame(inputs[k], k);
                m.synops += r.synops;
                m.cycles += r.cycles;
                m.frame_cycles.push_back(r.cycles);
                for (auto s : r.spikes_per_layer) m.spikes += s;
                m.same += r.decision == ref_dec[k];
            }
            m.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count();
            return m;
        };
        auto print_mode = [&](const char* label, const ModeRun& m) {
            std::printf("%-21s %8.3f s  %9.1f frames/s  %8.2f M synaptic events/s  %8.2f M chip cycles/s  "
                        "(%.0f cycles/frame)\n",
                        label, m.wall, f / m.wall, static_cast<double>(m.synops) / m.wall * 1e-6,
                        static_cast<double>(m.cycles) / m.wall * 1e-6, static_cast<double>(m.cycles) / f);
            std::printf("  ratio to the reference's wall time: %.1f x; spikes %s (%llu vs %llu), decisions equal on %llu/%zu\n",
                        m.wall / t_ref, m.spikes == ref_spikes ? "equal" : "DIFFER",
                        static_cast<unsigned long long>(m.spikes), static_cast<unsigned long long>(ref_spikes),
                        static_cast<unsigned long long>(m.same), frames);
        };
        ModeRun lt, at;
        const bool run_lt = modes.find("lt") != std::string::npos, run_at = modes.find("at") != std::string::npos;
        if (run_lt) {
            lt = run_mode(chip_lt);
            print_mode("chip, loosely timed", lt);
        }
        if (run_at) {
            at = run_mode(chip);
            print_mode("chip, cycle-level", at);
            std::printf("projected full 10k test set on the cycle-level chip: %.1f s\n", at.wall / f * 10000.0);
        }
        if (run_lt && run_at) {
            // The LT estimate against the cycle-level cycles, per frame.
            double worst = 0, abs_sum = 0;
            for (std::size_t k = 0; k < frames; ++k) {
                const double e = (static_cast<double>(lt.frame_cycles[k]) - static_cast<double>(at.frame_cycles[k])) /
                                 static_cast<double>(at.frame_cycles[k]);
                worst = std::max(worst, std::abs(e));
                abs_sum += std::abs(e);
            }
            std::printf("LT cycle estimate: total %+.2f %% vs cycle-level; per frame mean |error| %.2f %%, max %.2f %%; "
                        "LT is %.1f x faster than cycle-level\n",
                        100.0 * (static_cast<double>(lt.cycles) - static_cast<double>(at.cycles)) / static_cast<double>(at.cycles),
                        100.0 * abs_sum / f, 100.0 * worst, at.wall / lt.wall);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "chip_speed: %s\n", e.what());
        return 1;
    }
    return 0;
}
