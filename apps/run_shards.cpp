#include "apps/run_shards.h"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "sw/cfg/config.h"
#include "sw/common/error.h"
#include "sw/common/fs.h"
#include "sw/common/progress.h"
#include "sw/common/seed.h"
#include "sw/io/run_dir.h"
#include "sw/stats/stats.h"
#include "sw/sweep/runner.h"

namespace spiketlm::app {

namespace {
namespace fs = std::filesystem;
namespace bp = boost::process;
using nlohmann::json;

constexpr int kShardSchema = 1;
constexpr const char* kShardFile = "shard.json";

std::string self_exe() { return fs::read_symlink("/proc/self/exe").string(); }
std::string abs_path(const std::string& p) { return fs::absolute(p).lexically_normal().string(); }

std::map<std::string, RunMode>& modes() {
    static std::map<std::string, RunMode> m;
    return m;
}

std::string quote_sh(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

std::string shard_name(std::size_t i, std::size_t n, std::size_t frames) {
    const auto [b, e] = shard_range(frames, n, i);
    return "shard " + std::to_string(i) + " of " + std::to_string(n) + " (frames " + std::to_string(b) + ".." +
           std::to_string(e - 1) + " of the run)";
}

// The arguments of shard i's `spiketlm run` (after the program name).
std::vector<std::string> shard_args(const RunOptions& o, const std::string& config, const std::string& out,
                                    std::size_t n, const std::string& index) {
    std::vector<std::string> a = {"-q", "run", "--config", config};
    for (const auto& s : o.config.sets) a.insert(a.end(), {"--set", s});
    if (o.frames > 0) a.insert(a.end(), {"--frames", std::to_string(o.frames)});
    if (o.threads >= 0) a.insert(a.end(), {"--threads", std::to_string(o.threads)});
    a.insert(a.end(), {"--out", out, "--shards", std::to_string(n), "--shard", index});
    return a;
}

// --- one shard in this process -------------------------------------------------------------

void run_one_shard(const RunOptions& opts, const RunMode& mode, const cfg::Config& config, std::size_t n,
                   std::size_t i) {
    const auto t0 = std::chrono::steady_clock::now();
    const RunParams rp = RunParams::from(config);
    const auto frames = static_cast<std::size_t>(rp.frames);
    const auto [begin, end] = shard_range(frames, n, i);
    const std::string sdir = shard_dir(opts.out, i);
    std::error_code ec;
    fs::remove(fs::path(sdir) / kShardFile, ec);  // a stale marker never outlives a rerun
    io::RunDir dir(sdir);
    dir.write("config.effective.yaml", config.effective_yaml());
    dir.log("spiketlm " + mode.name + ": " + shard_name(i, n, frames) + ", config " + opts.config.config + " (hash " +
            run_config_hash(config) + ")");
    stats::Registry stats;
    RunContext ctx{config, dir, stats};
    ctx.begin = begin;
    ctx.end = end;
    ctx.shard = true;
    // Frames done, for a parent that shows progress (OUT/shards/<i>/progress, at most 4 writes/s).
    auto last = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    ctx.frames_done = [&dir, &last](std::size_t done) {
        const auto now = std::chrono::steady_clock::now();
        if (now - last < std::chrono::milliseconds(250)) return;
        last = now;
        dir.write("progress", std::to_string(done) + "\n");
    };
    report::RunTotals totals;
    try {
        totals = mode.job(ctx);
    } catch (const std::exception& e) {
        dir.log(std::string("FAILED: ") + e.what());
        throw;
    }
    totals.mode = mode.name;
    totals.name = run_name(config, opts.out);
    totals.config_hash = run_config_hash(config);
    totals.seed = master_seed(config);
    totals.sim_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const json j = {{"schema_version", kShardSchema},
                    {"mode", mode.name},
                    {"shard", i},
                    {"shards", n},
                    {"begin", begin},
                    {"end", end},
                    {"run_frames", frames},
                    {"first_frame", rp.first_frame},
                    {"config_hash", totals.config_hash},
                    {"cwd", fs::current_path().string()},
                    {"totals", report::totals_to_json(totals)},
                    {"stats", stats.to_json()},
                    {"merge_data", ctx.merge_data}};
    dir.log("done: " + std::to_string(totals.frames) + " frames");
    dir.write(kShardFile, j.dump() + "\n");
    std::cout << mode.name << " " << shard_name(i, n, frames) << " done in " << sdir << "/; merge with: spiketlm merge "
              << opts.out << "\n";
}

// --- reading and merging shards --------------------------------------------------------------

struct ShardSet {
    std::size_t n = 0;
    std::vector<json> shards;  // shard.json of shards 0..n-1
    std::vector<std::string> dirs;
    std::string mode;
};

json read_shard_json(const std::string& path) {
    try {
        return json::parse(read_file(path));
    } catch (const json::exception& e) {
        throw InputError(path + ": not a shard record (" + e.what() + ")");
    }
}

// Reads and checks OUT/shards/<i>/shard.json for every shard; `expect_n` > 0: the set must have
// that many shards.
ShardSet read_shards(const std::string& out, std::size_t expect_n) {
    const fs::path root = fs::path(out) / "shards";
    if (!fs::is_directory(root))
        throw InputError("'" + out + "' holds no shards (no " + root.string() +
                         "/): run `spiketlm run ... --out " + out + " --shards N --shard i` first");
    // The shard count: from the shards that finished.
    std::size_t n = expect_n;
    std::string first_path;
    if (n == 0) {
        for (const auto& e : fs::directory_iterator(root)) {
            const fs::path f = e.path() / kShardFile;
            if (!e.is_directory() || !fs::exists(f)) continue;
            const json j = read_shard_json(f.string());
            if (!j.contains("shards") || !j["shards"].is_number_unsigned())
                throw InputError(f.string() + ": not a shard record (no shard count)");
            n = j["shards"].get<std::size_t>();
            first_path = f.string();
            break;
        }
        if (n == 0) throw InputError("no finished shard in " + root.string() + "/ (no <i>/shard.json)");
    }
    ShardSet s;
    s.n = n;
    std::vector<std::string> missing;
    for (std::size_t i = 0; i < n; ++i) {
        const std::string d = shard_dir(out, i);
        if (!fs::exists(fs::path(d) / kShardFile)) missing.push_back(std::to_string(i));
        s.dirs.push_back(d);
    }
    if (!missing.empty()) {
        std::string list;
        for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
        throw InputError("cannot merge '" + out + "': " + std::to_string(missing.size()) + " of the " + std::to_string(n) +
                         " shards " + (first_path.empty() ? std::string() : "(count from " + first_path + ") ") +
                         "are not finished (no shard.json): shard " + list +
                         "; run them (spiketlm run ... --shards " + std::to_string(n) + " --shard i) or see their log.txt");
    }
    for (std::size_t i = 0; i < n; ++i) {
        const std::string path = (fs::path(s.dirs[i]) / kShardFile).string();
        json j = read_shard_json(path);
        try {
            if (j.at("schema_version").get<int>() != kShardSchema)
                throw InputError(path + ": shard schema_version " + j["schema_version"].dump() + ", this program reads " +
                                 std::to_string(kShardSchema));
            if (j.at("shards").get<std::size_t>() != n)
                throw InputError("cannot merge '" + out + "': " + path + " is one of " + j["shards"].dump() +
                                 " shards but " + shard_dir(out, 0) + "/shard.json one of " + std::to_string(n) +
                                 " (shards of different runs; rerun them with one --shards N)");
            if (j.at("shard").get<std::size_t>() != i)
                throw InputError(path + ": it says it is shard " + j["shard"].dump() + ", not " + std::to_string(i));
            if (i > 0) {
                const json& z = s.shards[0];
                for (const char* k : {"config_hash", "mode", "run_frames", "first_frame"})
                    if (j.at(k) != z.at(k))
                        throw InputError("cannot merge '" + out + "': shard " + std::to_string(i) + " and shard 0 come from "
                                         "different runs: " + k + " " + j[k].dump() + " in " + path + " but " +
                                         z[k].dump() + " in " + shard_dir(out, 0) + "/shard.json" +
                                         (std::string(k) == "config_hash" ? " (different configurations)" : ""));
            }
            const auto frames = j.at("run_frames").get<std::size_t>();
            const auto [b, e] = shard_range(frames, n, i);
            if (j.at("begin").get<std::size_t>() != b || j.at("end").get<std::size_t>() != e)
                throw InputError(path + ": frames [" + j["begin"].dump() + ", " + j["end"].dump() + ") but shard " +
                                 std::to_string(i) + " of " + std::to_string(n) + " is [" + std::to_string(b) + ", " +
                                 std::to_string(e) + ")");
        } catch (const json::exception& e) {
            throw InputError(path + ": malformed shard record: " + e.what());
        }
        s.shards.push_back(std::move(j));
    }
    s.mode = s.shards[0].value("mode", "");
    return s;
}

// decisions.csv of the shards, concatenated; returns the rows' (correct, undecided) counts.
std::pair<std::uint64_t, std::uint64_t> merge_decisions(const ShardSet& s, io::RunDir& dir) {
    std::string out, header;
    std::uint64_t correct = 0, undecided = 0;
    for (std::size_t i = 0; i < s.n; ++i) {
        const std::string path = (fs::path(s.dirs[i]) / "decisions.csv").string();
        const std::string text = read_file(path);
        std::istringstream in(text);
        std::string line;
        std::getline(in, line);
        if (i == 0) header = line, out = line + "\n";
        else if (line != header) throw InputError(path + ": its header differs from shard 0's decisions.csv");
        while (std::getline(in, line)) {
            if (line.empty()) continue;
            // frame,label,decision,...
            std::istringstream ls(line);
            std::string frame, label, decision;
            if (!std::getline(ls, frame, ',') || !std::getline(ls, label, ',') || !std::getline(ls, decision, ','))
                throw InputError(path + ": malformed row '" + line + "'");
            if (decision == label) ++correct;
            if (!decision.empty() && decision[0] == '-') ++undecided;
            out += line + "\n";
        }
    }
    dir.write("decisions.csv", out);
    return {correct, undecided};
}

// Merges the checked shard set into `dir`; `wall_s` < 0: the largest shard wall time.
void merge_into(const ShardSet& s, const RunMode& mode, const cfg::Config& config, io::RunDir& dir,
                const std::string& out, double wall_s) {
    report::RunTotals totals;
    stats::Registry stats;
    std::vector<json> merge_data;
    std::vector<std::uint64_t> offsets;
    std::uint64_t clock = 0;  // where the next shard starts on the one-process clock
    for (std::size_t i = 0; i < s.n; ++i) {
        const std::string what = shard_dir(out, i) + "/shard.json";
        const json& j = s.shards[i];
        const report::RunTotals t = report::totals_from_json(j.at("totals"), what);
        stats::Registry r = stats::Registry::from_json(j.at("stats"));
        const json& md = j.at("merge_data");
        const std::uint64_t start = md.value("clock_start", std::uint64_t{0});
        const std::uint64_t end = md.value("clock_end", start + t.cycles.value_or(0));
        if (i == 0) clock = start;
        offsets.push_back(clock - start);
        clock += end - start;
        if (i == 0) {
            totals = t;
            stats = std::move(r);
        } else {
            report::add_totals(totals, t, what);
            try {
                stats.merge(r);
            } catch (const Error& e) {
                throw InputError(what + ": " + e.what());
            }
        }
        merge_data.push_back(j.at("merge_data"));
    }
    const auto [correct, undecided] = merge_decisions(s, dir);
    if (correct != totals.correct || undecided != totals.undecided)
        throw Error("the shards' decisions.csv hold " + std::to_string(correct) + " correct and " +
                    std::to_string(undecided) + " undecided frames, their totals " + std::to_string(totals.correct) +
                    " and " + std::to_string(totals.undecided));
    totals.correct = correct;
    totals.undecided = undecided;
    mode.merge_files(s.dirs, offsets, dir, config);
    if (mode.finish) mode.finish(totals, stats, merge_data, config);
    if (wall_s >= 0) totals.sim_wall_s = wall_s;
    dir.log("merged " + std::to_string(s.n) + " shards");
    write_run_report(totals, config, out, dir, stats);
}

// --- worker processes ------------------------------------------------------------------------

struct Worker {
    std::size_t index;
    bp::child child;
};

std::string describe_status(int raw) {
    if (WIFSIGNALED(raw)) {
        const int sig = WTERMSIG(raw);
        const char* name = ::strsignal(sig);
        return "killed by signal " + std::to_string(sig) + (name ? std::string(" (") + name + ")" : std::string());
    }
    return "exit code " + std::to_string(WEXITSTATUS(raw));
}

std::string last_lines(const std::string& path, std::size_t max_lines = 3) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);)
        if (!l.empty()) lines.push_back(l);
    std::string r;
    for (std::size_t k = lines.size() > max_lines ? lines.size() - max_lines : 0; k < lines.size(); ++k)
        r += (r.empty() ? "" : " | ") + lines[k];
    return r;
}

