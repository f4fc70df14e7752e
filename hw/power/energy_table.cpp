#include "hw/power/energy_table.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "sw/cfg/param.h"
#include "sw/common/error.h"
#include "sw/common/fs.h"
#include "sw/report/report.h"
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

namespace {

double number(const YAML::Node& n, const std::string& file, const std::string& what) {
    try {
        const double v = n.as<double>();
        if (std::isfinite(v)) return v;
    } catch (const YAML::Exception&) {
    }
    throw InputError(at(file, n) + ": " + what + " must be a number");
}

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
}

void read_technology(const YAML::Node& n, const std::string& file, std::string& description, Technology& tech,
                     const std::string& key = "technology") {
    if (!n) return;
    if (n.IsScalar() && key == "technology") {  // description only: no model may be used
        description = n.Scalar();
        return;
    }
    if (!n.IsMap()) throw InputError(at(file, n) + ": '" + key + "' must be {description, node_nm, vdd_v}");
    for (const auto& kv : n) {
        const std::string k = kv.first.Scalar();
        if (k == "description") {
            description = kv.second.Scalar();
        } else if (k == "node_nm") {
            tech.node_nm = number(kv.second, file, key + ".node_nm");
            if (tech.node_nm < 3 || tech.node_nm > 350)
                throw InputError(at(file, kv.second) + ": " + key + ".node_nm must be in [3, 350] nm");
        } else if (k == "vdd_v") {
            tech.vdd_v = number(kv.second, file, key + ".vdd_v");
            if (tech.vdd_v < 0.2 || tech.vdd_v > 5)
                throw InputError(at(file, kv.second) + ": " + key + ".vdd_v must be in [0.2, 5] V");
        } else if (k != "source" && k != "note") {
            throw InputError(at(file, kv.first) + ": unknown key '" + key + "." + k +
                             "' (expected description, node_nm, vdd_v, source, note)");
        }
    }
    if ((tech.node_nm > 0) != (tech.vdd_v > 0) || (key != "technology" && !tech.stated()))
        throw InputError(at(file, n) + ": " + key + " needs both node_nm and vdd_v");
}

void read_models(const YAML::Node& sec, const std::string& file, std::map<std::string, ModelBinding>& out) {
    if (!sec) return;
    if (!sec.IsMap()) throw InputError(at(file, sec) + ": 'models' must map component classes to {model: <name>}");
    for (const auto& kv : sec) {
        const std::string cls = kv.first.Scalar();
        const YAML::Node& e = kv.second;
        const std::string where = at(file, kv.first);
        if (!e.IsMap() || !e["model"])
            throw InputError(where + ": models entry '" + cls + "' must be {model: <name>, <attribute>: <value>...}");
        ModelBinding b;
        b.model = e["model"].Scalar();
        b.line = kv.first.Mark().line + 1;
        const ComponentModel* m = find_model(b.model);
        if (!m)
            throw InputError(at(file, e["model"]) + ": class '" + cls + "': unknown model '" + b.model +
                             "' (known: " + join(model_names()) + ")");
        for (const auto& f : e) {
            const std::string k = f.first.Scalar();
            if (k == "model" || k == "note") continue;
            if (k == "source") {
                b.source = f.second.Scalar();
                continue;
            }
            bool known = false;
            std::vector<std::string> names;
            for (const auto& a : m->attributes()) {
                names.push_back(a.name);
                known = known || a.name == k;
            }
            if (!known)
                throw InputError(at(file, f.first) + ": class '" + cls + "': unknown attribute '" + k + "' for model '" +
                                 b.model + "' (known: " + join(names) + ")");
            b.defaults[k] = number(f.second, file, "attribute '" + k + "' of class '" + cls + "'");
        }
        if (!b.defaults.empty() && b.source.empty())
            throw InputError(where + ": models entry '" + cls + "' gives attribute values without a 'source'");
        if (out.count(cls)) throw InputError(where + ": models entry '" + cls + "' is given twice");
        out[cls] = b;
    }
}

std::string fmt_tech(const Technology& t) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g nm, %g V", t.node_nm, t.vdd_v);
    return buf;
}

