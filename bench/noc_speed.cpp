// bench/noc_speed: simulation speed of the 8x8 mesh (xy, 2 VCs x 8 flits, 4-flit packets) under
// uniform random traffic at rates 0.01, 0.1 and saturation (0.5 > the ~0.38 saturation rate).
// Prints simulated cycles per wall-second, router-cycles per wall-second and the ratio
// low-load / high-load speed. One process, one elaboration: the mesh is reset between points.
// Usage: noc_speed [measure_cycles (default 200000)]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "hw/noc/mesh.h"
#include "hw/noc/traffic.h"
#include "hw/sim/cycle_scheduler.h"
#include "sw/stats/stats.h"

using namespace spiketlm;

int main(int argc, char** argv) {
    const proto::Cycle measure = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200000;
    noc::NocConfig cfg;
    cfg.width = cfg.height = 8;
    cfg.vcs = 2;
    cfg.buffer_depth = 8;
    cfg.routing = "xy";
    noc::TrafficConfig t;
    t.pattern = noc::Pattern::Uniform;
    t.packet_flits = 4;
    t.warmup_cycles = 1000;
    t.measure_cycles = measure;
    t.drain_cycles = 0;
    t.seed = 1;

    sim::CycleScheduler sched("clk", sc_core::sc_time(1, sc_core::SC_NS));
    stats::Registry stats;
    noc::Mesh mesh("noc", cfg, sched, stats);
    noc::TrafficExperiment exp(mesh, t);

    const double rates[] = {0.01, 0.1, 0.5};
    const char* labels[] = {"0.01", "0.1", "saturation (0.5)"};
    double speed[3] = {0, 0, 0};
    std::printf("NoC speed: 8x8 mesh, xy, 2 VCs x 8 flits, 4-flit packets, uniform random, %llu measured cycles\n",
                static_cast<unsigned long long>(measure));
    std::printf("%-18s %10s %10s %14s %16s %14s %12s\n", "rate", "accepted", "latency", "cycles", "cycles/s",
                "router-cyc/s", "active %");
    for (int i = 0; i < 3; ++i) {
        const auto r = exp.run_point(rates[i]);
        const double cps = r.cycles / r.wall_s;
        speed[i] = cps * mesh.nodes();
        std::printf("%-18s %10.4f %10.2f %14llu %16.0f %14.3g %11.1f%%\n", labels[i], r.accepted_rate, r.latency_avg,
                    static_cast<unsigned long long>(r.cycles), cps, speed[i], 100.0 * r.active_cycles / r.cycles);
    }
    std::printf("low/high load speed ratio (0.01 vs saturation): %.1f\n", speed[0] / speed[2]);
    std::printf("targets: >= 5e6 router-cycles/s at 0.1 (%s), >= 5e7 at 0.01 (%s)\n", speed[1] >= 5e6 ? "met" : "NOT met",
                speed[0] >= 5e7 ? "met" : "NOT met");
    return 0;
}
