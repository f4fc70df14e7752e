#pragma once
// The run plumbing shared by `spiketlm run` (chip) and `spiketlm ref` (functional reference):
// configuration, run directory, log, stats.csv, report.json/report.md and the terminal summary.
#include <functional>
#include <string>

#include "apps/command.h"
#include "sw/report/report.h"

namespace spiketlm {
namespace io {
class RunDir;
}
namespace stats {
class Registry;
}
}  // namespace spiketlm

namespace spiketlm::app {

struct RunOptions {
    ConfigOptions config;
    std::string out;
    long long frames = -1;  // --frames overrides run.frames
    void add_to(CLI::App& cmd);
};

// What a job gets: the validated configuration, its run directory and the statistics registry.
struct RunContext {
    const cfg::Config& config;
    io::RunDir& dir;
    stats::Registry& stats;
};
using RunJob = std::function<report::RunTotals(RunContext&)>;

// Loads the configuration (with --frames applied as run.frames), opens the run directory,
// writes config.effective.yaml, runs the job, then writes stats.csv, report.md and, last,
// report.json, and prints the summary. A job that throws leaves no report.json.
void execute_run(const RunOptions& opts, const std::string& mode, const RunJob& job);

// Common run.* parameters.
struct RunParams {
    std::string name, model, dataset, data_dir, split;
    long long frames, first_frame, threads;
    static RunParams from(const cfg::Config& c);
};

// Both commands run exactly the frames asked for: throws InputError naming run.first_frame /
// run.frames (--frames), the requested and the available counts when the split of `set_name`
// (holding `images` images) has fewer.
void check_frame_range(const RunParams& p, std::size_t images, const std::string& set_name);

}  // namespace spiketlm::app
