// The `nvm` PE kind in the chip against the reference running the same crossbars: spike-exact
// with ideal devices (then also equal to the exact reference) and with every non-ideality on;
// action counts of the arrays and ADCs against counts derived from the input.
// Helpers copied from tests/hw/chip/chip_test.cpp (random network, random input, compare).
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <memory>
#include <random>

#include "hw/chip/chip.h"
#include "hw/pe/pe_config.h"
#include "hw/power/energy_model.h"
#include "sw/cfg/config.h"
#include "sw/common/error.h"
#include "sw/map/capacity.h"
#include "sw/map/mapper.h"
#include "sw/nvm/nvm_config.h"
#include "hw/chip/random_network.h"
#include "sw/snn/network.h"
#include "sw/snn/reference.h"
#include "sw/stats/stats.h"

using namespace spiketlm;

namespace {

using test::random_input;
using test::random_network;

struct Run {
    std::uint64_t frames = 0, spikes = 0, mismatched_frames = 0, cycles = 0;
    std::uint64_t differ_from_exact = 0;  // frames whose NVM spikes differ from the exact-weight reference's
    std::string first_difference;
};

// Runs `frames` random frames through the chip and the reference and compares every spike.
Run compare(const snn::Network& net, const std::string& chip_yaml, int frames, double p_in, bool early_stop,
            std::uint64_t seed, std::function<void(const stats::Registry&)> inspect = {}) {
    cfg::Config c;
    c.load_string(chip_yaml, "chip.yaml");
    stats::Registry stats;
    const auto mapped = map::map_network(net, map::capacity_from(c), map::mesh_from(c));
    chip::Chip chip("chip", c, net, mapped, stats, early_stop, net.seed);
    std::vector<snn::SpikeEvent> chip_spikes;
    chip.set_spike_callback([&](const chip::ChipSpike& s) { chip_spikes.push_back({s.step, s.layer, s.neuron}); });
    snn::SimOptions opt;
    opt.early_stop = early_stop;
    if (nvm::enabled(c))  // the reference runs the chip's crossbars (same device, same seed)
        opt.synapses = std::make_shared<nvm::NetworkCrossbars>(net, nvm::device_from(c), nvm::seed_from(net.seed));
    snn::Reference ref(net, opt);
    snn::SimOptions exact_opt;
    exact_opt.early_stop = early_stop;
    snn::Reference exact(net, exact_opt);
    std::mt19937_64 rng(seed);
    Run r;
    for (int f = 0; f < frames; ++f) {
        const auto in = random_input(net.inputs, net.encoding.steps, p_in, rng);
        chip_spikes.clear();
        const auto cr = chip.run_frame(in, static_cast<std::uint64_t>(f));
        snn::VectorSink sink;
        const auto rr = ref.run(in, static_cast<std::uint64_t>(f), &sink);
        snn::VectorSink exact_sink;
        exact.run(in, static_cast<std::uint64_t>(f), &exact_sink);
        r.differ_from_exact += exact_sink.spikes != sink.spikes;
        ++r.frames;
        r.spikes += sink.spikes.size();
        r.cycles += cr.cycles;
        const std::string diff = test::frame_difference(net, in, f, chip_spikes, cr, sink.spikes, rr);
        if (!diff.empty()) {
            ++r.mismatched_frames;
            if (r.first_difference.empty()) r.first_difference = diff;
        }
    }
    if (inspect) inspect(stats);
    return r;
}

const char* k_chip = R"(
chip:
  noc: {width: 4, height: 4}
  pe: {kind: nvm, neurons: 16, synapse_words: 4096, axon_entries: 256}
nvm:
  enabled: true
  rows: 32
  cols: 32
)";

const char* k_nonideal = R"(
  bits_per_cell: 2
  variation: {kind: gaussian, sigma_mode: relative, sigma: 0.05}
  read_noise: 0.05
  stuck_gmin: 0.09
  stuck_gmax: 0.01
  drift: {time: 3600, t0: 20, nu: 0.05, nu_sigma: 0.01}
  wire_ohm: 1.0
  adc: {bits: 5, full_scale: 64, cols_per_adc: 8}
)";

