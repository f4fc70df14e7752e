// `spiketlm run`: maps the model onto the configured chip (or loads a mapped network) and runs
// dataset frames through the cycle-level chip model; writes the run directory with the report,
// energy breakdown, NoC statistics, the per-frame decisions and the spike trace, and when asked
// (trace.*) the VCD and Perfetto activity traces (docs/traces.md). Frame-parallel (run.threads,
// --threads) and sharded (--shards, --shard, --slurm; `spiketlm merge`) runs: apps/run_shards.h.
#include <filesystem>
#include <iostream>
#include <memory>

#include "apps/command.h"
#include "apps/run_common.h"
#include "apps/run_inputs.h"
#include "apps/run_shards.h"
#include "hw/chip/chip.h"
#include "hw/chip/lt/lt_chip.h"
#include "hw/pe/pe_if.h"
#include "hw/power/energy_table.h"
#include "sw/cfg/config.h"
#include "sw/cfg/param.h"
#include "sw/common/error.h"
#include "sw/common/fs.h"
#include "sw/common/progress.h"
#include "sw/io/run_dir.h"
#include "sw/map/capacity.h"
#include "sw/map/mapper.h"
#include "sw/snn/run_options.h"
#include "sw/stats/stats.h"
#include "traces/activity.h"
#include "traces/perfetto.h"
#include "traces/spike_trace.h"
#include "traces/vcd.h"

