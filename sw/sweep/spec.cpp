#include "sw/sweep/spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "sw/cfg/config.h"
#include "sw/cfg/param.h"
#include "sw/common/error.h"
#include "sw/common/fs.h"
#include "sw/common/seed.h"
#include "sw/common/strings.h"

namespace spiketlm::sweep {

namespace fs = std::filesystem;

const SweepValue* Point::find(const std::string& key) const {
    for (const auto& v : values)
        if (v.key == key) return &v;
    return nullptr;
}

std::string Point::canonical() const {
    std::vector<std::string> lines;
    for (const auto& v : values) lines.push_back(v.key + "=" + v.text);
    std::sort(lines.begin(), lines.end());
    std::string s;
    for (const auto& l : lines) s += l + "\n";
    return s;
}

std::uint64_t point_seed(std::uint64_t sweep_seed, const std::string& canonical) {
    // sim.seed is declared in [0, 9e15]: keep 52 bits.
    return derive_seed(sweep_seed, "sweep.point\n" + canonical) & ((std::uint64_t{1} << 52) - 1);
}

std::string point_id(const std::string& canonical) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "p%012llx",
                  static_cast<unsigned long long>(derive_seed(0, "sweep.id\n" + canonical) >> 16));
    return buf;
}

namespace {

struct Where {
    std::string file;
    int line_of(const YAML::Node& n) const { return n.Mark().line >= 0 ? n.Mark().line + 1 : 1; }
    std::string at(const YAML::Node& n) const { return file + ":" + std::to_string(line_of(n)); }
    [[noreturn]] void fail(const YAML::Node& n, const std::string& key, const std::string& what) const {
        throw ConfigError(at(n), key, what);
    }
};

std::string describe(const YAML::Node& n) {
    if (n.IsNull()) return "nothing (null)";
    if (n.IsSequence()) return "a list";
    if (n.IsMap()) return "a mapping";
    return "'" + n.Scalar() + "'";
}

// A swept value before validation: the node keeps its mark for messages.
struct RawValue {
    std::string key;
    YAML::Node node;
    YAML::Node key_node;
};

std::string value_text(const YAML::Node& n) {
    if (n.IsScalar()) return n.Scalar();
    YAML::Emitter e;
    e << YAML::Flow << n;
    return e.c_str();
}

class Parser {
  public:
    Parser(std::string name, const cfg::ParamRegistry& reg) : m_w{std::move(name)}, m_reg(reg) {}

    SweepSpec parse(const std::string& text) {
        YAML::Node root;
        try {
            root = YAML::Load(text);
        } catch (const YAML::ParserException& e) {
            throw ConfigError(m_w.file + ":" + std::to_string(e.mark.line >= 0 ? e.mark.line + 1 : 1), "",
                              "malformed YAML: " + e.msg);
        }
        if (!root.IsMap()) m_w.fail(root, "", "a sweep file is a mapping (base, seed, grid, list, frames, slurm), got " + describe(root));
        SweepSpec s;
        s.file = m_w.file;
        static const std::set<std::string> known = {"base", "seed", "grid", "list", "frames", "slurm"};
        std::set<std::string> seen;
        for (const auto& kv : root) {
            const std::string k = kv.first.Scalar();
            if (!known.count(k))
                m_w.fail(kv.first, k, "unknown key '" + k + "' in a sweep file (known: base, seed, grid, list, frames, slurm)");
            if (!seen.insert(k).second) m_w.fail(kv.first, k, "key '" + k + "' is given twice");
        }
        const YAML::Node base = root["base"];
        if (!base || !base.IsScalar() || base.Scalar().empty())
            m_w.fail(base ? base : root, "base", "'base' must name the base run config (a path relative to the sweep file)");
        fs::path bp(base.Scalar());
        if (bp.is_relative()) bp = fs::path(m_w.file).parent_path() / bp;
        s.base = bp.lexically_normal().string();
        if (!fs::is_regular_file(s.base)) m_w.fail(base, "base", "base run config '" + s.base + "' does not exist");
        if (const YAML::Node n = root["seed"]) s.seed = static_cast<std::uint64_t>(integer(n, "seed", 0));
        if (const YAML::Node n = root["frames"]) s.frames = integer(n, "frames", 1);
        if (const YAML::Node n = root["slurm"]) s.slurm = slurm(n);

        std::vector<std::vector<RawValue>> raw;  // one per point
        if (const YAML::Node g = root["grid"]) grid(g, raw);
        if (const YAML::Node l = root["list"]) list(l, raw);
        if (!root["grid"] && !root["list"]) m_w.fail(root, "grid", "no points: give a 'grid' and/or a 'list'");

        cfg::Config base_cfg(m_reg);
        base_cfg.load_file(s.base);
        if (s.frames > 0) base_cfg.load_string("run.frames: " + std::to_string(s.frames), m_w.file);
        std::map<std::string, int> ids;  // id -> line of the point's first value
        for (const auto& rv : raw) {
            Point p;
            cfg::Config c = base_cfg;
            for (const auto& v : rv) {
                check_value(c, v);
                const std::string text = value_text(v.node);
                const std::string arg = v.key == kIncludeKey ? fs::absolute(resolve(text)).lexically_normal().string() : text;
                p.values.push_back({v.key, text, arg, m_w.line_of(v.node)});
                if (std::find(s.keys.begin(), s.keys.end(), v.key) == s.keys.end()) s.keys.push_back(v.key);
            }
            const std::string canon = p.canonical();
            p.id = point_id(canon);
            if (const SweepValue* sv = p.find("sim.seed")) {
                p.seed_swept = true;
                p.seed = std::stoull(sv->text);
            } else {
                p.seed = point_seed(s.seed, canon);
            }
            const int line = rv.empty() ? 1 : m_w.line_of(rv.front().node);
            if (auto [it, fresh] = ids.emplace(p.id, line); !fresh)
                throw ConfigError(m_w.file + ":" + std::to_string(line), rv.empty() ? "" : rv.front().key,
                                  "this point repeats the point of line " + std::to_string(it->second) +
                                      " (same values): remove one");
            s.points.push_back(std::move(p));
        }
        return s;
    }