void check_exact(const Run& r, std::uint64_t min_spikes) {
    INFO(r.first_difference);
    CHECK(r.mismatched_frames == 0);
    CHECK(r.spikes >= min_spikes);  // the comparison is not vacuous
}

}  // namespace

TEST_CASE("nvm chip: ideal devices are spike-exact with the reference on 100 frames (LIF)", "[system]") {
    const auto net = random_network({40, 48, 32, 10}, snn::NeuronKind::lif, 11, 24, 60, 120);
    const Run r = compare(net, k_chip, 100, 0.15, false, 1);
    check_exact(r, 1000);
    CHECK(r.differ_from_exact == 0);
}

TEST_CASE("nvm chip: every non-ideality on, spike-exact with the reference on 200 frames (LIF)", "[system]") {
    const auto net = random_network({40, 48, 32, 10}, snn::NeuronKind::lif, 11, 24, 60, 120);
    const Run r = compare(net, std::string(k_chip) + k_nonideal, 200, 0.15, false, 1);
    check_exact(r, 1000);
    CHECK(r.differ_from_exact > 100);  // the non-idealities do change the network
}

TEST_CASE("nvm chip: every non-ideality on, ReL-PSP with early stop, spike-exact on 200 frames", "[system]") {
    const auto net = random_network({50, 40, 10}, snn::NeuronKind::relpsp, 13, 40, 40, 600);
    const Run r = compare(net, std::string(k_chip) + k_nonideal, 200, 0.05, true, 3);
    check_exact(r, 300);
    CHECK(r.differ_from_exact > 20);
    WARN("frames differing from exact weights: " << r.differ_from_exact << " of " << r.frames);
}

TEST_CASE("nvm energy models: ADC by Walden FOM x 2^bits and array reads by V^2 G t, hand-computed", "[unit]") {
    const power::ComponentModel* adc = power::find_model("nvm_adc");
    const power::ComponentModel* arr = power::find_model("nvm_array");
    REQUIRE(adc);
    REQUIRE(arr);
    CHECK(adc->action_pj("conversion", {{"bits", 5}, {"fom_fj", 5}}) == Approx(0.16));  // 5 fJ x 32
    const power::Attributes a{{"rows", 128}, {"cols", 128}, {"read_voltage_v", 0.5}, {"g_mean_us", 80},
                              {"read_time_ns", 10}, {"cell_cap_ff", 0.2}, {"sense_pj", 0.1},
                              {"write_voltage_v", 2}, {"write_time_ns", 100}, {"write_pulses", 3}};
    // 128 cells x (0.25 V^2 x 80 uS x 10 ns = 0.2 pJ  +  0.2 fF x 0.25 V^2 = 0.05 fJ)
    CHECK(arr->action_pj("row_activation", a) == Approx(128 * (0.2 + 0.00005)));
    CHECK(arr->action_pj("column_read", a) == Approx(128 * 0.00005 + 0.1));
    CHECK(arr->action_pj("program", a) == Approx(3 * 4 * 80 * 100 * 1e-3));  // 96 pJ
}

TEST_CASE("nvm config: chip.pe.kind nvm and nvm.enabled go together, errors name the key and file:line", "[unit]") {
    const auto error_of = [](const std::string& yaml) -> std::pair<std::string, std::string> {
        try {
            cfg::Config c;
            c.load_string(yaml, "run.yaml");
            pe::PeConfig::from(c);
        } catch (const ConfigError& e) {
            return {e.key(), e.what()};
        }
        return {"", ""};
    };
    auto [k1, m1] = error_of("chip:\n  pe:\n    kind: nvm\n");
    CHECK(k1 == "chip.pe.kind");
    CHECK(m1.find("run.yaml:3") != std::string::npos);
    auto [k2, m2] = error_of("nvm:\n  enabled: true\n");
    CHECK(k2 == "nvm.enabled");
    CHECK(m2.find("run.yaml:2") != std::string::npos);
    auto [k3, m3] = error_of("chip:\n  pe:\n    kind: nvm\nnvm:\n  enabled: true\n  g_min: 200\n");
    CHECK(k3 == "nvm.g_min");
    CHECK(m3.find("run.yaml:6") != std::string::npos);
    CHECK(error_of("chip:\n  pe:\n    kind: nvm\nnvm:\n  enabled: true\n").first.empty());
}
