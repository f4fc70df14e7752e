#pragma once
// Runs the points of a sweep as `spiketlm run` child processes (Boost.Process), locally with N
// at a time or as a Slurm job array. Layout of a sweep directory DIR:
//   DIR/sweep.json          the manifest: base, points (id, values, seed), working directory
//   DIR/points/<id>/        each point's run directory (report.json last: the point is finished)
//   DIR/logs/<id>.stdout|.stderr  the child's output; <id>.error: why a point failed
//   DIR/configs/<id>.yaml   a point's config when it sweeps `include` (base + the included file)
//   DIR/sweep.sbatch        the Slurm job-array script (--slurm)
#include <cstddef>
#include <string>
#include <vector>

#include "sw/sweep/spec.h"

namespace spiketlm::sweep {

struct Manifest {
    SweepSpec spec;        // base and include paths absolute
    std::string cwd;       // where points run (relative paths in the base config resolve from here)
};

// Writes DIR/sweep.json atomically (the spec with absolute paths, the current directory).
Manifest write_manifest(const SweepSpec& spec, const std::string& dir);
// Reads DIR/sweep.json. Throws InputError naming the file.
Manifest read_manifest(const std::string& dir);

std::string point_dir(const std::string& dir, const Point& p);
bool point_finished(const std::string& dir, const Point& p);
// The arguments of the point's `spiketlm run` (after the program name); writes the point's
// config file when it sweeps `include`.
std::vector<std::string> point_args(const Manifest& m, const std::string& dir, const Point& p);

struct PointOutcome {
    bool ok = false;
    bool skipped = false;  // finished before: not run again
    std::string error;     // when !ok: the tail of the child's stderr, or why it could not start
};
// Runs one point (unless finished) with `exe` as the spiketlm program; records its error.
PointOutcome run_point(const Manifest& m, const std::string& dir, std::size_t index, const std::string& exe);

struct LocalOptions {
    std::string exe;   // the spiketlm program
    int jobs = 1;      // points run at once
    bool quiet = false;
};
struct RunSummary {
    std::size_t total = 0, skipped = 0, ok = 0, failed = 0;
    std::vector<std::string> failures;  // "id (key=value, ...): error"
};
// Runs every unfinished point, `jobs` at a time; a failing point does not stop the others.
// Progress (done, failed, ETA) on stderr: one self-updating line on a terminal, a plain line
// every ~10 % otherwise, nothing when quiet.
RunSummary run_local(const Manifest& m, const std::string& dir, const LocalOptions& opt);

// Writes DIR/sweep.sbatch (an array over the unfinished points' indices, each task
// `spiketlm sweep run-point DIR --index $SLURM_ARRAY_TASK_ID`) and returns its path; "" when
// every point is finished.
std::string write_slurm_script(const Manifest& m, const std::string& dir, const std::string& exe);
// Submits the script with sbatch (searched on PATH) and returns the job id. Throws Error when
// sbatch is missing or refuses the job.
std::string submit_slurm(const std::string& script);

}  // namespace spiketlm::sweep