  private:
    std::int64_t integer(const YAML::Node& n, const std::string& key, std::int64_t min) const {
        std::int64_t v = 0;
        bool ok = n.IsScalar();
        if (ok) {
            try {
                std::size_t pos = 0;
                v = std::stoll(n.Scalar(), &pos);
                ok = pos == n.Scalar().size();
            } catch (const std::exception&) {
                ok = false;
            }
        }
        if (!ok || v < min)
            m_w.fail(n, key, "'" + key + "' expects an integer >= " + std::to_string(min) + ", got " + describe(n));
        return v;
    }

    SlurmSpec slurm(const YAML::Node& n) const {
        if (!n.IsMap()) m_w.fail(n, "slurm", "'slurm' expects a mapping (partition, time, cpus_per_task, mem), got " + describe(n));
        SlurmSpec s;
        for (const auto& kv : n) {
            const std::string k = kv.first.Scalar();
            const std::string name = "slurm." + k;
            if (k == "cpus_per_task") {
                s.cpus_per_task = static_cast<int>(integer(kv.second, name, 1));
                continue;
            }
            if (k != "partition" && k != "time" && k != "mem")
                m_w.fail(kv.first, name, "unknown key '" + name + "' (known: partition, time, cpus_per_task, mem)");
            if (!kv.second.IsScalar() || kv.second.Scalar().empty() ||
                kv.second.Scalar().find_first_of(" \t\n'\"") != std::string::npos)
                m_w.fail(kv.second, name, "'" + name + "' expects one word, got " + describe(kv.second));
            (k == "partition" ? s.partition : k == "time" ? s.time : s.mem) = kv.second.Scalar();
        }
        return s;
    }

    void check_key(const YAML::Node& key_node, const std::string& key) const {
        if (key == kIncludeKey || m_reg.find(key)) return;
        if (m_reg.is_section(key))
            m_w.fail(key_node, key, "'" + key + "' is a section, not a parameter: sweep one of its keys (`spiketlm config dump`)");
        std::vector<std::string> cands = m_reg.names();
        cands.push_back(kIncludeKey);
        const std::string near = nearest(key, cands);
        m_w.fail(key_node, key, "unknown key '" + key + "': not a declared parameter" +
                                    (near.empty() ? std::string(" (`spiketlm config dump` lists them)")
                                                  : " (did you mean '" + near + "'?)"));
    }

