// Scale of the chip model (issue 13, docs/chip.md "Scale"): a generated deep network with local
// (banded) sparse connectivity on meshes up to 32 x 32 PEs, in both timing styles.
//
//   bench/chip_scale                      the full report: the 32x32 configuration, wall time
//                                         against mesh size (4x4 .. 32x32) and against spike count
//                                         (event-driven update off and on)
//   bench/chip_scale --point [options]    one configuration (what the full report runs, one child
//                                         process each: one SystemC elaboration per process)
// Options of a point: --mesh W (W x W mesh), --layers L (hidden layers), --band B (fan-in of each
// neuron: B consecutive sources), --inputs N, --timesteps T, --rate p (input spike probability
// per input and step), --frames F, --modes lt,at, --event-driven 0|1, --seed S, --pe-neurons N,
// --steps-to-fire X (thresholds: a neuron fires after about X steps at 5 % input activity; 6:
// about 6 % of the neurons fire per step at --rate 0.05).
// The network: N inputs -> L sparse LIF layers that fill the mesh (--pe-neurons, default 320,
// neurons per PE; 10 PEs left for the 10-neuron output layer) -> 10 outputs; every layer banded
// with fan-in B. Chip: the yoso preset with the mesh resized, 320 neuron-state and routing
// entries and 16384 synapse words (128 KB) per PE, and source multicast.
// Every point also runs the functional reference on the same frames and checks that the chip's
// spikes equal it (printed; a difference makes the run exit 1: the figures would be wrong).
// Prints figures, never fails on time.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "hw/chip/chip.h"
#include "sw/cfg/config.h"
#include "sw/map/capacity.h"
#include "sw/map/mapper.h"
#include "sw/snn/random_network.h"
#include "sw/snn/reference.h"
#include "sw/stats/stats.h"

using namespace spiketlm;

namespace {

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Peak resident set size of this process so far (MiB).
double peak_rss_mib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_maxrss) / 1024.0;
}

// Current resident set size (MiB), from /proc/self/statm.
double rss_mib() {
    long pages = 0, resident = 0;
    if (FILE* f = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        std::fclose(f);
    }
    return static_cast<double>(resident) * 4096.0 / (1024.0 * 1024.0);
}

struct Point {
    int mesh = 32, layers = 7, band = 128, inputs = 4096, timesteps = 16, frames = 4, seed = 1, pe_neurons = 320;
    double steps_to_fire = 6.0;
    double rate = 0.05;
    bool event_driven = true;
    std::string modes = "lt,at";
};

snn::Network scale_network(const Point& p) {
    const int pes = p.mesh * p.mesh;
    // The 10 outputs read bands far apart: up to 10 PEs are left for them.
    const int per_layer = std::max(1, (pes - 10) / p.layers);
    snn::RandomNetworkSpec spec;
    spec.sizes = {p.inputs};
    for (int l = 0; l < p.layers; ++l) spec.sizes.push_back(per_layer * p.pe_neurons);
    spec.sizes.push_back(10);
    spec.kind = snn::NeuronKind::lif;
    spec.band = p.band;
    spec.timesteps = p.timesteps;
    spec.encoding.kind = "rate";
    spec.encoding.steps = static_cast<std::uint32_t>(std::max(1, p.timesteps - 4));
    // Thresholds from a nominal activity, not from --rate: the spike-count sweep varies the input
    // on one and the same network.
    spec.input_activity = 0.05;
    spec.steps_to_fire = p.steps_to_fire;
    spec.neg_fraction = 0.3;
    spec.seed = static_cast<std::uint64_t>(p.seed);
    auto net = snn::random_network(spec);
    net.name = "scale-" + std::to_string(p.mesh) + "x" + std::to_string(p.mesh);
    return net;
}

