#pragma once
// The run plumbing shared by `spiketlm run` (chip) and `spiketlm ref` (functional reference):
// configuration, run directory, log, stats.csv, report.json/report.md and the terminal summary;
// for the chip also frame-parallel runs (run.threads, worker processes) and shards (--shards,
// --shard, --slurm, `spiketlm merge`), apps/run_shards.h.
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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
    long long frames = -1;   // --frames overrides run.frames
    long long threads = -1;  // --threads overrides run.threads
    long long shards = -1;   // --shards N: the run's frames in N contiguous shards (-1: not given)
    long long shard = -1;    // --shard i: simulate only shard i (-1: not given)
    bool slurm = false;      // --slurm: submit the shards as a Slurm job array
    void add_to(CLI::App& cmd);
    // --threads, --shards, --shard, --slurm (the commands that can split their frames).
    void add_parallel_to(CLI::App& cmd);
};

// What a job gets: the validated configuration, its run directory and the statistics registry,
// and which of the run's frames to simulate: [begin, end), counted from the run's first frame
// (a single-process run: all of them; a shard: its share).
struct RunContext {
    const cfg::Config& config;
    io::RunDir& dir;
    stats::Registry& stats;
    std::size_t begin = 0, end = 0;
    bool shard = false;  // a shard of a larger run: write what the merge needs, not the final files
    // Called by the job with the number of its frames done so far (a shard reports it to the
    // process that waits for it); may be empty.
    std::function<void(std::size_t)> frames_done = nullptr;
    // What the mode's finish step needs besides the totals and statistics (e.g. per-PE counts);
    // a shard stores it for the merge. "clock_start" / "clock_end": the clock's cycle before the
    // first and after the last frame (the merge shifts shard i's cycles so that it starts where
    // shard i-1 ended; without them, by the cycles of the shards before).
    nlohmann::json merge_data = nlohmann::json::object();
};
using RunJob = std::function<report::RunTotals(RunContext&)>;

// Turns raw totals into final ones from the run's statistics (a merged registry for a sharded
// run) and every part's merge data (one entry for a single-process run): e.g. prices the energy.
// Single-process and merged runs go through it alike, so their reports agree to the bit.
using RunFinish = std::function<void(report::RunTotals& totals, const stats::Registry& stats,
                                     const std::vector<nlohmann::json>& merge_data, const cfg::Config& config)>;

// Writes the merged output files of a sharded run into `dir` from the shard directories (in
// frame order) and each shard's cycle offset (the cycles of the shards before it): spike trace,
// activity traces, ... The merged statistics and report are written by the caller.
using RunMergeFiles = std::function<void(const std::vector<std::string>& shard_dirs,
                                         const std::vector<std::uint64_t>& cycle_offsets, io::RunDir& dir,
                                         const cfg::Config& config)>;

struct RunMode {
    std::string name;  // report.json `mode`: "chip", "reference"
    RunJob job;
    RunFinish finish;            // may be empty (the job's totals are final)
    RunMergeFiles merge_files;   // empty: the mode cannot be split into shards
};

// Loads the configuration (with --frames applied as run.frames, --threads as run.threads),
// opens the run directory, writes config.effective.yaml, runs the job (in this process, or as
// worker processes / shards when asked: apps/run_shards.h), then writes stats.csv, report.md
// and, last, report.json, and prints the summary. A job that throws leaves no report.json.
void execute_run(const RunOptions& opts, const RunMode& mode);
void execute_run(const RunOptions& opts, const std::string& mode, const RunJob& job);

// Common run.* parameters.
struct RunParams {
    std::string name, model, dataset, data_dir, split;
    long long frames, first_frame, threads;
    static RunParams from(const cfg::Config& c);
};

// The configuration hash a report carries: config.hash() with run.threads at its default, since
// results do not depend on it (a run with 2 threads reports the same hash as one with 1).
std::string run_config_hash(const cfg::Config& c);

// The report name: run.name, else the run directory's name.
std::string run_name(const cfg::Config& c, const std::string& out);

// Both commands run exactly the frames asked for: throws InputError naming run.first_frame /
// run.frames (--frames), the requested and the available counts when the split of `set_name`
// (holding `images` images) has fewer.
void check_frame_range(const RunParams& p, std::size_t images, const std::string& set_name);

// Writes stats.csv, report.md and report.json (last) for finished totals and prints the summary.
void write_run_report(report::RunTotals& totals, const cfg::Config& config, const std::string& out, io::RunDir& dir,
                      const stats::Registry& stats);

}  // namespace spiketlm::app