std::string model_source(const ComponentModel& m, const Attributes& a) {
    std::string s = "model '" + m.name() + "' (docs/energy.md) from";
    const char* sep = " ";
    for (const auto& [k, v] : a) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%s%s=%g", sep, k.c_str(), v);
        s += buf;
        sep = ", ";
    }
    return s;
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
        if (k != "name" && k != "technology" && k != "description" && k != "actions" && k != "leakage" &&
            k != "models" && k != "fixed_entries_technology")
            throw InputError(at(file, kv.first) + ": unknown key '" + k +
                             "' (expected name, technology, description, models, fixed_entries_technology, actions, "
                             "leakage)");
    }
    EnergyTable t;
    t.m_file = file;
    t.m_name = root["name"] ? root["name"].Scalar() : file;
    read_technology(root["technology"], file, t.m_technology, t.m_tech);
    read_models(root["models"], file, t.m_models);
    std::string unused;
    read_technology(root["fixed_entries_technology"], file, unused, t.m_fixed_tech, "fixed_entries_technology");
    if (t.m_fixed_tech.stated() && !t.m_tech.stated())
        throw InputError(at(file, root["fixed_entries_technology"]) +
                         ": fixed_entries_technology needs the table's technology: {node_nm, vdd_v}");
    if (!t.m_models.empty() && !t.m_tech.stated())
        throw InputError(at(file, root["models"]) +
                         ": 'models' need the table's technology: technology: {node_nm: <nm>, vdd_v: <V>}");
    read_section(root["actions"], "actions", "pj", file, t.m_actions);
    read_section(root["leakage"], "leakage", "mw", file, t.m_leakage);
    return t;
}

Attributes EnergyTable::resolve(const stats::Component& c, const ModelBinding& b, const ComponentModel& m) const {
    const std::string who = "component '" + c.path + "' (class '" + c.cls + "', model '" + m.name() + "' bound at " +
                            m_file + ":" + std::to_string(b.line) + ")";
    Attributes out;
    std::vector<std::string> names;
    for (const auto& a : m.attributes()) names.push_back(a.name);
    for (const auto& kv : c.attributes)
        if (std::find(names.begin(), names.end(), kv.first) == names.end())
            throw InputError(who + ": unknown attribute '" + kv.first + "' (the model reads " + join(names) + ")");
    for (const auto& a : m.attributes()) {
        double v = 0;
        if (auto it = c.attributes.find(a.name); it != c.attributes.end())
            v = it->second;
        else if (auto jt = b.defaults.find(a.name); jt != b.defaults.end())
            v = jt->second;
        else if (a.fallback)
            v = *a.fallback;
        else
            throw InputError(who + ": no attribute '" + a.name + "' (" + a.description +
                             "); register it with the component or give it under models." + c.cls + " in the table");
        if (!(v >= a.min)) throw InputError(who + ": attribute '" + a.name + "' = " + std::to_string(v) + " is below " +
                                            std::to_string(a.min));
        out[a.name] = v;
    }
    return out;
}

Price EnergyTable::action_price(const stats::Component& c, const std::string& action) const {
    const std::string key = c.cls + "." + action;
    if (auto it = m_actions.find(key); it != m_actions.end()) {
        if (!m_fixed_tech.stated()) return Price{it->second.value, false, "", it->second.source};
        return Price{it->second.value * m_tech.dynamic_scale() / m_fixed_tech.dynamic_scale(), false, "",
                     it->second.source + " [scaled from " + fmt_tech(m_fixed_tech) + "]"};
    }
    auto mb = m_models.find(c.cls);
    if (mb == m_models.end())
        throw InputError("energy table '" + m_file + "' has no entry for action '" + key + "' (counted by '" + c.path +
                         "') and no model for class '" + c.cls +
                         "'; add it with its pJ value and source, or bind the class under 'models:'");
    const ComponentModel& m = *find_model(mb->second.model);
    const auto acts = m.actions();
    if (std::find(acts.begin(), acts.end(), action) == acts.end())
        throw InputError("energy table '" + m_file + "': action '" + key + "' (counted by '" + c.path + "') is not one the model '" +
                         m.name() + "' bound to class '" + c.cls + "' prices (it prices " + join(acts) +
                         "); add a fixed entry for it with its pJ value and source");
    const Attributes a = resolve(c, mb->second, m);
    return Price{m.action_pj(action, a) * m_tech.dynamic_scale(), true, m.name(), model_source(m, a)};
}

Price EnergyTable::leakage_price(const stats::Component& c) const {
    if (auto it = m_leakage.find(c.cls); it != m_leakage.end()) {
        if (!m_fixed_tech.stated()) return Price{it->second.value, false, "", it->second.source};
        return Price{it->second.value * m_tech.leakage_scale() / m_fixed_tech.leakage_scale(), false, "",
                     it->second.source + " [scaled from " + fmt_tech(m_fixed_tech) + "]"};
    }
    auto mb = m_models.find(c.cls);
    const ComponentModel* m = mb == m_models.end() ? nullptr : find_model(mb->second.model);
    if (!m || !m->estimates_leakage())
        throw InputError("energy table '" + m_file + "' has no leakage entry for component class '" + c.cls + "' (component '" +
                         c.path + "')" + (m ? " and its model '" + m->name() + "' does not estimate leakage" : std::string()) +
                         "; add it (mw: 0 is allowed, with a source)");
    const Attributes a = resolve(c, mb->second, *m);
    return Price{m->leakage_mw(a) * m_tech.leakage_scale(), true, m->name(), model_source(*m, a)};
}