int run_point(const Point& p) {
    const double rss0 = rss_mib();
    double t0 = now_s();
    const snn::Network net = scale_network(p);
    std::uint64_t neurons = 0, synapses = 0, dense_pairs = 0;
    for (const auto& l : net.layers) {
        neurons += static_cast<std::uint64_t>(l.out);
        synapses += l.synapse_count();
        dense_pairs += static_cast<std::uint64_t>(l.in) * static_cast<std::uint64_t>(l.out);
    }
    cfg::Config c;
    c.load_file(std::string(SPIKETLM_SOURCE_DIR) + "/configs/chips/yoso.yaml");
    c.apply_set("chip.noc.width=" + std::to_string(p.mesh), 1);
    c.apply_set("chip.noc.height=" + std::to_string(p.mesh), 2);
    c.apply_set(std::string("chip.pe.event_driven_update=") + (p.event_driven ? "true" : "false"), 3);
    // Banded rows start at the group's first neuron (docs/mapping.md), so a group of 320 neurons
    // with fan-in 128 needs about 10 k words: 128 KB of synapse SRAM per PE instead of the preset's 64 KB.
    c.apply_set("chip.pe.synapse_words=16384", 5);
    c.apply_set("chip.pe.neurons=" + std::to_string(p.pe_neurons), 7);
    c.apply_set("chip.pe.route_entries=" + std::to_string(p.pe_neurons), 8);
    // A tree-multicast header holds a node bitmask (1024 bits on 32x32): beyond any flit. Banded
    // layers reach one or two PEs per spike, so source multicast (one unicast copy each) is cheap.
    c.apply_set("chip.noc.multicast=source", 6);
    cfg::Config c_lt = c;
    c_lt.apply_set("chip.timing=lt", 4);
    const auto mapped = map::map_network(net, map::capacity_from(c), map::mesh_from(c));
    const double t_map = now_s() - t0;
    const double rss_net = rss_mib();
    std::uint64_t words = 0;
    for (const auto& pe : mapped.pes) words += pe.synapse.size();

    const bool want_lt = p.modes.find("lt") != std::string::npos, want_at = p.modes.find("at") != std::string::npos;
    stats::Registry st_lt, st_at;
    t0 = now_s();
    std::unique_ptr<chip::Chip> lt, at;
    if (want_lt) lt = std::make_unique<chip::Chip>("chip_lt", c_lt, net, mapped, st_lt, false, net.seed);
    const double rss_lt = rss_mib();
    if (want_at) at = std::make_unique<chip::Chip>("chip_at", c, net, mapped, st_at, false, net.seed);
    const double rss_at = rss_mib();
    const double t_elab = now_s() - t0;

    std::mt19937_64 rng(static_cast<std::uint64_t>(p.seed) * 7919u + 1);
    std::bernoulli_distribution b(p.rate);
    std::vector<encode::SpikeTrain> inputs(static_cast<std::size_t>(p.frames));
    for (auto& in : inputs)
        for (std::uint32_t s = 0; s < net.encoding.steps; ++s)
            for (std::uint32_t i = 0; i < static_cast<std::uint32_t>(net.inputs); ++i)
                if (b(rng)) in.push_back({s, i});

    const snn::Reference ref(net);
    std::vector<std::vector<std::uint64_t>> ref_layers;
    std::uint64_t ref_spikes = 0;
    t0 = now_s();
    for (std::size_t k = 0; k < inputs.size(); ++k) {
        const auto r = ref.run(inputs[k], k);
        ref_layers.push_back(r.spikes_per_layer);
        ref_spikes += r.spikes();
    }
    const double t_ref = now_s() - t0;

    std::printf("POINT mesh=%dx%d pes=%zu layers=%zu neurons=%llu synapses=%llu sparsity=%.5f fan_in=%d "
                "synapse_words=%llu event_driven=%d rate=%.3f frames=%d timesteps=%d\n",
                p.mesh, p.mesh, mapped.pes.size(), net.layers.size(), static_cast<unsigned long long>(neurons),
                static_cast<unsigned long long>(synapses), 1.0 - static_cast<double>(synapses) / static_cast<double>(dense_pairs),
                p.band, static_cast<unsigned long long>(words), p.event_driven ? 1 : 0, p.rate, p.frames, p.timesteps);
    std::printf("  build+map %.2f s, network+images %.0f MiB; elaboration %.2f s\n", t_map, rss_net - rss0, t_elab);
    std::printf("  reference: %.3f s/frame, %.1f spikes/frame\n", t_ref / p.frames,
                static_cast<double>(ref_spikes) / p.frames);
    bool exact = true;
    auto run = [&](chip::Chip& ch, const char* label, double rss_model) {
        std::uint64_t cycles = 0, spikes = 0;
        const double s0 = now_s();
        for (std::size_t k = 0; k < inputs.size(); ++k) {
            const auto r = ch.run_frame(inputs[k], k);
            cycles += r.cycles;
            for (auto s : r.spikes_per_layer) spikes += s;
            if (r.spikes_per_layer != ref_layers[k]) exact = false;
        }
        const double wall = now_s() - s0;
        std::printf("RESULT mode=%s wall_per_frame=%.4f frames_per_s=%.3f cycles_per_frame=%.0f spikes_per_frame=%.1f "
                    "model_mib=%.0f kib_per_pe=%.1f ratio_to_ref=%.1f\n",
                    label, wall / p.frames, p.frames / wall, static_cast<double>(cycles) / p.frames,
                    static_cast<double>(spikes) / p.frames, rss_model, rss_model * 1024.0 / static_cast<double>(mapped.pes.size()),
                    wall / std::max(1e-9, t_ref));
    };
    if (lt) run(*lt, "lt", rss_lt - rss_net);
    if (at) run(*at, "at", rss_at - rss_lt);
    std::printf("  spikes per layer equal to the reference on every frame: %s; peak RSS %.0f MiB\n", exact ? "yes" : "NO",
                peak_rss_mib());
    return exact ? 0 : 1;
}

