#include "sw/sweep/runner.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "sw/common/error.h"
#include "sw/common/fs.h"

namespace spiketlm::sweep {

namespace fs = std::filesystem;
namespace bp = boost::process;
using nlohmann::json;

namespace {
constexpr int kManifestVersion = 1;

std::string abs_path(const std::string& p) { return fs::absolute(p).lexically_normal().string(); }

// The last few non-empty lines of a file, joined with " | " (one CSV cell, one log line).
std::string tail_lines(const std::string& path, std::size_t max_lines = 4) {
    std::string text;
    try {
        text = read_file(path);
    } catch (const InputError&) {
        return "";
    }
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        while (!l.empty() && (l.back() == '\r' || l.back() == ' ')) l.pop_back();
        if (!l.empty()) lines.push_back(l);
    }
    std::string out;
    for (std::size_t i = lines.size() > max_lines ? lines.size() - max_lines : 0; i < lines.size(); ++i)
        out += (out.empty() ? "" : " | ") + lines[i];
    return out;
}

std::string quote_sh(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}
}  // namespace

Manifest write_manifest(const SweepSpec& spec, const std::string& dir) {
    Manifest m{spec, fs::current_path().string()};
    m.spec.base = abs_path(spec.base);
    json j;
    j["schema_version"] = kManifestVersion;
    j["sweep_file"] = spec.file;
    j["base"] = m.spec.base;
    j["cwd"] = m.cwd;
    j["seed"] = spec.seed;
    j["frames"] = spec.frames;
    j["keys"] = spec.keys;
    j["slurm"] = {{"partition", spec.slurm.partition},
                  {"time", spec.slurm.time},
                  {"cpus_per_task", spec.slurm.cpus_per_task},
                  {"mem", spec.slurm.mem}};
    json pts = json::array();
    for (const auto& p : spec.points) {
        json vals = json::array();
        for (const auto& v : p.values) vals.push_back({{"key", v.key}, {"text", v.text}, {"arg", v.arg}, {"line", v.line}});
        pts.push_back({{"id", p.id}, {"seed", p.seed}, {"seed_swept", p.seed_swept}, {"values", vals}});
    }
    j["points"] = pts;
    fs::create_directories(dir);
    write_file_atomic((fs::path(dir) / "sweep.json").string(), j.dump(2) + "\n");
    return m;
}

Manifest read_manifest(const std::string& dir) {
    const std::string path = (fs::path(dir) / "sweep.json").string();
    if (!fs::exists(path))
        throw InputError("'" + dir + "' is not a sweep directory: " + path + " is missing (run `spiketlm sweep` first)");
    try {
        const json j = json::parse(read_file(path));
        if (j.at("schema_version").get<int>() != kManifestVersion)
            throw InputError(path + ": unsupported schema_version " + j.at("schema_version").dump());
        Manifest m;
        m.cwd = j.at("cwd").get<std::string>();
        auto& s = m.spec;
        s.file = j.at("sweep_file").get<std::string>();
        s.base = j.at("base").get<std::string>();
        s.seed = j.at("seed").get<std::uint64_t>();
        s.frames = j.at("frames").get<std::int64_t>();
        s.keys = j.at("keys").get<std::vector<std::string>>();
        const json& sl = j.at("slurm");
        s.slurm = {sl.at("partition").get<std::string>(), sl.at("time").get<std::string>(),
                   sl.at("cpus_per_task").get<int>(), sl.at("mem").get<std::string>()};
        for (const json& pj : j.at("points")) {
            Point p;
            p.id = pj.at("id").get<std::string>();
            p.seed = pj.at("seed").get<std::uint64_t>();
            p.seed_swept = pj.at("seed_swept").get<bool>();
            for (const json& v : pj.at("values"))
                p.values.push_back({v.at("key").get<std::string>(), v.at("text").get<std::string>(),
                                    v.at("arg").get<std::string>(), v.at("line").get<int>()});
            s.points.push_back(std::move(p));
        }
        return m;
    } catch (const json::exception& e) {
        throw InputError(path + ": malformed sweep manifest: " + e.what());
    }
}

std::string point_dir(const std::string& dir, const Point& p) { return (fs::path(dir) / "points" / p.id).string(); }

bool point_finished(const std::string& dir, const Point& p) {
    return fs::exists(fs::path(point_dir(dir, p)) / "report.json");
}