// Runs shards 0..n-1 as child processes, `jobs` at a time. A shard that fails (exit code, signal,
// no shard.json) stops the others and throws, naming it.
void run_workers(const RunOptions& opts, std::size_t n, std::size_t jobs, std::size_t frames, io::RunDir& dir) {
    const std::string exe = self_exe();
    const pid_t parent = ::getpid();
    auto die_with_parent = [parent](auto&) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(137);
    };
    std::vector<Worker> running;
    std::size_t next = 0;
    // Progress over all frames: finished shards plus what the running ones report.
    Progress progress("chip", frames);
    std::size_t finished_frames = 0;
    auto show = [&] {
        std::size_t done = finished_frames;
        for (const auto& w : running) {
            std::ifstream f(fs::path(shard_dir(opts.out, w.index)) / "progress");
            std::size_t k = 0;
            if (f >> k) done += k;
        }
        progress.update(std::min(done, frames));
    };
    auto stop_all = [&] {
        for (auto& w : running) {
            std::error_code ec;
            if (w.child.running(ec)) w.child.terminate(ec);
            w.child.wait(ec);
        }
        running.clear();
    };
    try {
        while (next < n || !running.empty()) {
            while (next < n && running.size() < jobs) {
                const std::string d = shard_dir(opts.out, next);
                fs::create_directories(d);
                const std::string err = (fs::path(d) / "stderr.txt").string();
                const auto args = shard_args(opts, opts.config.config, opts.out, n, std::to_string(next));
                dir.log("started " + shard_name(next, n, frames));
                running.push_back({next, bp::child(exe, bp::args(args), bp::std_in < bp::null,
                                                   bp::std_out > (fs::path(d) / "stdout.txt").string(), bp::std_err > err,
                                                   bp::extend::on_exec_setup = die_with_parent)});
                ++next;
            }
            bool any = false;
            for (std::size_t k = 0; k < running.size(); ++k) {
                Worker& w = running[k];
                std::error_code ec;
                if (w.child.running(ec)) continue;
                w.child.wait(ec);
                const int raw = w.child.native_exit_code();
                const std::string d = shard_dir(opts.out, w.index);
                const bool ok = !WIFSIGNALED(raw) && WEXITSTATUS(raw) == 0 && fs::exists(fs::path(d) / kShardFile);
                if (!ok) {
                    const std::string msg = last_lines((fs::path(d) / "stderr.txt").string());
                    const bool bad_input = !WIFSIGNALED(raw) && WEXITSTATUS(raw) == 2;
                    const std::string text = "worker of " + shard_name(w.index, n, frames) + " failed (" +
                                             describe_status(raw) + ")" + (msg.empty() ? "" : ": " + msg) +
                                             "; its output: " + d + "/";
                    running.erase(running.begin() + static_cast<std::ptrdiff_t>(k));
                    stop_all();
                    dir.log("FAILED: " + text);
                    if (bad_input) throw InputError(text);
                    throw Error(text);
                }
                dir.log("finished " + shard_name(w.index, n, frames));
                const auto [b, e] = shard_range(frames, n, w.index);
                finished_frames += e - b;
                running.erase(running.begin() + static_cast<std::ptrdiff_t>(k));
                any = true;
                break;
            }
            if (!any) std::this_thread::sleep_for(std::chrono::milliseconds(20));
            show();
        }
        progress.finish();
    } catch (...) {
        stop_all();
        throw;
    }
}

