#include "sw/report/report.h"

#include <cstdio>
#include <sstream>
#include <vector>

namespace spiketlm::report {

namespace {
double per(double total, std::uint64_t frames) { return frames ? total / static_cast<double>(frames) : 0.0; }

std::string fmt(double v, int prec = 3) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", prec, v);
    return buf;
}
}  // namespace

const std::vector<std::string>& timing_fields() {
    static const std::vector<std::string> f = {"sim_wall_s", "sim_frames_per_s", "sim_events_per_s"};
    return f;
}

nlohmann::json make_report_json(const RunTotals& t) {
    using nlohmann::json;
    json j;
    j["schema_version"] = kSchemaVersion;
    j["tool"] = "spiketlm";
    j["name"] = t.name;
    j["mode"] = t.mode;
    j["model"] = t.model;
    j["dataset"] = t.dataset;
    j["frames"] = t.frames;
    j["correct"] = t.correct;
    j["undecided_frames"] = t.undecided;
    j["accuracy"] = t.frames ? static_cast<double>(t.correct) / static_cast<double>(t.frames) : 0.0;
    j["input_spikes_per_frame"] = per(static_cast<double>(t.input_spikes), t.frames);
    j["spikes_per_frame"] = per(static_cast<double>(t.spikes), t.frames);
    j["synops_per_frame"] = per(static_cast<double>(t.synops), t.frames);
    j["timesteps_per_frame"] = per(static_cast<double>(t.timesteps), t.frames);
    json by_layer = json::object();
    for (const auto& [k, v] : t.spikes_by_layer) by_layer[k] = per(static_cast<double>(v), t.frames);
    j["spikes_per_frame_by_layer"] = by_layer;

    if (t.cycles) {
        const double cpf = per(static_cast<double>(*t.cycles), t.frames);
        j["cycles_per_frame"] = cpf;
        j["clock_mhz"] = t.clock_mhz;
        j["latency_us_per_frame"] = t.clock_mhz > 0 ? cpf / t.clock_mhz : 0.0;
        j["chip_frames_per_s"] = cpf > 0 ? t.clock_mhz * 1e6 / cpf : 0.0;
    } else {
        j["cycles_per_frame"] = nullptr;
        j["latency_us_per_frame"] = nullptr;
    }
    if (t.energy) {
        const auto& e = *t.energy;
        const double total = e.dynamic_pj + e.leakage_pj;
        j["energy_nj_per_frame"] = per(total, t.frames) * 1e-3;
        j["energy_dynamic_nj_per_frame"] = per(e.dynamic_pj, t.frames) * 1e-3;
        j["energy_leakage_nj_per_frame"] = per(e.leakage_pj, t.frames) * 1e-3;
        json br = json::object(), grp = json::object(), act = json::object();
        for (const auto& [k, v] : e.by_class_pj) br[k] = per(v, t.frames) * 1e-3;
        for (const auto& [k, v] : e.by_group_pj) grp[k] = per(v, t.frames) * 1e-3;
        for (const auto& [k, v] : e.by_action_pj) act[k] = per(v, t.frames) * 1e-3;
        j["energy_breakdown_nj"] = br;
        j["energy_breakdown_by_layer_nj"] = grp;
        j["energy_breakdown_by_action_nj"] = act;
        j["pj_per_sop"] = t.synops ? total / static_cast<double>(t.synops) : 0.0;
        j["energy_table"] = {{"name", e.table_name}, {"file", e.table_file}, {"technology", e.technology}};
        if (!e.pricing.is_null()) j["energy_pricing"] = e.pricing;
        if (t.cycles && t.clock_mhz > 0 && *t.cycles > 0)
            j["power_mw"] = total * 1e-12 / (static_cast<double>(*t.cycles) / (t.clock_mhz * 1e6)) * 1e3;
    } else {
        j["energy_nj_per_frame"] = nullptr;
        j["energy_breakdown_nj"] = nullptr;
    }
    if (t.noc) {
        const auto& n = *t.noc;
        j["noc"] = {{"packets_per_frame", per(static_cast<double>(n.packets), t.frames)},
                    {"flit_hops_per_frame", per(static_cast<double>(n.flit_hops), t.frames)},
                    {"latency_avg_cycles", n.deliveries ? static_cast<double>(n.latency_sum_cycles) / static_cast<double>(n.deliveries) : 0.0},
                    {"hops_avg", n.deliveries ? static_cast<double>(n.hops_sum) / static_cast<double>(n.deliveries) : 0.0}};
    } else {
        j["noc"] = nullptr;
    }
    j["utilization"] = t.utilization;
    j["sim_wall_s"] = t.sim_wall_s;
    j["sim_frames_per_s"] = t.sim_wall_s > 0 ? static_cast<double>(t.frames) / t.sim_wall_s : 0.0;
    j["sim_events_per_s"] = t.sim_wall_s > 0 ? static_cast<double>(t.sim_events) / t.sim_wall_s : 0.0;
    j["config_hash"] = t.config_hash;
    j["seed"] = t.seed;
    if (!t.extra.empty()) j["extra"] = t.extra;
    return j;
}