std::vector<std::string> point_args(const Manifest& m, const std::string& dir, const Point& p) {
    std::string config = m.spec.base;
    std::vector<std::string> includes;
    for (const auto& v : p.values)
        if (v.key == kIncludeKey) includes.push_back(v.arg);
    if (!includes.empty()) {
        std::string y = "# sweep point " + p.id + ": the base run config, then the swept include\ninclude:\n  - " +
                        m.spec.base + "\n";
        for (const auto& i : includes) y += "  - " + i + "\n";
        config = abs_path((fs::path(dir) / "configs" / (p.id + ".yaml")).string());
        write_file_atomic(config, y);
    }
    std::vector<std::string> a = {"-q", "run", "--config", config};
    for (const auto& v : p.values)
        if (v.key != kIncludeKey) a.insert(a.end(), {"--set", v.key + "=" + v.arg});
    if (m.spec.frames > 0 && !p.find("run.frames")) a.insert(a.end(), {"--set", "run.frames=" + std::to_string(m.spec.frames)});
    if (!p.seed_swept) a.insert(a.end(), {"--set", "sim.seed=" + std::to_string(p.seed)});
    // The sweep runs points in parallel (--jobs, Slurm tasks): each point is one process unless
    // the sweep itself sets run.threads.
    if (!p.find("run.threads")) a.insert(a.end(), {"--threads", "1"});
    a.insert(a.end(), {"--out", abs_path(point_dir(dir, p))});
    return a;
}

PointOutcome run_point(const Manifest& m, const std::string& dir, std::size_t index, const std::string& exe) {
    if (index >= m.spec.points.size())
        throw InputError("point index " + std::to_string(index) + " is out of range: the sweep in '" + dir + "' has " +
                         std::to_string(m.spec.points.size()) + " points");
    const Point& p = m.spec.points[index];
    PointOutcome r;
    if (point_finished(dir, p)) return r.ok = r.skipped = true, r;
    const fs::path logs = fs::path(dir) / "logs";
    fs::create_directories(logs);
    const std::string out = abs_path((logs / (p.id + ".stdout")).string());
    const std::string err = abs_path((logs / (p.id + ".stderr")).string());
    const std::string error_file = (logs / (p.id + ".error")).string();
    int code = -1;
    try {
        const auto args = point_args(m, dir, p);
        // A point dies with the sweep (kill, Ctrl-C): no orphan keeps writing into a point that a
        // re-run is about to redo.
        const pid_t parent = ::getpid();
        auto die_with_parent = [parent](auto&) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(137);  // the sweep died before prctl took effect
        };
        bp::child c(exe, bp::args(args), bp::start_dir(m.cwd), bp::std_in < bp::null, bp::std_out > out,
                    bp::std_err > err, bp::extend::on_exec_setup = die_with_parent);
        c.wait();
        code = c.exit_code();
        r.ok = code == 0 && point_finished(dir, p);
        if (!r.ok) {
            r.error = tail_lines(err);
            if (r.error.empty()) r.error = "exit code " + std::to_string(code) + ", no message";
        }
    } catch (const std::exception& e) {  // bp::process_error (cannot start), filesystem errors
        r.error = std::string("cannot run the point: ") + e.what();
    }
    std::error_code ec;
    if (r.ok) fs::remove(error_file, ec);
    else write_file_atomic(error_file, r.error + "\n");
    return r;
}

namespace {
std::string describe_point(const Point& p) {
    std::string s = p.id + " (";
    for (std::size_t i = 0; i < p.values.size(); ++i) s += (i ? ", " : "") + p.values[i].key + "=" + p.values[i].text;
    return s + ")";
}
}  // namespace