// Runs one point in a child process (one SystemC elaboration per process) and echoes its output.
std::string child(const char* self, const std::string& args) {
    const std::string cmd = std::string(self) + " --point " + args + " 2>&1";
    std::string out;
    if (FILE* f = popen(cmd.c_str(), "r")) {
        char buf[4096];
        while (std::fgets(buf, sizeof buf, f)) out += buf;
        const int rc = pclose(f);
        if (rc != 0) out += "(child exited with status " + std::to_string(rc) + ")\n";
    }
    std::fputs(out.c_str(), stdout);
    std::fflush(stdout);
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    Point p;
    bool point = false;
    std::string sections = "big,mesh,spikes";
    for (int k = 1; k < argc; ++k) {
        const std::string a = argv[k];
        const auto val = [&]() -> std::string {
            if (k + 1 >= argc) throw std::runtime_error("missing value after " + a);
            return argv[++k];
        };
        try {
            if (a == "--point") point = true;
            else if (a == "--mesh") p.mesh = std::stoi(val());
            else if (a == "--layers") p.layers = std::stoi(val());
            else if (a == "--band") p.band = std::stoi(val());
            else if (a == "--inputs") p.inputs = std::stoi(val());
            else if (a == "--timesteps") p.timesteps = std::stoi(val());
            else if (a == "--frames") p.frames = std::stoi(val());
            else if (a == "--rate") p.rate = std::stod(val());
            else if (a == "--modes") p.modes = val();
            else if (a == "--event-driven") p.event_driven = val() != "0";
            else if (a == "--seed") p.seed = std::stoi(val());
            else if (a == "--pe-neurons") p.pe_neurons = std::stoi(val());
            else if (a == "--steps-to-fire") p.steps_to_fire = std::stod(val());
            else if (a == "--sections") sections = val();
            else throw std::runtime_error("unknown option " + a);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "chip_scale: %s\n", e.what());
            return 2;
        }
    }
    if (point) {
        try {
            return run_point(p);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "chip_scale: %s\n", e.what());
            return 1;
        }
    }
    const auto args = [](int mesh, double rate, bool ed, const char* modes, int frames) {
        char b[256];
        std::snprintf(b, sizeof b, "--mesh %d --rate %.3f --event-driven %d --modes %s --frames %d", mesh, rate, ed ? 1 : 0,
                      modes, frames);
        return std::string(b);
    };
    if (sections.find("big") != std::string::npos) {
        std::printf("== 32x32 mesh, 7 banded LIF layers (fan-in 128) + output, event-driven update on ==\n");
        child(argv[0], args(32, 0.05, true, "lt,at", 2));
    }
    if (sections.find("mesh") != std::string::npos) {
        std::printf("\n== wall time against mesh size (network scaled with the mesh; LT and cycle-level) ==\n");
        for (int m : {4, 8, 16, 32}) child(argv[0], args(m, 0.05, true, m >= 32 ? "lt" : "lt,at", m >= 16 ? 2 : 4));
    }
    if (sections.find("spikes") != std::string::npos) {
        std::printf("\n== wall time against spike count (16x16 mesh, LT and cycle-level; event-driven update off, on) ==\n");
        for (bool ed : {false, true})
            for (double r : {0.0, 0.03, 0.04, 0.05, 0.06, 0.08, 0.1}) child(argv[0], args(16, r, ed, "lt,at", 2));
    }
    return 0;
}