std::string summary_text(const nlohmann::json& r) {
    std::ostringstream o;
    o << "run '" << r.value("name", "") << "' (" << r.value("mode", "") << ") on " << r.value("dataset", "") << ", "
      << r.value("frames", 0) << " frames\n";
    o << "  accuracy            " << fmt(100.0 * r.value("accuracy", 0.0), 2) << " %  (" << r.value("correct", 0) << "/"
      << r.value("frames", 0) << ")\n";
    if (!r["cycles_per_frame"].is_null()) {
        o << "  cycles / frame      " << fmt(r["cycles_per_frame"].get<double>(), 1) << "\n";
        o << "  latency / frame     " << fmt(r["latency_us_per_frame"].get<double>(), 3) << " us at "
          << fmt(r["clock_mhz"].get<double>(), 0) << " MHz\n";
    }
    if (!r["energy_nj_per_frame"].is_null()) {
        o << "  energy / frame      " << fmt(r["energy_nj_per_frame"].get<double>(), 3) << " nJ  (dynamic "
          << fmt(r["energy_dynamic_nj_per_frame"].get<double>(), 3) << ", leakage "
          << fmt(r["energy_leakage_nj_per_frame"].get<double>(), 3) << ")\n";
        for (const auto& [k, v] : r["energy_breakdown_nj"].items())
            o << "      " << k << std::string(k.size() < 16 ? 16 - k.size() : 1, ' ') << fmt(v.get<double>(), 3) << " nJ\n";
        o << "  pJ / synaptic op    " << fmt(r["pj_per_sop"].get<double>(), 3) << "\n";
        if (r.contains("energy_pricing") && r["energy_pricing"].is_object()) {
            int model = 0, fixed = 0;
            for (const char* kind : {"actions", "leakage"}) {
                const nlohmann::json entries = r["energy_pricing"].value(kind, nlohmann::json::object());
                for (const auto& [k, v] : entries.items()) (v.value("origin", "") == "model" ? model : fixed) += 1;
            }
            o << "  energy prices       " << model << " from models, " << fixed
              << " fixed table entries (report.md: energy_pricing)\n";
        }
    }
    o << "  spikes / frame      " << fmt(r.value("spikes_per_frame", 0.0), 1) << "  (input "
      << fmt(r.value("input_spikes_per_frame", 0.0), 1) << ")\n";
    o << "  synaptic ops/frame  " << fmt(r.value("synops_per_frame", 0.0), 1) << "\n";
    if (!r["noc"].is_null())
        o << "  NoC                 " << fmt(r["noc"]["latency_avg_cycles"].get<double>(), 2) << " cycles avg latency, "
          << fmt(r["noc"]["hops_avg"].get<double>(), 2) << " hops avg\n";
    o << "  simulation          " << fmt(r.value("sim_wall_s", 0.0), 2) << " s wall, "
      << fmt(r.value("sim_frames_per_s", 0.0), 1) << " frames/s\n";
    return o.str();
}

std::string make_report_md(const nlohmann::json& r) {
    std::ostringstream o;
    o << "# spiketlm run report: " << r.value("name", "") << "\n\n";
    o << "| field | value |\n|---|---|\n";
    for (const auto& [k, v] : r.items()) {
        if (v.is_object() || v.is_array()) continue;
        o << "| `" << k << "` | " << (v.is_string() ? v.get<std::string>() : v.dump()) << " |\n";
    }
    for (const char* sec : {"energy_breakdown_nj", "energy_breakdown_by_layer_nj", "energy_breakdown_by_action_nj",
                            "spikes_per_frame_by_layer", "noc", "utilization"}) {
        if (!r.contains(sec) || !r[sec].is_object() || r[sec].empty()) continue;
        o << "\n## " << sec << "\n\n| key | value |\n|---|---|\n";
        for (const auto& [k, v] : r[sec].items()) o << "| `" << k << "` | " << v.dump() << " |\n";
    }
    if (r.contains("energy_pricing") && r["energy_pricing"].is_object()) {
        const auto& p = r["energy_pricing"];
        o << "\n## energy_pricing\n\nTable `" << p.value("table", "") << "`; origin `model` = derived from the "
          << "component's attributes (docs/energy.md), `table` = fixed entry (override).\n\n"
          << "| key | kind | origin | value | source |\n|---|---|---|---|---|\n";
        for (const char* kind : {"actions", "leakage"}) {
            if (!p.contains(kind)) continue;
            const std::string unit = std::string(kind) == "actions" ? "pj" : "mw";
            for (const auto& [k, v] : p[kind].items()) {
                const std::string val = v.contains(unit) ? fmt(v[unit].get<double>(), 4) + " " + unit
                                                         : fmt(v[unit + "_min"].get<double>(), 4) + ".." +
                                                               fmt(v[unit + "_max"].get<double>(), 4) + " " + unit;
                o << "| `" << k << "` | " << (unit == "pj" ? "pJ/event" : "mW/instance") << " | "
                  << v.value("origin", "") << " | " << val << " | " << v.value("source", "") << " |\n";
            }
        }
    }
    o << "\nSchema: docs/report.md (schema_version " << r.value("schema_version", 0) << ").\n";
    return o.str();
}

}  // namespace spiketlm::report