// --- Slurm -----------------------------------------------------------------------------------

void submit_slurm(const RunOptions& opts, std::size_t n, std::size_t frames) {
    const std::string out = abs_path(opts.out);
    const fs::path root = fs::path(out) / "shards";
    fs::create_directories(root / "logs");
    std::error_code ec;
    for (const char* stale : {"report.json", "report.md"}) fs::remove(fs::path(out) / stale, ec);
    for (std::size_t i = 0; i < n; ++i) fs::remove(fs::path(shard_dir(out, i)) / kShardFile, ec);
    std::string s = "#!/bin/bash\n# spiketlm run: " + std::to_string(frames) + " frames in " + std::to_string(n) +
                    " shards, one array task each; then: spiketlm merge " + out + "\n";
    s += "#SBATCH --job-name=spiketlm-run\n";
    s += "#SBATCH --array=0-" + std::to_string(n - 1) + "\n";
    s += "#SBATCH --chdir=" + fs::current_path().string() + "\n";
    s += "#SBATCH --output=" + (root / "logs").string() + "/slurm-%A_%a.out\n";
    s += "#SBATCH --cpus-per-task=1\n";
    std::string cmd = "exec " + quote_sh(self_exe());
    for (const auto& a : shard_args(opts, abs_path(opts.config.config), out, n, "@")) {
        if (a == "@") cmd += " \"$SLURM_ARRAY_TASK_ID\"";
        else cmd += " " + quote_sh(a);
    }
    s += cmd + "\n";
    const std::string path = (root / "run.sbatch").string();
    write_file_atomic(path, s);
    fs::permissions(path, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add);
    const std::string job = sweep::submit_slurm(path);
    std::cout << "run: submitted " << path << " (" << n << " shards of " << frames << " frames) as Slurm job " << job
              << "; when it is done: spiketlm merge " << opts.out << "\n";
}

}  // namespace