EnergyTable EnergyTable::load(const std::string& path) { return parse(read_file(path), path); }

namespace {
void note(EnergyBreakdown::Pricing& p, const Price& price) {
    if (p.instances == 0) {
        p.from_model = price.from_model;
        p.model = price.model;
        p.source = price.source;
        p.min = p.max = price.value;
    }
    p.min = std::min(p.min, price.value);
    p.max = std::max(p.max, price.value);
    ++p.instances;
}
}  // namespace

nlohmann::json pricing_json(const EnergyBreakdown& b, const EnergyTable& t) {
    auto one = [](const EnergyBreakdown::Pricing& p, const char* unit) {
        nlohmann::json j;
        j["origin"] = p.from_model ? "model" : "table";
        if (p.from_model) j["model"] = p.model;
        j["source"] = p.source;
        if (p.min == p.max)
            j[unit] = p.min;
        else
            j[std::string(unit) + "_min"] = p.min, j[std::string(unit) + "_max"] = p.max;
        j["instances"] = p.instances;
        return j;
    };
    nlohmann::json j;
    j["table"] = t.file();
    j["technology"] = {{"description", t.technology()}, {"node_nm", t.tech().node_nm}, {"vdd_v", t.tech().vdd_v}};
    j["actions"] = nlohmann::json::object();
    j["leakage"] = nlohmann::json::object();
    for (const auto& [k, p] : b.action_pricing) j["actions"][k] = one(p, "pj");
    for (const auto& [k, p] : b.leakage_pricing) j["leakage"][k] = one(p, "mw");
    return j;
}

std::string energy_part(const std::string& cls) {
    static const std::map<std::string, std::string> parts = {
        {"nvm_array", "array"},     {"sram_synapse", "array"},  {"nvm_adc", "adc"},
        {"fifo", "periphery"},      {"sram_axon", "periphery"}, {"sram_acc", "periphery"},
        {"adder", "periphery"},     {"neuron", "digital"},      {"sram_state", "digital"},
        {"sram_route", "digital"},  {"barrier", "digital"},     {"router", "noc"},
        {"link", "noc"},            {"ni", "noc"},              {"host", "noc"}};
    auto it = parts.find(cls);
    return it == parts.end() ? "other" : it->second;
}

const std::vector<std::string>& energy_parts() {
    static const std::vector<std::string> p = {"array", "adc", "periphery", "digital", "noc", "other", "leakage"};
    return p;
}

bool is_programming_action(const std::string& energy_key) { return energy_key == "nvm_array.program"; }

EnergyBreakdown compute_energy(const stats::Registry& stats, const EnergyTable& table, double seconds) {
    EnergyBreakdown b;
    for (const auto& e : stats.counters()) {
        if (e.info.energy_key.empty()) continue;
        const stats::Component* comp = stats.find_component(e.info.component);
        const std::string cls = e.info.energy_key.substr(0, e.info.energy_key.find('.'));
        const std::string action = e.info.energy_key.substr(cls.size() + 1);
        const stats::Component fallback{e.info.component, cls, "", {}};
        const stats::Component& c = comp ? *comp : fallback;
        const Price price = table.action_price(c, action);
        note(b.action_pricing[e.info.energy_key], price);
        const double pj = static_cast<double>(e.counter->value()) * price.value;
        if (is_programming_action(e.info.energy_key)) {
            b.programmed = true;
            b.programming_pj += pj;
            b.programming_by_action_pj[e.info.energy_key] += pj;
            continue;
        }
        b.dynamic_pj += pj;
        b.by_part_pj[energy_part(cls)] += pj;
        b.by_action_pj[e.info.energy_key] += pj;
        b.by_class_pj[cls] += pj;
        b.by_component_pj[e.info.component] += pj;
        if (!c.group.empty()) b.by_group_pj[c.group] += pj;
    }
    for (const auto& c : stats.components()) {
        const Price price = table.leakage_price(c);
        note(b.leakage_pricing[c.cls], price);
        const double pj = price.value * 1e-3 * seconds * 1e12;  // mW x s -> pJ
        b.leakage_pj += pj;
        b.by_part_pj["leakage"] += pj;
        b.by_class_pj[c.cls] += pj;
        b.by_component_pj[c.path] += pj;
        if (!c.group.empty()) b.by_group_pj[c.group] += pj;
    }
    return b;
}

}  // namespace spiketlm::power