RunSummary run_local(const Manifest& m, const std::string& dir, const LocalOptions& opt) {
    const auto& pts = m.spec.points;
    RunSummary sum;
    sum.total = pts.size();
    std::vector<std::size_t> todo;
    for (std::size_t i = 0; i < pts.size(); ++i) {
        if (point_finished(dir, pts[i])) ++sum.skipped;
        else todo.push_back(i);
    }
    std::mutex mu;
    std::condition_variable cv;
    std::atomic<std::size_t> next{0};
    std::size_t finished_now = 0, running_workers = 0;
    std::vector<std::pair<std::size_t, std::string>> failures;
    auto worker = [&] {
        for (std::size_t k; (k = next++) < todo.size();) {
            const PointOutcome o = run_point(m, dir, todo[k], opt.exe);
            std::lock_guard<std::mutex> lock(mu);
            ++finished_now;
            if (o.ok) ++sum.ok;
            else ++sum.failed, failures.emplace_back(todo[k], o.error);
            cv.notify_all();
        }
        std::lock_guard<std::mutex> lock(mu);
        --running_workers;
        cv.notify_all();
    };
    const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(std::max(1, opt.jobs)), todo.size());
    std::vector<std::thread> threads;
    running_workers = n;
    for (std::size_t i = 0; i < n; ++i) threads.emplace_back(worker);

    const bool tty = ::isatty(2) != 0;
    const auto start = std::chrono::steady_clock::now();
    std::size_t next_plain = 0, printed = static_cast<std::size_t>(-1);
    auto draw = [&](bool last) {
        if (opt.quiet || todo.empty()) return;
        const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const std::size_t done = sum.skipped + finished_now;
        const double eta = finished_now ? el / static_cast<double>(finished_now) * static_cast<double>(todo.size() - finished_now) : 0.0;
        char eta_s[32];
        if (finished_now) std::snprintf(eta_s, sizeof eta_s, "ETA %.0f s", eta);
        else std::snprintf(eta_s, sizeof eta_s, "ETA -");
        if (tty) {
            std::fprintf(stderr, "\rsweep: %zu/%zu points done, %zu failed, %s   ", done, sum.total, sum.failed, eta_s);
            if (last) std::fputc('\n', stderr);
            std::fflush(stderr);
        } else if (finished_now != printed && (finished_now >= next_plain || last)) {
            printed = finished_now;
            std::fprintf(stderr, "sweep: %zu/%zu points done, %zu failed, %s\n", done, sum.total, sum.failed, eta_s);
            next_plain = finished_now + std::max<std::size_t>(1, todo.size() / 10);
        }
    };
    {
        std::unique_lock<std::mutex> lock(mu);
        std::size_t shown = static_cast<std::size_t>(-1);
        while (running_workers > 0) {
            if (tty || finished_now != shown) {
                if (finished_now != shown || tty) draw(false);
                shown = finished_now;
            }
            cv.wait_for(lock, std::chrono::milliseconds(tty ? 500 : 5000));
        }
        draw(true);
    }
    for (auto& t : threads) t.join();
    std::sort(failures.begin(), failures.end());
    for (const auto& [i, e] : failures) sum.failures.push_back(describe_point(pts[i]) + ": " + e);
    return sum;
}

std::string write_slurm_script(const Manifest& m, const std::string& dir, const std::string& exe) {
    std::string indices;
    for (std::size_t i = 0; i < m.spec.points.size(); ++i)
        if (!point_finished(dir, m.spec.points[i])) indices += (indices.empty() ? "" : ",") + std::to_string(i);
    if (indices.empty()) return "";
    const std::string adir = abs_path(dir);
    fs::create_directories(fs::path(adir) / "logs");
    const auto& sl = m.spec.slurm;
    std::string s = "#!/bin/bash\n# spiketlm sweep " + m.spec.file + ": one array task per unfinished point\n";
    s += "#SBATCH --job-name=spiketlm-sweep\n";
    s += "#SBATCH --array=" + indices + "\n";
    s += "#SBATCH --chdir=" + m.cwd + "\n";
    s += "#SBATCH --output=" + adir + "/logs/slurm-%A_%a.out\n";
    s += "#SBATCH --cpus-per-task=" + std::to_string(sl.cpus_per_task) + "\n";
    if (!sl.partition.empty()) s += "#SBATCH --partition=" + sl.partition + "\n";
    if (!sl.time.empty()) s += "#SBATCH --time=" + sl.time + "\n";
    if (!sl.mem.empty()) s += "#SBATCH --mem=" + sl.mem + "\n";
    s += "exec " + quote_sh(exe) + " -q sweep run-point " + quote_sh(adir) + " --index \"$SLURM_ARRAY_TASK_ID\"\n";
    const std::string path = (fs::path(adir) / "sweep.sbatch").string();
    write_file_atomic(path, s);
    fs::permissions(path, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add);
    return path;
}

std::string submit_slurm(const std::string& script) {
    const auto sbatch = bp::search_path("sbatch");
    if (sbatch.empty())
        throw Error("sbatch not found on PATH: --slurm needs a Slurm client (Debian: slurm-client or slurm-wlm); "
                    "run without --slurm to use local processes");
    bp::ipstream out, err;
    bp::child c(sbatch, "--parsable", script, bp::std_in < bp::null, bp::std_out > out, bp::std_err > err);
    std::string id, line, msg;
    std::getline(out, id);
    while (std::getline(err, line)) msg += (msg.empty() ? "" : " | ") + line;
    c.wait();
    if (c.exit_code() != 0 || id.empty())
        throw Error("sbatch refused " + script + " (exit code " + std::to_string(c.exit_code()) + "): " + msg);
    return id.substr(0, id.find(';'));
}

}  // namespace spiketlm::sweep