    // Applies one value to the point's config: the same conversion and range checks as a run.
    void check_value(cfg::Config& c, const RawValue& v) const {
        const std::string where = m_w.at(v.node);
        if (v.key == kIncludeKey) {
            if (!v.node.IsScalar() || v.node.Scalar().empty())
                m_w.fail(v.node, v.key, "'include' expects a config file name, got " + describe(v.node));
            const std::string path = resolve(v.node.Scalar());
            if (!fs::is_regular_file(path)) m_w.fail(v.node, v.key, "included file '" + path + "' does not exist");
            c.load_file(path);
            return;
        }
        YAML::Node m(YAML::NodeType::Map);
        m[v.key] = v.node;
        try {
            c.load_string(YAML::Dump(m), where);
        } catch (const ConfigError& e) {
            std::string msg = e.what();
            if (msg.compare(0, e.where().size() + 2, e.where() + ": ") == 0) msg = msg.substr(e.where().size() + 2);
            throw ConfigError(where, v.key, msg);
        }
    }

    std::vector<RawValue> entries(const YAML::Node& map, const std::string& what) const {
        std::vector<RawValue> out;
        std::set<std::string> seen;
        for (const auto& kv : map) {
            if (!kv.first.IsScalar()) m_w.fail(kv.first, what, "keys in '" + what + "' must be plain names");
            const std::string key = kv.first.Scalar();
            check_key(kv.first, key);
            if (!seen.insert(key).second) m_w.fail(kv.first, key, "key '" + key + "' is given twice in '" + what + "'");
            out.push_back({key, kv.second, kv.first});
        }
        return out;
    }

    void grid(const YAML::Node& g, std::vector<std::vector<RawValue>>& raw) const {
        if (!g.IsMap()) m_w.fail(g, "grid", "'grid' expects a mapping of key: [values...], got " + describe(g));
        if (g.size() == 0) m_w.fail(g, "grid", "'grid' is empty: give at least one key with a list of values");
        std::vector<std::vector<RawValue>> axes;
        for (const RawValue& e : entries(g, "grid")) {
            if (!e.node.IsSequence())
                m_w.fail(e.node, e.key, "grid key '" + e.key + "' expects a list of values, got " + describe(e.node));
            if (e.node.size() == 0) m_w.fail(e.node, e.key, "grid key '" + e.key + "' has an empty list of values");
            std::vector<RawValue> axis;
            for (const auto& v : e.node) axis.push_back({e.key, v, e.key_node});
            axes.push_back(std::move(axis));
        }
        // Cartesian product, last key fastest.
        std::vector<std::size_t> idx(axes.size(), 0);
        for (;;) {
            std::vector<RawValue> p;
            for (std::size_t a = 0; a < axes.size(); ++a) p.push_back(axes[a][idx[a]]);
            raw.push_back(std::move(p));
            std::size_t a = axes.size();
            while (a > 0 && ++idx[a - 1] == axes[a - 1].size()) idx[--a] = 0;
            if (a == 0) break;
        }
    }

    void list(const YAML::Node& l, std::vector<std::vector<RawValue>>& raw) const {
        if (!l.IsSequence()) m_w.fail(l, "list", "'list' expects a list of points ({key: value, ...}), got " + describe(l));
        if (l.size() == 0) m_w.fail(l, "list", "'list' is empty: give at least one point");
        for (const auto& e : l) {
            if (!e.IsMap() || e.size() == 0)
                m_w.fail(e, "list", "each 'list' entry is a mapping {key: value, ...}, got " + describe(e));
            raw.push_back(entries(e, "list"));
        }
    }

    std::string resolve(const std::string& p) const {
        fs::path q(p);
        if (q.is_relative()) q = fs::path(m_w.file).parent_path() / q;
        return q.lexically_normal().string();
    }

    Where m_w;
    const cfg::ParamRegistry& m_reg;
};

}  // namespace

SweepSpec parse_sweep(const std::string& yaml, const std::string& name, const cfg::ParamRegistry& registry) {
    return Parser(name, registry).parse(yaml);
}

SweepSpec load_sweep(const std::string& path, const cfg::ParamRegistry& registry) {
    if (fs::is_directory(path)) throw InputError("sweep file '" + path + "' is a directory");
    std::string text;
    try {
        text = read_file(path);
    } catch (const InputError&) {
        throw InputError("cannot open sweep file '" + path + "' (missing or unreadable)");
    }
    return parse_sweep(text, path, registry);
}

}  // namespace spiketlm::sweep
