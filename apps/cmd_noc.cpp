// `spiketlm noc`: synthetic-traffic experiments on the NoC alone (latency–throughput curves).
// One process builds the mesh once and resets it between rate points (one SystemC elaboration).
#include <cmath>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "apps/command.h"
#include "hw/noc/mesh.h"
#include "hw/noc/traffic.h"
#include "hw/sim/cycle_scheduler.h"
#include "sw/common/error.h"
#include "sw/common/fs.h"
#include "sw/common/progress.h"
#include "sw/common/seed.h"
#include "sw/common/strings.h"
#include "sw/stats/stats.h"

namespace spiketlm::app {
namespace {

struct NocArgs {
    ConfigOptions config;
    std::string rates, out, reference;
    std::vector<std::uint64_t> seeds;
};

// "a:b:step" (inclusive of b within rounding) or "r1,r2,...".
std::vector<double> parse_rates(const std::string& s) {
    auto num = [&](const std::string& t) {
        try {
            std::size_t pos = 0;
            const double v = std::stod(t, &pos);
            if (pos != t.size()) throw std::invalid_argument(t);
            return v;
        } catch (const std::exception&) {
            throw InputError("--rates: '" + t + "' is not a number (expected a:b:step or r1,r2,...)");
        }
    };
    std::vector<double> r;
    if (s.find(':') != std::string::npos) {
        std::vector<std::string> parts;
        std::stringstream ss(s);
        std::string p;
        while (std::getline(ss, p, ':')) parts.push_back(p);
        if (parts.size() != 3) throw InputError("--rates: expected a:b:step, got '" + s + "'");
        const double a = num(parts[0]), b = num(parts[1]), step = num(parts[2]);
        if (!(step > 0) || b < a) throw InputError("--rates: need step > 0 and a <= b in '" + s + "'");
        const auto n = static_cast<long>(std::floor((b - a) / step + 1e-9));
        if (n > 10000) throw InputError("--rates: more than 10000 points in '" + s + "'");
        for (long i = 0; i <= n; ++i) r.push_back(std::round((a + i * step) * 1e9) / 1e9);
    } else {
        std::stringstream ss(s);
        std::string p;
        while (std::getline(ss, p, ',')) r.push_back(num(p));
    }
    for (double v : r)
        if (!(v > 0 && v <= 1)) throw InputError("--rates: rate " + fmt::format("{}", v) + " outside (0, 1] flits/node/cycle");
    if (r.empty()) throw InputError("--rates: no rate given");
    return r;
}

void run(const NocArgs& args) {
    const cfg::Config c = args.config.load();
    const noc::NocConfig ncfg = noc::NocConfig::from(c);
    noc::TrafficConfig tcfg = noc::TrafficConfig::from(c);
    if (!args.rates.empty()) tcfg.rates = parse_rates(args.rates);
    std::filesystem::create_directories(args.out);

    sim::CycleScheduler sched("clk", sc_core::sc_time(1, sc_core::SC_NS));
    stats::Registry stats;
    noc::Mesh mesh("noc", ncfg, sched, stats);
    noc::TrafficExperiment exp(mesh, tcfg);

    const std::vector<std::uint64_t> seeds = args.seeds.empty() ? std::vector<std::uint64_t>{tcfg.seed} : args.seeds;
    std::vector<noc::ReferencePoint> ref;
    if (!args.reference.empty()) ref = noc::read_reference_curve(args.reference);

    std::string csv = "offered_rate,accepted_rate,latency_avg,latency_p50,latency_p99,hops_avg\n";
    std::string table, cmp;
    double sat = 0, wall = 0, ref_sat = 0;
    for (const auto& p : ref) ref_sat = std::max(ref_sat, p.accepted);
    std::uint64_t cycles = 0;
    Progress prog("noc", tcfg.rates.size() * seeds.size(), "points");
    for (std::size_t i = 0; i < tcfg.rates.size(); ++i) {
        // mean over the seeds (one seed: the point itself)
        noc::PointResult r;
        std::uint64_t measured = 0;
        bool saturated = false;
        for (std::size_t s = 0; s < seeds.size(); ++s) {
            exp.set_seed(seeds[s]);
            const auto q = exp.run_point(tcfg.rates[i]);
            const double w = 1.0 / static_cast<double>(seeds.size());
            r.offered_rate = q.offered_rate;
            r.accepted_rate += w * q.accepted_rate;
            r.latency_avg += w * q.latency_avg;
            r.latency_p50 += w * q.latency_p50;
            r.latency_p99 += w * q.latency_p99;
            r.hops_avg += w * q.hops_avg;
            measured += q.measured_packets;
            saturated |= q.saturated;
            wall += q.wall_s;
            cycles += q.cycles;
            prog.update(i * seeds.size() + s + 1);
        }
        csv += fmt::format("{:.6f},{:.6f},{:.3f},{:.1f},{:.1f},{:.4f}\n", r.offered_rate, r.accepted_rate, r.latency_avg,
                           r.latency_p50, r.latency_p99, r.hops_avg);
        table += fmt::format("| {:.4f} | {:.4f} | {:.2f} | {:.0f} | {:.0f} | {:.3f} | {} | {} |\n", r.offered_rate,
                             r.accepted_rate, r.latency_avg, r.latency_p50, r.latency_p99, r.hops_avg, measured,
                             saturated ? "yes" : "no");
        sat = std::max(sat, r.accepted_rate);
        for (const auto& p : ref)
            if (std::abs(p.offered - r.offered_rate) < 1e-9)
                cmp += fmt::format("| {:.3f} | {:.4f} | {:.4f} | {:+.1f} % | {:.1f} | {:.1f} | {:+.1f} % |\n", p.offered,
                                   p.accepted, r.accepted_rate, 100 * (r.accepted_rate / p.accepted - 1), p.latency_avg,
                                   r.latency_avg, 100 * (r.latency_avg / p.latency_avg - 1));
    }
    prog.finish();

    const double bound = 4.0 / std::max(ncfg.width, ncfg.height);
    std::string md = "# NoC experiment\n\n";
    const auto st = ncfg.stages();
    std::string seed_list;
    for (auto s : seeds) seed_list += (seed_list.empty() ? "" : ", ") + std::to_string(s);
    md += fmt::format("Mesh {}x{}, routing {}, {} VCs x {} flits, router stages rc/va/sa/st = {}/{}/{}/{} cycles, link "
                      "latency {} cycles, {}-flit packets, pattern {}, seed(s) {} (figures: mean over the seeds).\n\n",
                      ncfg.width, ncfg.height, ncfg.routing, ncfg.vcs, ncfg.buffer_depth, st.rc, st.va, st.sa, st.st,
                      ncfg.link_latency, tcfg.packet_flits, noc::pattern_name(tcfg.pattern), seed_list);
    md += fmt::format("Phases: warm-up {} cycles, measurement {} cycles, drain up to {} cycles. Rates in "
                      "flits/node/cycle, latencies in cycles from packet creation to tail delivery.\n\n",
                      tcfg.warmup_cycles, tcfg.measure_cycles, tcfg.drain_cycles);
    md += "| offered | accepted | latency avg | p50 | p99 | hops avg | measured packets | saturated |\n";
    md += "|---|---|---|---|---|---|---|---|\n" + table + "\n";
    md += fmt::format("Highest accepted rate: {:.4f} flits/node/cycle ({:.1f} % of the channel-load bound 4/k = {:.4f} "
                      "for uniform traffic on a k x k mesh).\n\n",
                      sat, 100.0 * sat / bound, bound);
    md += fmt::format("Zero-load latency of a {}-flit packet over H hops: (H+1)*{} + H*{} + {} + 3 cycles "
                      "(docs/noc.md).\n\n",
                      tcfg.packet_flits, st.head(), ncfg.link_latency, tcfg.packet_flits - 1);
    md += fmt::format("Simulated {} cycles in {:.2f} s ({:.0f} cycles/s, {:.3g} router-cycles/s). Statistics in "
                      "stats.csv are totals over all points.\n",
                      cycles, wall, wall > 0 ? cycles / wall : 0.0, wall > 0 ? cycles * double(mesh.nodes()) / wall : 0.0);

    if (!ref.empty()) {
        if (cmp.empty()) throw InputError("--reference: no offered rate of " + args.reference + " was run (--rates)");
        std::string c = "| offered | accepted (ref) | accepted | diff | latency (ref) | latency | diff |\n"
                        "|---|---|---|---|---|---|---|\n" + cmp;
        c += fmt::format("\nSaturation throughput (highest accepted rate): reference {:.4f}, this run {:.4f} ({:+.1f} "
                         "%).\n",
                         ref_sat, sat, 100 * (sat / ref_sat - 1));
        md += "\n## Against " + args.reference + "\n\n" + c;
        std::cout << c;
    }
    const std::string dir = args.out + "/";
    write_file_atomic(dir + "config.effective.yaml", c.effective_yaml());
    write_file_atomic(dir + "stats.csv", stats.to_csv());
    write_file_atomic(dir + "report.md", md);
    write_file_atomic(dir + "noc.csv", csv);
    std::cout << "noc: " << tcfg.rates.size() << " points, highest accepted rate " << fmt::format("{:.4f}", sat)
              << " flits/node/cycle; wrote " << dir << "noc.csv\n";
}

void setup(CLI::App& root) {
    static NocArgs args;
    auto* cmd = root.add_subcommand("noc", "synthetic-traffic NoC experiment: latency vs offered rate -> noc.csv");
    args.config.add_to(*cmd, false);
    cmd->add_option("--rates", args.rates, "offered rates a:b:step or r1,r2,... (flits/node/cycle; default noc.rates)");
    cmd->add_option("--out,-o", args.out, "output directory (noc.csv, report.md, stats.csv)")->required();
    cmd->add_option("--seeds", args.seeds, "run every rate with each of these seeds and report the means (default sim.seed)")
        ->delimiter(',');
    cmd->add_option("--reference", args.reference,
                    "CSV of another simulator's curve (offered, accepted, latency_avg): adds a comparison table");
    // the root --quiet flag is parsed before this callback runs (main does not forward it)
    static const CLI::Option* quiet = root.get_option_no_throw("--quiet");
    cmd->callback([] {
        if (quiet && quiet->count() > 0) Progress::set_quiet(true);
        run(args);
    });
}

const bool registered = register_command("noc", &setup);

}  // namespace
}  // namespace spiketlm::app