namespace spiketlm::app {

namespace {
const cfg::Param<std::string> p_mapped{"run.mapped", "", "",
                                       "mapped-network directory from `spiketlm map` (empty: map the model now)"};

// Activity traces (docs/traces.md).
const cfg::Param<bool> p_trace_vcd{"trace.vcd", false, "", "write trace.vcd (VCD of chip activity, GTKWave) into the run directory"};
const cfg::Param<bool> p_trace_perfetto{"trace.perfetto", false, "",
                                        "write trace.json (Chrome trace-event JSON, ui.perfetto.dev) into the run directory"};
const cfg::Param<std::int64_t> p_trace_first{"trace.first_frame", 0, "frames",
                                             "first traced frame, counted from the run's first frame (0: the first one run)",
                                             cfg::Range{0, 1e9}};
const cfg::Param<std::int64_t> p_trace_frames{"trace.frames", 1, "frames", "number of frames traced from trace.first_frame",
                                              cfg::Range{1, 1e9}};
const cfg::Param<std::vector<std::string>> p_trace_scopes{
    "trace.scopes", {"chip", "pe", "fifo", "ni", "packets"}, "",
    "what the VCD and Perfetto traces hold: chip (frames, steps, barriers), pe (LOAD, COMPUTE, update, reset), "
    "fifo (input-FIFO occupancy), ni (injection-queue occupancy), packets (lifetimes, Perfetto only)"};

std::string resolve_data_file(const std::string& path) {
    namespace fs = std::filesystem;
    if (path.empty() || fs::path(path).is_absolute() || fs::exists(path)) return path;
    const fs::path alt = fs::path(SPIKETLM_SOURCE_DIR) / path;
    return fs::exists(alt) ? alt.string() : path;
}

// --- the activity trace of a shard (activity.json), for the merge -------------------------------

nlohmann::json activity_to_json(const traces::Activity& a) {
    using nlohmann::json;
    json j = {{"scopes", a.scopes}, {"clock_mhz", a.clock_mhz}, {"mesh", {a.mesh_width, a.mesh_height}}};
    json f = json::array(), st = json::array(), pe = json::array(), pk = json::array(), q = json::array(),
         h = json::array();
    for (const auto& x : a.frames) f.push_back({x.frame, x.begin, x.end});
    for (const auto& x : a.steps) st.push_back({x.frame, x.step, x.start, x.barrier, x.end});
    for (const auto& x : a.pe) pe.push_back({x.node, static_cast<int>(x.stage), x.begin, x.end, x.arg});
    for (const auto& x : a.packets) pk.push_back({x.src, x.dst, x.injected, x.delivered, x.hops, x.flits, x.to_host});
    for (const auto& x : a.queue) q.push_back({x.node, x.cycle, x.delta});
    for (const auto& x : a.hops) h.push_back({x.router, x.port, x.src, x.injected, x.cycle});
    j.update({{"frames", f}, {"steps", st}, {"pe", pe}, {"packets", pk}, {"queue", q}, {"hops", h}});
    return j;
}

// Appends the activity in `j` to `a` with every cycle shifted by `offset`.
void append_activity(traces::Activity& a, const nlohmann::json& j, std::uint64_t offset) {
    using U = std::uint64_t;
    using U32 = std::uint32_t;
    a.scopes = j.at("scopes").get<unsigned>();
    a.clock_mhz = j.at("clock_mhz").get<double>();
    a.mesh_width = j.at("mesh").at(0).get<U32>();
    a.mesh_height = j.at("mesh").at(1).get<U32>();
    for (const auto& x : j.at("frames")) a.frames.push_back({x[0].get<U>(), x[1].get<U>() + offset, x[2].get<U>() + offset});
    for (const auto& x : j.at("steps"))
        a.steps.push_back({x[0].get<U>(), x[1].get<U32>(), x[2].get<U>() + offset, x[3].get<U>() + offset,
                           x[4].get<U>() + offset});
    for (const auto& x : j.at("pe"))
        a.pe.push_back({x[0].get<U32>(), static_cast<traces::PeStage>(x[1].get<int>()), x[2].get<U>() + offset,
                        x[3].get<U>() + offset, x[4].get<U32>()});
    for (const auto& x : j.at("packets"))
        a.packets.push_back({x[0].get<U32>(), x[1].get<U32>(), x[2].get<U>() + offset, x[3].get<U>() + offset,
                             x[4].get<U32>(), x[5].get<U32>(), x[6].get<bool>()});
    for (const auto& x : j.at("queue")) a.queue.push_back({x[0].get<U32>(), x[1].get<U>() + offset, x[2].get<int>()});
    for (const auto& x : j.at("hops"))
        a.hops.push_back({x[0].get<U32>(), x[1].get<unsigned>(), x[2].get<U32>(), x[3].get<U>() + offset,
                          x[4].get<U>() + offset});
}

// The activity-trace files of a run (trace.vcd, trace.json) from its recorded activity.
void write_activity_files(const traces::Activity& a, const cfg::Config& config, io::RunDir& dir) {
    if (p_trace_vcd(config)) {
        dir.write("trace.vcd", traces::vcd_text(a));
        dir.log("wrote trace.vcd");
    }
    if (p_trace_perfetto(config)) {
        traces::write_perfetto_file(a, dir.file("trace.json"));
        dir.log("wrote trace.json");
    }
}

// Simulates the run's frames [ctx.begin, ctx.end). Writes spikes.spk, decisions.csv and the
// activity traces (a shard: activity.json, for the merge); the totals are raw (energy and
// utilisation come from finish_chip, for a single-process and a merged run alike).
report::RunTotals run_chip(RunContext& ctx) {
    const RunParams rp = RunParams::from(ctx.config);
    RunInputs in(rp, ctx.config);
    const auto& net = in.model().net;
    const snn::SimOptions sim = snn::sim_options_from(ctx.config, net);
    const bool early_stop = *sim.early_stop;
    const std::string table_path = resolve_data_file(power::energy_table_path(ctx.config));
    power::EnergyTable::load(table_path);  // a bad table fails before the simulation

    map::MappedNetwork mapped;
    if (const std::string dir = p_mapped(ctx.config); !dir.empty()) {
        mapped = map::load_mapped(dir);
        map::check_mapped_matches(mapped, net, "mapped network '" + dir + "'");
        ctx.dir.log("mapped network loaded from " + dir);
    } else {
        mapped = map::map_network(net, map::capacity_from(ctx.config), map::mesh_from(ctx.config));
        ctx.dir.log("mapped " + std::to_string(mapped.pes.size()) + " PEs on the " + std::to_string(mapped.mesh_width) +
                    "x" + std::to_string(mapped.mesh_height) + " mesh");
    }

    chip::Chip chip("chip", ctx.config, net, mapped, ctx.stats, early_stop, *sim.noise_seed);
    traces::TraceWriter trace(ctx.dir.file("spikes.spk"), "chip");
    chip.set_spike_callback([&trace](const chip::ChipSpike& s) {
        traces::SpikeRecord r;
        r.frame = static_cast<std::uint32_t>(s.frame);
        r.step = s.step;
        r.layer = s.layer;
        r.neuron = s.neuron;
        r.pe = static_cast<std::int32_t>(s.node);
        r.cycle = s.cycle;
        trace.add(r);
    });

    // Activity trace: frames trace.first_frame .. + trace.frames - 1 of the run (a shard records
    // the part of the window among its frames).
    std::unique_ptr<traces::ActivityRecorder> activity;
    const unsigned scopes = traces::parse_scopes(p_trace_scopes(ctx.config), "trace.scopes");  // checked even when off
    if (p_trace_vcd(ctx.config) || p_trace_perfetto(ctx.config)) {
        const auto first = static_cast<std::size_t>(p_trace_first(ctx.config));
        const auto count = static_cast<std::size_t>(p_trace_frames(ctx.config));
        if (first >= in.frames())
            throw InputError("trace.first_frame = " + std::to_string(first) + " is beyond the run's " +
                             std::to_string(in.frames()) + " frames (run.frames / --frames): the trace window is empty");
        const std::size_t last = std::min(first + count, in.frames()) - 1;
        activity = std::make_unique<traces::ActivityRecorder>(scopes, in.frame_index(first), in.frame_index(last),
                                                              chip.clock_mhz(), mapped.mesh_width, mapped.mesh_height);
        chip.set_trace_sink(activity.get());
    }

    report::RunTotals t;
    t.model = rp.model;
    t.dataset = in.dataset_name();
    t.clock_mhz = chip.clock_mhz();
    t.extra["early_stop"] = early_stop;
    if (chip::lt::enabled(ctx.config))
        t.extra["chip_timing"] = "lt: cycles, latency, throughput, power and leakage are estimates (docs/chip.md, Loosely-timed mode)";
    std::string decisions = "frame,label,decision,first_output_step,steps,cycles\n";
    Progress progress("chip", ctx.end - ctx.begin);
    const std::uint64_t clock_start = chip.now_cycle();
    for (std::size_t k = ctx.begin; k < ctx.end; ++k) {
        const auto spikes = in.encode(k);
        const std::uint64_t clock = chip.now_cycle();
        const chip::FrameResult r = chip.run_frame(spikes, in.frame_index(k));
        // The merge of a sharded run shifts cycles by the clock's advance over the shards before:
        // a shard checks that this advance is what frames start from.
        if (ctx.shard && r.start_cycle != clock)
            throw Error("frame " + std::to_string(in.frame_index(k)) + " started at cycle " +
                        std::to_string(r.start_cycle) + ", not at the clock's cycle " + std::to_string(clock) +
                        " (this chip cannot be run in shards: the merge could not place its cycles exactly)");
        ++t.frames;
        if (r.decision == in.label(k)) ++t.correct;
        if (r.decision < 0) ++t.undecided;
        t.input_spikes += r.input_spikes;
        t.synops += r.synops;
        t.timesteps += r.steps;
        for (std::size_t l = 0; l < r.spikes_per_layer.size(); ++l) {
            t.spikes += r.spikes_per_layer[l];
            t.spikes_by_layer[net.layers[l].name] += r.spikes_per_layer[l];
        }
        decisions += std::to_string(in.frame_index(k)) + "," + std::to_string(in.label(k)) + "," +
                     std::to_string(r.decision) + "," + std::to_string(r.first_output_step) + "," +
                     std::to_string(r.steps) + "," + std::to_string(r.cycles) + "\n";
        progress.update(k + 1 - ctx.begin);
        if (ctx.frames_done) ctx.frames_done(k + 1 - ctx.begin);
    }
    progress.finish();
    trace.close();
    ctx.dir.write("decisions.csv", decisions);
    if (activity) {
        chip.set_trace_sink(nullptr);
        if (ctx.shard) ctx.dir.write("activity.json", activity_to_json(activity->activity()).dump() + "\n");
        else write_activity_files(activity->activity(), ctx.config, ctx.dir);
    }
    t.cycles = chip.total_cycles();
    t.noc = chip.noc_totals();
    t.sim_events = chip.scheduler_evaluations();
    std::vector<std::uint64_t> busy;
    for (const auto& img : mapped.pes) busy.push_back(chip.pe_busy_cycles(img.node));
    ctx.merge_data = {{"clock_start", clock_start},
                      {"clock_end", chip.now_cycle()},
                      {"energy_table", table_path},
                      {"cwd", std::filesystem::current_path().string()},
                      {"pe_busy_cycles", busy}};
    return t;
}

// Energy (priced from the statistics and the run's cycles) and PE utilisation (per-PE busy cycles
// summed over the parts) of a single-process or merged chip run.
void finish_chip(report::RunTotals& t, const stats::Registry& stats, const std::vector<nlohmann::json>& parts,
                 const cfg::Config&) {
    namespace fs = std::filesystem;
    std::string path = parts.at(0).at("energy_table").get<std::string>();
    const std::string cwd = parts.at(0).at("cwd").get<std::string>();
    if (!fs::path(path).is_absolute() && !fs::exists(path) && fs::exists(fs::path(cwd) / path))
        path = (fs::path(cwd) / path).string();  // a merge run from another directory
    const auto table = power::EnergyTable::load(path);
    const double seconds = static_cast<double>(t.cycles.value_or(0)) / (t.clock_mhz * 1e6);
    const auto e = power::compute_energy(stats, table, seconds);
    report::EnergyTotals et;
    et.dynamic_pj = e.dynamic_pj;
    et.leakage_pj = e.leakage_pj;
    et.by_class_pj = e.by_class_pj;
    et.by_group_pj = e.by_group_pj;
    et.by_action_pj = e.by_action_pj;
    et.by_part_pj = e.by_part_pj;
    if (e.programmed) et.programming_pj = e.programming_pj;
    et.table_name = table.name();
    et.table_file = parts.at(0).at("energy_table").get<std::string>();
    et.technology = table.technology();
    et.pricing = power::pricing_json(e, table);
    t.energy = et;
    // Mean over PEs of busy cycles / cycles (as chip::Chip::pe_busy_fraction).
    std::vector<std::uint64_t> busy;
    for (const auto& p : parts) {
        const auto b = p.at("pe_busy_cycles").get<std::vector<std::uint64_t>>();
        if (busy.empty()) busy.assign(b.size(), 0);
        if (b.size() != busy.size()) throw InputError("the parts of the run have different numbers of PEs");
        for (std::size_t k = 0; k < b.size(); ++k) busy[k] += b[k];
    }
    double frac = 0;
    const std::uint64_t cycles = t.cycles.value_or(0);
    if (!busy.empty() && cycles > 0) {
        double sum = 0;
        for (const auto b : busy) sum += static_cast<double>(b) / static_cast<double>(cycles);
        frac = sum / static_cast<double>(busy.size());
    }
    t.utilization["pe.busy_fraction"] = frac;
}

// The merged files of a sharded chip run: spikes.spk (each shard's cycles shifted by the cycles
// of the shards before it) and the activity traces from the shards' activity.json.
void merge_chip_files(const std::vector<std::string>& shards, const std::vector<std::uint64_t>& offsets,
                      io::RunDir& dir, const cfg::Config& config) {
    namespace fs = std::filesystem;
    traces::TraceWriter out(dir.file("spikes.spk"), "chip");
    for (std::size_t i = 0; i < shards.size(); ++i) {
        const traces::Trace t = traces::read_trace((fs::path(shards[i]) / "spikes.spk").string());
        for (traces::SpikeRecord r : t.records) {
            if (r.cycle != traces::SpikeRecord::kNoCycle) r.cycle += offsets[i];
            out.add(r);
        }
    }
    out.close();
    if (!p_trace_vcd(config) && !p_trace_perfetto(config)) return;
    traces::Activity a;
    for (std::size_t i = 0; i < shards.size(); ++i) {
        const std::string path = (fs::path(shards[i]) / "activity.json").string();
        try {
            append_activity(a, nlohmann::json::parse(read_file(path)), offsets[i]);
        } catch (const nlohmann::json::exception& e) {
            throw InputError(path + ": malformed activity record: " + e.what());
        }
    }
    write_activity_files(a, config, dir);
}

const RunMode& chip_mode() {
    static const RunMode m{"chip", run_chip, finish_chip, merge_chip_files};
    return m;
}
const bool mode_registered = register_run_mode(chip_mode());

void setup(CLI::App& root) {
    auto* cmd = root.add_subcommand("run", "run dataset frames through the cycle-level chip model");
    auto opts = std::make_shared<RunOptions>();
    opts->add_to(*cmd);
    opts->add_parallel_to(*cmd);
    cmd->callback([opts] { execute_run(*opts, chip_mode()); });

    auto* merge = root.add_subcommand("merge", "merge the finished shards DIR/shards/<i>/ of a sharded run into DIR");
    auto dir = std::make_shared<std::string>();
    merge->add_option("dir", *dir, "run directory given as --out to the shards")->required();
    merge->callback([dir] { merge_run_dir(*dir); });
}
const bool registered = register_command("run", setup);
}  // namespace

}  // namespace spiketlm::app
