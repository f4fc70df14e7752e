#pragma once
// A sweep file (docs/sweep.md): a base run configuration and the points to run it at, a grid
// (the cartesian product of per-key value lists) and/or a list (one point per entry). Loading
// validates everything before any point runs: top-level keys, every swept key against the
// declared parameters, every value against its key's type and range (the same checks as
// `spiketlm config check`), each error as an InputError naming the key and file:line.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace spiketlm::cfg {
class ParamRegistry;
}

namespace spiketlm::sweep {

// The pseudo-key that adds a config file (a chip preset, say) after the base: its values win.
inline constexpr const char* kIncludeKey = "include";

struct SweepValue {
    std::string key;
    std::string text;  // as written (lists in flow style): `--set key=text`; the CSV cell; the point's identity
    std::string arg;   // what the run gets: text, or for include the path resolved against the sweep file
    int line = 0;      // 1-based line in the sweep file
};

struct Point {
    std::string id;                   // stable name of the point's directory, from its values
    std::vector<SweepValue> values;   // in key order of the sweep file
    std::uint64_t seed = 0;           // sim.seed of the point
    bool seed_swept = false;          // sim.seed is one of the values (then seed is that value)
    // The value of `key` in this point, or nullptr when the point does not set it.
    const SweepValue* find(const std::string& key) const;
    // One line per value "key=text", sorted by key: the identity the id and seed derive from.
    std::string canonical() const;
};

struct SlurmSpec {
    std::string partition;  // empty: the cluster's default
    std::string time;       // e.g. "00:10:00"; empty: the partition's default
    int cpus_per_task = 1;
    std::string mem;        // e.g. "2G"; empty: the cluster's default
};

struct SweepSpec {
    std::string file;                // the sweep file as given
    std::string base;                // the base run config, resolved against the sweep file's folder
    std::uint64_t seed = 1;          // the sweep seed
    std::int64_t frames = -1;        // run.frames for every point; -1: the base's
    std::vector<std::string> keys;   // every swept key, in order of first appearance
    std::vector<Point> points;       // grid points (last key fastest), then list entries
    SlurmSpec slurm;
};

// Loads and validates a sweep file. `registry`: the declared parameters (the global registry in
// the program). Throws InputError / ConfigError.
SweepSpec load_sweep(const std::string& path, const cfg::ParamRegistry& registry);
// The same from text; `name` stands for the file in messages and relative paths.
SweepSpec parse_sweep(const std::string& yaml, const std::string& name, const cfg::ParamRegistry& registry);

// The seed of a point: derived from the sweep seed and the point's canonical values only.
std::uint64_t point_seed(std::uint64_t sweep_seed, const std::string& canonical);
// The point's directory name: "p" + 12 hex digits of a hash of its canonical values.
std::string point_id(const std::string& canonical);

}  // namespace spiketlm::sweep
