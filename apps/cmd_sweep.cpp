// `spiketlm sweep`: runs a sweep file's points as `spiketlm run` child processes (locally, N at a
// time, or as a Slurm job array), `sweep collect` gathers them into results.csv and
// `sweep run-point` runs one point (what each Slurm array task does). See docs/sweep.md.
#include <boost/process.hpp>

#include <filesystem>
#include <iostream>
#include <memory>

#include "apps/command.h"
#include "sw/cfg/param.h"
#include "sw/common/error.h"
#include "sw/common/strings.h"
#include "sw/sweep/results.h"
#include "sw/sweep/runner.h"
#include "sw/sweep/spec.h"

namespace spiketlm::app {

namespace {
namespace fs = std::filesystem;

struct SweepArgs {
    std::string file, out, dir, pareto;
    int jobs = 1;
    bool slurm = false, no_plots = false;
    std::size_t index = 0;
};

std::string self_exe() { return fs::read_symlink("/proc/self/exe").string(); }

void do_sweep(const SweepArgs& a, bool quiet) {
    if (a.file.empty()) throw InputError("sweep: give a sweep file (spiketlm sweep SWEEP.yaml --out DIR)");
    if (a.out.empty()) throw InputError("sweep: --out DIR is required");
    if (a.jobs < 1) throw InputError("sweep: --jobs must be >= 1");
    // Everything is validated before the directory is touched.
    const sweep::SweepSpec spec = sweep::load_sweep(a.file, cfg::ParamRegistry::global());
    const sweep::Manifest m = sweep::write_manifest(spec, a.out);
    if (a.slurm) {
        const std::string script = sweep::write_slurm_script(m, a.out, self_exe());
        if (script.empty()) {
            std::cout << "sweep: all " << spec.points.size() << " points of " << a.out << " are finished\n";
            return;
        }
        const std::string job = sweep::submit_slurm(script);
        std::cout << "sweep: submitted " << script << " as Slurm job " << job << "; when it is done: spiketlm sweep collect "
                  << a.out << "\n";
        return;
    }
    const sweep::RunSummary s = sweep::run_local(m, a.out, {self_exe(), a.jobs, quiet});
    sweep::write_csv(sweep::collect(a.out), (fs::path(a.out) / "results.csv").string());
    std::cout << "sweep: " << s.total << " points: " << s.ok << " run now, " << s.skipped << " finished before, "
              << s.failed << " failed; results in " << (fs::path(a.out) / "results.csv").string() << "\n";
    for (const auto& f : s.failures) std::cout << "  failed: " << f << "\n";
    if (s.failed) throw CLI::RuntimeError(1);
}

void do_collect(const SweepArgs& a) {
    sweep::ResultTable t = sweep::collect(a.dir);
    if (!a.pareto.empty()) {
        std::vector<std::string> metrics;
        std::string cur;
        for (char c : a.pareto + ",") {
            if (c == ',') {
                if (!cur.empty()) metrics.push_back(cur);
                cur.clear();
            } else if (c != ' ') {
                cur += c;
            }
        }
        sweep::mark_pareto(t, metrics);
    }
    const std::string path = (fs::path(a.dir) / "results.csv").string();
    sweep::write_csv(t, path);
    std::size_t ok = 0, failed = 0, pending = 0;
    const int st = t.column("status");
    for (const auto& r : t.rows) {
        const std::string& s = r[static_cast<std::size_t>(st)];
        (s == "ok" ? ok : s == "failed" ? failed : pending)++;
    }
    std::cout << "sweep collect: " << t.rows.size() << " points (" << ok << " ok, " << failed << " failed, " << pending
              << " pending) -> " << path << "\n";
    if (a.no_plots) return;
    // The plots and report.html of the sweep (scripts/plot.py, docs/plots.md), from results.csv.
    const fs::path script = fs::path(SPIKETLM_SOURCE_DIR) / "scripts" / "plot.py";
    const std::string python = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    int rc = -1;
    try {
        rc = boost::process::system(boost::process::search_path(python).empty() ? python
                                                                                   : boost::process::search_path(python).string(),
                                    script.string(), "sweep", a.dir);
    } catch (const std::exception& e) {
        throw Error("sweep collect: results.csv is written, but the plots could not be made: cannot run " + python +
                    " " + script.string() + " (" + e.what() + "); skip them with --no-plots");
    }
    if (rc != 0)
        throw Error("sweep collect: results.csv is written, but " + script.string() + " sweep " + a.dir + " exited " +
                    std::to_string(rc) + " (its message is above); skip the plots with --no-plots");
}

void setup(CLI::App& root) {
    auto* cmd = root.add_subcommand("sweep", "run a config sweep (grid/list) as parallel processes or a Slurm array");
    auto a = std::make_shared<SweepArgs>();
    cmd->add_option("sweep_file", a->file, "sweep file (YAML, docs/sweep.md)");
    cmd->add_option("--out,-o", a->out, "sweep directory (re-running skips finished points)");
    cmd->add_option("--jobs,-j", a->jobs, "points run at once (local processes)");
    cmd->add_flag("--slurm", a->slurm, "write a Slurm job-array script and submit it with sbatch");

    auto* collect = cmd->add_subcommand("collect", "write DIR/results.csv from the points' reports");
    collect->add_option("dir", a->dir, "sweep directory")->required();
    collect->add_option("--pareto", a->pareto,
                        "mark the non-dominated points over these columns (accuracy maximised, others minimised)");
    collect->add_flag("--no-plots", a->no_plots, "only results.csv (no scripts/plot.py figures and report.html)");
    collect->callback([a] { do_collect(*a); });

    auto* point = cmd->add_subcommand("run-point", "run one point of a sweep directory (a Slurm array task)");
    point->add_option("dir", a->dir, "sweep directory")->required();
    point->add_option("--index", a->index, "point index (0-based, as in sweep.json)")->required();
    point->callback([a] {
        const sweep::Manifest m = sweep::read_manifest(a->dir);
        const sweep::PointOutcome o = sweep::run_point(m, a->dir, a->index, self_exe());
        if (!o.ok) {
            std::cerr << "spiketlm: point " << a->index << " failed: " << o.error << "\n";
            throw CLI::RuntimeError(1);
        }
    });

    CLI::App* rootp = &root;
    cmd->callback([a, cmd, rootp] {
        if (!cmd->get_subcommands().empty()) return;
        do_sweep(*a, rootp->get_option("--quiet")->count() > 0);
    });
}
const bool registered = register_command("sweep", setup);
}  // namespace

}  // namespace spiketlm::app