std::pair<std::size_t, std::size_t> shard_range(std::size_t frames, std::size_t n, std::size_t i) {
    return {i * frames / n, (i + 1) * frames / n};
}

std::string shard_dir(const std::string& out, std::size_t i) {
    return (fs::path(out) / "shards" / std::to_string(i)).string();
}

std::size_t parallel_workers(const cfg::Config& config) {
    const RunParams rp = RunParams::from(config);
    const auto frames = static_cast<std::size_t>(rp.frames);
    if (rp.threads >= 1) return std::min<std::size_t>(static_cast<std::size_t>(rp.threads), frames);
    const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
    return std::max<std::size_t>(1, std::min(cores, frames / kAutoFramesPerWorker));
}

bool register_run_mode(const RunMode& mode) {
    modes()[mode.name] = mode;
    return true;
}

void run_sharded(const RunOptions& opts, const RunMode& mode, const cfg::Config& config, std::size_t workers) {
    if (!mode.merge_files) throw InputError("the " + mode.name + " run cannot be split into shards");
    const auto frames = static_cast<std::size_t>(RunParams::from(config).frames);
    std::size_t n = workers;
    if (workers == 0) {
        if (opts.shards == -1)
            throw InputError(std::string(opts.slurm ? "--slurm" : "--shard") + " needs --shards N (the number of shards)");
        if (opts.shards < 1) throw InputError("--shards must be at least 1 (got " + std::to_string(opts.shards) + ")");
        n = static_cast<std::size_t>(opts.shards);
        if (n > frames)
            throw InputError("--shards " + std::to_string(n) + " but the run has only " + std::to_string(frames) +
                             " frames (run.frames / --frames): every shard needs at least one frame");
        if (opts.shard < 0 && opts.shard != -1)
            throw InputError("--shard must be 0 or more (got " + std::to_string(opts.shard) + ")");
        if (opts.shard >= 0 && opts.slurm) throw InputError("--shard and --slurm exclude each other (--slurm submits every shard)");
        if (opts.shard >= 0 && static_cast<std::size_t>(opts.shard) >= n)
            throw InputError("--shard " + std::to_string(opts.shard) + " is out of range: --shards " + std::to_string(n) +
                             " has shards 0.." + std::to_string(n - 1));
        if (opts.shard >= 0) {
            run_one_shard(opts, mode, config, n, static_cast<std::size_t>(opts.shard));
            return;
        }
        if (opts.slurm) {
            submit_slurm(opts, n, frames);
            return;
        }
    }
    // Local worker processes, then the merge.
    const auto t0 = std::chrono::steady_clock::now();
    const std::size_t jobs = workers ? workers : std::max<std::size_t>(1, std::min(n, parallel_workers(config)));
    io::RunDir dir(opts.out);
    dir.write("config.effective.yaml", config.effective_yaml());
    dir.log("spiketlm " + mode.name + ": config " + opts.config.config + " (hash " + run_config_hash(config) + "), " +
            std::to_string(frames) + " frames in " + std::to_string(n) + " shards, " + std::to_string(jobs) +
            " worker processes at a time");
    std::error_code ec;
    fs::remove_all(fs::path(opts.out) / "shards", ec);
    run_workers(opts, n, jobs, frames, dir);
    const ShardSet s = read_shards(opts.out, n);
    merge_into(s, mode, config, dir, opts.out,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (workers) fs::remove_all(fs::path(opts.out) / "shards", ec);  // frame-parallel: the shards were internal
}

void merge_run_dir(const std::string& out) {
    const ShardSet s = read_shards(out, 0);
    const auto it = modes().find(s.mode);
    if (it == modes().end() || !it->second.merge_files)
        throw InputError(shard_dir(out, 0) + "/shard.json: mode '" + s.mode + "' cannot be merged");
    // The run's configuration as the shards had it (identical in every shard: checked by hash).
    cfg::Config config;
    const std::string eff = (fs::path(s.dirs[0]) / "config.effective.yaml").string();
    config.load_file(eff);
    io::RunDir dir(out);
    dir.write("config.effective.yaml", read_file(eff));
    dir.log("spiketlm merge: " + std::to_string(s.n) + " shards of " + out);
    double wall = 0;
    for (const auto& j : s.shards) wall = std::max(wall, j.at("totals").at("sim_wall_s").get<double>());
    merge_into(s, it->second, config, dir, out, wall);
}

}  // namespace spiketlm::app
