#include "hw/power/energy_table.h"

#include <yaml-cpp/yaml.h>

#include <cmath>

#include "sw/cfg/param.h"
#include "sw/common/error.h"
#include "sw/common/fs.h"
#include "sw/stats/stats.h"

namespace spiketlm::power {

namespace {
const cfg::Param<std::string> p_table{"chip.energy_table", "configs/energy/default-45nm.yaml", "",
                                      "energy reference table (action pJ, leakage mW, each with its source); "
                                      "relative paths are tried from the working directory, then the source tree"};
}  // namespace

std::string energy_table_path(const cfg::Config& c) { return p_table(c); }

namespace {

std::string at(const std::string& file, const YAML::Node& n) {
    return file + ":" + std::to_string(n.Mark().line + 1);
}

void read_section(const YAML::Node& sec, const char* what, const char* unit_key, const std::string& file,
                  std::map<std::string, TableEntry>& out) {
    if (!sec) return;
    if (!sec.IsMap()) throw InputError(at(file, sec) + ": '" + what + "' must be a mapping of entries");
    for (const auto& kv : sec) {
        const std::string key = kv.first.Scalar();
        const YAML::Node& e = kv.second;
        const std::string where = at(file, kv.first);
        if (!e.IsMap()) throw InputError(where + ": entry '" + key + "' must be {" + unit_key + ": <number>, source: <text>}");
        for (const auto& f : e) {
            const std::string k = f.first.Scalar();
            if (k != unit_key && k != "source" && k != "note")
                throw InputError(at(file, f.first) + ": entry '" + key + "' has unknown field '" + k +
                                 "' (expected " + unit_key + ", source, note)");
        }
        if (!e[unit_key]) throw InputError(where + ": entry '" + key + "' has no '" + unit_key + "' value");
        double v = 0;
        try {
            v = e[unit_key].as<double>();
        } catch (const YAML::Exception&) {
            throw InputError(at(file, e[unit_key]) + ": entry '" + key + "': '" + unit_key + "' must be a number");
        }
        if (!std::isfinite(v) || v < 0) throw InputError(at(file, e[unit_key]) + ": entry '" + key + "': negative or non-finite value");
        if (!e["source"] || !e["source"].IsScalar() || e["source"].Scalar().empty())
            throw InputError(where + ": entry '" + key + "' has no 'source' (every number needs one)");
        if (out.count(key)) throw InputError(where + ": entry '" + key + "' is given twice");
        out[key] = TableEntry{v, e["source"].Scalar(), kv.first.Mark().line + 1};
    }
}

}  // namespace

EnergyTable EnergyTable::parse(const std::string& text, const std::string& file) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        throw InputError(file + ":" + std::to_string(e.mark.line + 1) + ": malformed YAML: " + e.msg);
    }
    if (!root.IsMap()) throw InputError(file + ": an energy table must be a mapping");
    for (const auto& kv : root) {
        const std::string k = kv.first.Scalar();
        if (k != "name" && k != "technology" && k != "description" && k != "actions" && k != "leakage")
            throw InputError(at(file, kv.first) + ": unknown key '" + k +
                             "' (expected name, technology, description, actions, leakage)");
    }
    EnergyTable t;
    t.m_file = file;
    t.m_name = root["name"] ? root["name"].Scalar() : file;
    t.m_technology = root["technology"] ? root["technology"].Scalar() : "";
    read_section(root["actions"], "actions", "pj", file, t.m_actions);
    read_section(root["leakage"], "leakage", "mw", file, t.m_leakage);
    return t;
}

EnergyTable EnergyTable::load(const std::string& path) { return parse(read_file(path), path); }

EnergyBreakdown compute_energy(const stats::Registry& stats, const EnergyTable& table, double seconds) {
    EnergyBreakdown b;
    auto group_of = [&](const std::string& comp) {
        const auto* c = stats.find_component(comp);
        return c ? c->group : std::string();
    };
    for (const auto& e : stats.counters()) {
        if (e.info.energy_key.empty()) continue;
        auto it = table.actions().find(e.info.energy_key);
        if (it == table.actions().end())
            throw InputError("energy table '" + table.file() + "' has no entry for action '" + e.info.energy_key +
                             "' (counted by '" + e.info.component + "'); add it with its pJ value and source");
        const double pj = static_cast<double>(e.counter->value()) * it->second.value;
        b.dynamic_pj += pj;
        b.by_action_pj[e.info.energy_key] += pj;
        const std::string cls = e.info.energy_key.substr(0, e.info.energy_key.find('.'));
        b.by_class_pj[cls] += pj;
        b.by_component_pj[e.info.component] += pj;
        const std::string g = group_of(e.info.component);
        if (!g.empty()) b.by_group_pj[g] += pj;
    }
    for (const auto& c : stats.components()) {
        auto it = table.leakage().find(c.cls);
        if (it == table.leakage().end())
            throw InputError("energy table '" + table.file() + "' has no leakage entry for component class '" + c.cls +
                             "' (component '" + c.path + "'); add it (mw: 0 is allowed, with a source)");
        const double pj = it->second.value * 1e-3 * seconds * 1e12;  // mW x s -> pJ
        b.leakage_pj += pj;
        b.by_class_pj[c.cls] += pj;
        b.by_component_pj[c.path] += pj;
        if (!c.group.empty()) b.by_group_pj[c.group] += pj;
    }
    return b;
}

}  // namespace spiketlm::power
