// bench/noc_speed: simulation speed of the 8x8 mesh (xy, 2 VCs x 8 flits, 4-flit packets) under
// uniform random traffic at rates 0.01, 0.1 and saturation (0.5 > the ~0.38 saturation rate).
// Prints simulated cycles per second and router-cycles per second (wall clock and CPU time of
// the simulating thread: on a loaded machine the wall figures understate one core's speed) and
// the ratio low-load / high-load speed. One process, one elaboration: the mesh is reset
// between points; each point runs 3 times (identical work) and the fastest run counts (the
// machine is shared). Usage: noc_speed [measure_cycles (default 100000)] [repetitions (3)]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "hw/noc/mesh.h"
#include "hw/noc/traffic.h"
#include "hw/sim/cycle_scheduler.h"
#include "sw/stats/stats.h"

using namespace spiketlm;

int main(int argc, char** argv) {
    const proto::Cycle measure = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100000;
    const int reps = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
    noc::NocConfig cfg;
    cfg.width = cfg.height = 8;
    cfg.vcs = 2;
    cfg.buffer_depth = 8;
    cfg.routing = "xy";
    cfg.multicast = noc::Multicast::Source;  // unicast traffic: the header fits a 64-bit flit
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
    const char* labels[] = {"0.01", "0.1", "saturation(0.5)"};
    double wall[3], cpu[3];
    std::printf("NoC speed: 8x8 mesh, xy, 2 VCs x 8 flits, 4-flit packets, uniform random, %llu cycles per point\n",
                static_cast<unsigned long long>(measure + t.warmup_cycles));
    std::printf("%-16s %9s %9s %12s %12s %13s %13s %10s %9s\n", "rate", "accepted", "latency", "cycles/s(wall)",
                "cycles/s(cpu)", "rcyc/s(wall)", "rcyc/s(cpu)", "evals/cyc", "active%");
    for (int i = 0; i < 3; ++i) {
        auto r = exp.run_point(rates[i]);
        for (int k = 1; k < reps; ++k) {
            const auto again = exp.run_point(rates[i]);
            r.wall_s = std::min(r.wall_s, again.wall_s);
            r.cpu_s = std::min(r.cpu_s, again.cpu_s);
        }
        const double cw = r.cycles / r.wall_s, cc = r.cycles / r.cpu_s;
        wall[i] = cw * mesh.nodes();
        cpu[i] = cc * mesh.nodes();
        std::printf("%-16s %9.4f %9.2f %14.0f %12.0f %13.3g %13.3g %10.2f %8.1f%%\n", labels[i], r.accepted_rate,
                    r.latency_avg, cw, cc, wall[i], cpu[i], double(r.evaluations) / r.cycles,
                    100.0 * r.active_cycles / r.cycles);
    }
    std::printf("low/high load speed ratio (0.01 vs saturation): %.1f (wall), %.1f (cpu)\n", wall[0] / wall[2],
                cpu[0] / cpu[2]);
    std::printf("targets (router-cycles/s, one core): >= 5e6 at 0.1: %s (cpu %.3g); >= 5e7 at 0.01: %s (cpu %.3g)\n",
                cpu[1] >= 5e6 ? "met" : "not met", cpu[1], cpu[0] >= 5e7 ? "met" : "not met", cpu[0]);
    return 0;
}
