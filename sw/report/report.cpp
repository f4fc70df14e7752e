#include "sw/report/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "sw/common/error.h"
#include "sw/report/format.h"

namespace spiketlm::report {

namespace {
double per(double total, std::uint64_t frames) { return frames ? total / static_cast<double>(frames) : 0.0; }
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
        if (!e.by_part_pj.empty()) {
            json part = json::object();
            for (const auto& [k, v] : e.by_part_pj) part[k] = per(v, t.frames) * 1e-3;
            j["energy_breakdown_by_part_nj"] = part;
        }
        j["energy_programming_nj"] = e.programming_pj ? json(*e.programming_pj * 1e-3) : json(nullptr);
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

nlohmann::json totals_to_json(const RunTotals& t) {
    using nlohmann::json;
    json j = {{"name", t.name},
              {"mode", t.mode},
              {"model", t.model},
              {"dataset", t.dataset},
              {"config_hash", t.config_hash},
              {"seed", t.seed},
              {"frames", t.frames},
              {"correct", t.correct},
              {"undecided", t.undecided},
              {"input_spikes", t.input_spikes},
              {"spikes", t.spikes},
              {"synops", t.synops},
              {"timesteps", t.timesteps},
              {"spikes_by_layer", t.spikes_by_layer},
              {"cycles", t.cycles ? json(*t.cycles) : json(nullptr)},
              {"clock_mhz", t.clock_mhz},
              {"utilization", t.utilization},
              {"sim_wall_s", t.sim_wall_s},
              {"sim_events", t.sim_events},
              {"extra", t.extra}};
    if (t.noc)
        j["noc"] = {{"packets", t.noc->packets},
                    {"flit_hops", t.noc->flit_hops},
                    {"hops_sum", t.noc->hops_sum},
                    {"latency_sum_cycles", t.noc->latency_sum_cycles},
                    {"deliveries", t.noc->deliveries}};
    else
        j["noc"] = nullptr;
    if (t.energy) {
        const auto& e = *t.energy;
        j["energy"] = {{"dynamic_pj", e.dynamic_pj},     {"leakage_pj", e.leakage_pj},
                       {"by_class_pj", e.by_class_pj},   {"by_group_pj", e.by_group_pj},
                       {"by_action_pj", e.by_action_pj}, {"table_name", e.table_name},
                       {"table_file", e.table_file},     {"technology", e.technology},
                       {"pricing", e.pricing}};
    } else {
        j["energy"] = nullptr;
    }
    return j;
}

RunTotals totals_from_json(const nlohmann::json& j, const std::string& what) {
    RunTotals t;
    try {
        t.name = j.at("name").get<std::string>();
        t.mode = j.at("mode").get<std::string>();
        t.model = j.at("model").get<std::string>();
        t.dataset = j.at("dataset").get<std::string>();
        t.config_hash = j.at("config_hash").get<std::string>();
        t.seed = j.at("seed").get<std::uint64_t>();
        t.frames = j.at("frames").get<std::uint64_t>();
        t.correct = j.at("correct").get<std::uint64_t>();
        t.undecided = j.at("undecided").get<std::uint64_t>();
        t.input_spikes = j.at("input_spikes").get<std::uint64_t>();
        t.spikes = j.at("spikes").get<std::uint64_t>();
        t.synops = j.at("synops").get<std::uint64_t>();
        t.timesteps = j.at("timesteps").get<std::uint64_t>();
        t.spikes_by_layer = j.at("spikes_by_layer").get<std::map<std::string, std::uint64_t>>();
        if (!j.at("cycles").is_null()) t.cycles = j.at("cycles").get<std::uint64_t>();
        t.clock_mhz = j.at("clock_mhz").get<double>();
        t.utilization = j.at("utilization").get<std::map<std::string, double>>();
        t.sim_wall_s = j.at("sim_wall_s").get<double>();
        t.sim_events = j.at("sim_events").get<std::uint64_t>();
        t.extra = j.at("extra");
        if (const auto& n = j.at("noc"); !n.is_null())
            t.noc = NocTotals{n.at("packets").get<std::uint64_t>(), n.at("flit_hops").get<std::uint64_t>(),
                              n.at("hops_sum").get<std::uint64_t>(), n.at("latency_sum_cycles").get<std::uint64_t>(),
                              n.at("deliveries").get<std::uint64_t>()};
        if (const auto& e = j.at("energy"); !e.is_null()) {
            EnergyTotals et;
            et.dynamic_pj = e.at("dynamic_pj").get<double>();
            et.leakage_pj = e.at("leakage_pj").get<double>();
            et.by_class_pj = e.at("by_class_pj").get<std::map<std::string, double>>();
            et.by_group_pj = e.at("by_group_pj").get<std::map<std::string, double>>();
            et.by_action_pj = e.at("by_action_pj").get<std::map<std::string, double>>();
            et.table_name = e.at("table_name").get<std::string>();
            et.table_file = e.at("table_file").get<std::string>();
            et.technology = e.at("technology").get<std::string>();
            et.pricing = e.at("pricing");
            t.energy = std::move(et);
        }
    } catch (const nlohmann::json::exception& e) {
        throw InputError(what + ": malformed run totals: " + e.what());
    }
    return t;
}

void add_totals(RunTotals& into, const RunTotals& part, const std::string& what) {
    auto same = [&](const char* field, const auto& a, const auto& b) {
        if (!(a == b))
            throw InputError(what + ": its " + field + " differs from the other parts' (" +
                             nlohmann::json(b).dump() + " vs " + nlohmann::json(a).dump() +
                             "): only runs of one configuration can be merged");
    };
    same("name", into.name, part.name);
    same("mode", into.mode, part.mode);
    same("model", into.model, part.model);
    same("dataset", into.dataset, part.dataset);
    same("config_hash", into.config_hash, part.config_hash);
    same("seed", into.seed, part.seed);
    same("clock_mhz", into.clock_mhz, part.clock_mhz);
    same("extra", into.extra, part.extra);
    if (into.cycles.has_value() != part.cycles.has_value() || into.noc.has_value() != part.noc.has_value())
        throw InputError(what + ": it has cycle or NoC totals where the other parts have none (or the reverse)");
    into.frames += part.frames;
    into.correct += part.correct;
    into.undecided += part.undecided;
    into.input_spikes += part.input_spikes;
    into.spikes += part.spikes;
    into.synops += part.synops;
    into.timesteps += part.timesteps;
    for (const auto& [k, v] : part.spikes_by_layer) into.spikes_by_layer[k] += v;
    if (into.cycles) *into.cycles += *part.cycles;
    if (into.noc) {
        into.noc->packets += part.noc->packets;
        into.noc->flit_hops += part.noc->flit_hops;
        into.noc->hops_sum += part.noc->hops_sum;
        into.noc->latency_sum_cycles += part.noc->latency_sum_cycles;
        into.noc->deliveries += part.noc->deliveries;
    }
    into.sim_wall_s = std::max(into.sim_wall_s, part.sim_wall_s);
    into.sim_events += part.sim_events;
}

namespace {
using nlohmann::json;

double num(const json& r, const char* key) {
    return r.contains(key) && r[key].is_number() ? r[key].get<double>() : std::nan("");
}

// Entries of an energy breakdown, largest first; `rest_label`: adds the part of `total` no entry
// holds (components no layer owns) when it is not negligible.
std::vector<std::pair<std::string, double>> largest_first(const json& d, double total, const char* rest_label) {
    std::vector<std::pair<std::string, double>> v;
    double sum = 0;
    if (d.is_object())
        for (const auto& [k, e] : d.items()) {
            v.emplace_back(k, e.get<double>());
            sum += e.get<double>();
        }
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    if (rest_label && total - sum > 1e-9 * std::fabs(total)) v.emplace_back(rest_label, total - sum);
    return v;
}

std::string pad(const std::string& s, std::size_t width) {
    // display width: count UTF-8 lead bytes only (µ is two bytes, one column)
    std::size_t cols = 0;
    for (unsigned char c : s) cols += (c & 0xC0) != 0x80;
    return s + std::string(cols < width ? width - cols : 1, ' ');
}

// A table price as written: 4 significant digits without trailing zeros (0.005, 1.25, 3.416).
std::string price(double v) {
    std::string s = fmt_sig(v, 4);
    if (s.find('.') != std::string::npos) {
        s.erase(s.find_last_not_of('0') + 1);
        if (s.back() == '.') s.pop_back();
    }
    return s;
}

// The parts of energy_breakdown_by_part_nj in their fixed order (hw/power energy_parts), then any
// other key.
std::vector<std::pair<std::string, double>> parts_in_order(const json& d) {
    static const std::vector<std::string> order = {"array", "adc", "periphery", "digital", "noc", "other", "leakage"};
    std::vector<std::pair<std::string, double>> v;
    for (const auto& k : order)
        if (d.contains(k)) v.emplace_back(k, d[k].get<double>());
    for (const auto& [k, e] : d.items())
        if (std::find(order.begin(), order.end(), k) == order.end()) v.emplace_back(k, e.get<double>());
    return v;
}

constexpr const char* kNoLayer = "(no layer)";  // routers, links, NIs (registered without a layer)
}  // namespace

std::string summary_text(const nlohmann::json& r) {
    std::ostringstream o;
    const double frames = num(r, "frames");
    o << "run '" << r.value("name", "") << "' (" << r.value("mode", "") << ") on " << r.value("dataset", "") << ", "
      << fmt_count(frames) << " frames\n";
    o << "  accuracy            " << fmt_percent(num(r, "accuracy")) << "  (" << fmt_count(num(r, "correct")) << " / "
      << fmt_count(frames) << ")\n";
    if (!r["cycles_per_frame"].is_null()) {
        o << "  cycles / frame      " << fmt_count(num(r, "cycles_per_frame")) << " cycles\n";
        o << "  latency / frame     " << fmt_time_us(num(r, "latency_us_per_frame")) << " at "
          << fmt_sig(num(r, "clock_mhz")) << " MHz (" << fmt_count(num(r, "chip_frames_per_s")) << " frames/s)\n";
    }
    if (!r["energy_nj_per_frame"].is_null()) {
        const double total = num(r, "energy_nj_per_frame");
        o << "  energy / frame      " << fmt_energy_nj(total) << "  (dynamic "
          << fmt_energy_nj(num(r, "energy_dynamic_nj_per_frame")) << ", leakage "
          << fmt_energy_nj(num(r, "energy_leakage_nj_per_frame")) << ")\n";
        for (const auto& [k, v] : largest_first(r["energy_breakdown_nj"], total, nullptr))
            o << "      " << pad(k, 16) << pad(fmt_energy_nj(v), 10) << fmt_percent(total > 0 ? v / total : 0) << "\n";
        if (r.contains("energy_breakdown_by_part_nj") && r["energy_breakdown_by_part_nj"].is_object()) {
            o << "  energy parts        ";
            const char* sep = "";
            for (const auto& [k, v] : parts_in_order(r["energy_breakdown_by_part_nj"])) {
                o << sep << k << " " << fmt_energy_nj(v);
                sep = ", ";
            }
            o << "\n";
        }
        if (r.contains("energy_programming_nj") && r["energy_programming_nj"].is_number())
            o << "  programming         " << fmt_energy_nj(num(r, "energy_programming_nj"))
              << " once (writing the weights; not in the energy per frame)\n";
        o << "  energy / synop      " << fmt_sig(num(r, "pj_per_sop")) << " pJ\n";
        if (r.contains("power_mw")) o << "  power               " << fmt_power_mw(num(r, "power_mw")) << "\n";
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
    o << "  spikes / frame      " << fmt_count(num(r, "spikes_per_frame")) << "  (input "
      << fmt_count(num(r, "input_spikes_per_frame")) << ")\n";
    o << "  synaptic ops/frame  " << fmt_count(num(r, "synops_per_frame")) << "\n";
    if (!r["noc"].is_null())
        o << "  NoC                 " << fmt_sig(r["noc"]["latency_avg_cycles"].get<double>()) << " cycles avg latency, "
          << fmt_sig(r["noc"]["hops_avg"].get<double>()) << " hops avg\n";
    if (r.contains("utilization") && r["utilization"].contains("pe.busy_fraction"))
        o << "  PE busy             " << fmt_percent(r["utilization"]["pe.busy_fraction"].get<double>())
          << " (mean over PEs)\n";
    o << "  simulation          " << fmt_sig(num(r, "sim_wall_s")) << " s wall, " << fmt_count(num(r, "sim_frames_per_s"))
      << " frames/s\n";
    return o.str();
}

std::string make_report_md(const nlohmann::json& r) {
    std::ostringstream o;
    std::set<std::string> shown = {"schema_version", "tool", "name", "mode", "model", "dataset", "seed",
                                   "config_hash", "energy_table"};
    auto row = [&](const std::string& what, const std::string& value, const std::string& field) {
        o << "| " << what << " | " << value << " | `" << field << "` |\n";
        shown.insert(field.substr(0, field.find('.')));
    };
    const double frames = num(r, "frames");
    o << "# spiketlm run report: " << r.value("name", "") << "\n\n";
    o << r.value("mode", "") << " run of `" << r.value("model", "") << "` on " << r.value("dataset", "") << ": "
      << fmt_count(frames) << " frames, seed " << r.value("seed", 0) << ", config hash `" << r.value("config_hash", "")
      << "`";
    if (r.contains("energy_table") && r["energy_table"].is_object())
        o << ", energy table `" << r["energy_table"].value("name", "") << "` (" << r["energy_table"].value("file", "")
          << "; " << r["energy_table"].value("technology", "") << ")";
    o << ".\nValues rounded for reading; report.json has them at full precision.\n\n";

    o << "## Summary\n\n| quantity | value | report.json field |\n|---|---:|---|\n";
    row("accuracy", fmt_percent(num(r, "accuracy")) + " (" + fmt_count(num(r, "correct")) + " / " + fmt_count(frames) +
                        " frames)", "accuracy");
    shown.insert({"correct", "frames"});
    row("undecided frames", fmt_count(num(r, "undecided_frames")) + " frames", "undecided_frames");
    if (!r["cycles_per_frame"].is_null()) {
        row("cycles per frame", fmt_count(num(r, "cycles_per_frame")) + " cycles", "cycles_per_frame");
        row("clock", fmt_sig(num(r, "clock_mhz")) + " MHz", "clock_mhz");
        row("latency per frame", fmt_time_us(num(r, "latency_us_per_frame")), "latency_us_per_frame");
        row("chip throughput", fmt_count(num(r, "chip_frames_per_s")) + " frames/s", "chip_frames_per_s");
    }
    const bool energy = !r["energy_nj_per_frame"].is_null();
    const double total = energy ? num(r, "energy_nj_per_frame") : 0.0;
    if (energy) {
        row("energy per frame", fmt_energy_nj(total), "energy_nj_per_frame");
        row("dynamic energy per frame", fmt_energy_nj(num(r, "energy_dynamic_nj_per_frame")),
            "energy_dynamic_nj_per_frame");
        row("leakage energy per frame", fmt_energy_nj(num(r, "energy_leakage_nj_per_frame")),
            "energy_leakage_nj_per_frame");
        row("energy per synaptic operation", fmt_sig(num(r, "pj_per_sop")) + " pJ", "pj_per_sop");
        if (r.contains("power_mw")) row("power", fmt_power_mw(num(r, "power_mw")), "power_mw");
        if (r.contains("energy_programming_nj") && r["energy_programming_nj"].is_number())
            row("programming energy (once, not per frame)", fmt_energy_nj(num(r, "energy_programming_nj")),
                "energy_programming_nj");
    }
    row("spikes per frame", fmt_count(num(r, "spikes_per_frame")) + " spikes", "spikes_per_frame");
    row("input spikes per frame", fmt_count(num(r, "input_spikes_per_frame")) + " spikes", "input_spikes_per_frame");
    row("synaptic operations per frame", fmt_count(num(r, "synops_per_frame")) + " ops", "synops_per_frame");
    row("timesteps per frame", fmt_count(num(r, "timesteps_per_frame")) + " steps", "timesteps_per_frame");
    if (r.contains("noc") && r["noc"].is_object()) {
        const auto& n = r["noc"];
        row("NoC packets per frame", fmt_count(num(n, "packets_per_frame")) + " packets", "noc.packets_per_frame");
        row("NoC flit hops per frame", fmt_count(num(n, "flit_hops_per_frame")) + " flit hops", "noc.flit_hops_per_frame");
        row("NoC latency (mean per delivery)", fmt_sig(num(n, "latency_avg_cycles")) + " cycles", "noc.latency_avg_cycles");
        row("NoC hops (mean per delivery)", fmt_sig(num(n, "hops_avg")) + " hops", "noc.hops_avg");
    }
    shown.insert("noc");
    if (r.contains("utilization") && r["utilization"].is_object())
        for (const auto& [k, v] : r["utilization"].items())
            if (v.is_number()) row("utilisation " + k, fmt_percent(v.get<double>()), "utilization." + k);
    shown.insert("utilization");
    row("simulation wall time", fmt_sig(num(r, "sim_wall_s")) + " s", "sim_wall_s");
    row("simulation speed", fmt_count(num(r, "sim_frames_per_s")) + " frames/s", "sim_frames_per_s");
    row("simulated events per second", fmt_count(num(r, "sim_events_per_s")) + " events/s", "sim_events_per_s");
    // Anything else (a field added later, `extra`): shown as it is, so report.md never loses one
    // (null fields are the ones a reference run has no value for).
    for (const auto& [k, v] : r.items()) {
        if (v.is_null() || shown.count(k) || k == "energy_pricing" || k.rfind("energy_breakdown", 0) == 0 ||
            k == "spikes_per_frame_by_layer")
            continue;
        o << "| " << k << " | " << (v.is_string() ? v.get<std::string>() : v.is_number_float() ? fmt_sig(v.get<double>(), 4) : v.dump())
          << " | `" << k << "` |\n";
    }

    auto breakdown = [&](const char* title, const char* key, const char* rest) {
        if (!r.contains(key) || !r[key].is_object() || r[key].empty()) return;
        o << "\n## " << title << " (`" << key << "`)\n\n| key | energy / frame | share |\n|---|---:|---:|\n";
        for (const auto& [k, v] : largest_first(r[key], total, rest))
            o << "| `" << k << "` | " << fmt_energy_nj(v) << " | " << fmt_percent(total > 0 ? v / total : 0) << " |\n";
    };
    if (energy && r.contains("energy_breakdown_by_part_nj") && r["energy_breakdown_by_part_nj"].is_object()) {
        o << "\n## Energy by part (`energy_breakdown_by_part_nj`)\n\n"
          << "Each part but `leakage` is Σ count × pJ of its classes' actions (docs/energy.md, Parts); "
          << "programming energy is not in it.\n\n| part | energy / frame | share |\n|---|---:|---:|\n";
        for (const auto& [k, v] : parts_in_order(r["energy_breakdown_by_part_nj"]))
            o << "| `" << k << "` | " << fmt_energy_nj(v) << " | " << fmt_percent(total > 0 ? v / total : 0) << " |\n";
    }
    if (energy) {
        breakdown("Energy by component class", "energy_breakdown_nj", nullptr);
        breakdown("Energy by layer", "energy_breakdown_by_layer_nj", kNoLayer);
        if (r.contains("energy_breakdown_by_layer_nj") && r["energy_breakdown_by_layer_nj"].is_object())
            o << "\n`" << kNoLayer << "`: the rest of the total, components registered without a layer "
              << "(NoC routers, links and network interfaces).\n";
        breakdown("Energy by action", "energy_breakdown_by_action_nj", nullptr);
    }
    if (r.contains("spikes_per_frame_by_layer") && r["spikes_per_frame_by_layer"].is_object() &&
        !r["spikes_per_frame_by_layer"].empty()) {
        o << "\n## Spikes per layer (`spikes_per_frame_by_layer`)\n\n| layer | spikes / frame |\n|---|---:|\n";
        for (const auto& [k, v] : r["spikes_per_frame_by_layer"].items())
            o << "| `" << k << "` | " << fmt_count(v.get<double>()) << " |\n";
    }
    if (r.contains("energy_pricing") && r["energy_pricing"].is_object()) {
        const auto& p = r["energy_pricing"];
        o << "\n## energy_pricing\n\nTable `" << p.value("table", "") << "`; origin `model` = derived from the "
          << "component's attributes (docs/energy.md), `table` = fixed entry (override).\n\n"
          << "| key | kind | origin | value | source |\n|---|---|---|---:|---|\n";
        for (const char* kind : {"actions", "leakage"}) {
            if (!p.contains(kind)) continue;
            const std::string unit = std::string(kind) == "actions" ? "pj" : "mw";
            const std::string shown_unit = unit == "pj" ? "pJ" : "mW";
            for (const auto& [k, v] : p[kind].items()) {
                const std::string val =
                    v.contains(unit) ? price(v[unit].get<double>()) + " " + shown_unit
                                     : price(v[unit + "_min"].get<double>()) + " .. " +
                                           price(v[unit + "_max"].get<double>()) + " " + shown_unit;
                o << "| `" << k << "` | " << (unit == "pj" ? "per event" : "per instance") << " | "
                  << v.value("origin", "") << " | " << val << " | " << v.value("source", "") << " |\n";
            }
        }
    }
    o << "\nSchema: docs/report.md (schema_version " << r.value("schema_version", 0) << ").\n";
    return o.str();
}

}  // namespace spiketlm::report
