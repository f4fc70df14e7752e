// `spiketlm run`: maps the model onto the configured chip (or loads a mapped network) and runs
// dataset frames through the cycle-level chip model; writes the run directory with the report,
// energy breakdown, NoC statistics and the spike trace, and when asked (trace.*) the VCD and
// Perfetto activity traces (docs/traces.md).
#include <filesystem>
#include <iostream>
#include <memory>

#include "apps/command.h"
#include "apps/run_common.h"
#include "apps/run_inputs.h"
#include "hw/chip/chip.h"
#include "hw/chip/lt/lt_chip.h"
#include "hw/power/energy_table.h"
#include "sw/cfg/config.h"
#include "sw/cfg/param.h"
#include "sw/common/error.h"
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

report::RunTotals run_chip(RunContext& ctx) {
    const RunParams rp = RunParams::from(ctx.config);
    RunInputs in(rp, ctx.config);
    const auto& net = in.model().net;
    const snn::SimOptions sim = snn::sim_options_from(ctx.config, net);
    const bool early_stop = *sim.early_stop;
    const auto table = power::EnergyTable::load(resolve_data_file(power::energy_table_path(ctx.config)));

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

    // Activity trace: frames trace.first_frame .. + trace.frames - 1 of this run.
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
    Progress progress("chip", in.frames());
    for (std::size_t k = 0; k < in.frames(); ++k) {
        const auto spikes = in.encode(k);
        const chip::FrameResult r = chip.run_frame(spikes, in.frame_index(k));
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
        progress.update(k + 1);
    }
    progress.finish();
    trace.close();
    if (activity) {
        chip.set_trace_sink(nullptr);
        if (p_trace_vcd(ctx.config)) {
            ctx.dir.write("trace.vcd", traces::vcd_text(activity->activity()));
            ctx.dir.log("wrote trace.vcd");
        }
        if (p_trace_perfetto(ctx.config)) {
            traces::write_perfetto_file(activity->activity(), ctx.dir.file("trace.json"));
            ctx.dir.log("wrote trace.json");
        }
    }
    t.cycles = chip.total_cycles();
    const double seconds = static_cast<double>(*t.cycles) / (t.clock_mhz * 1e6);
    const auto e = power::compute_energy(ctx.stats, table, seconds);
    report::EnergyTotals et;
    et.dynamic_pj = e.dynamic_pj;
    et.leakage_pj = e.leakage_pj;
    et.by_class_pj = e.by_class_pj;
    et.by_group_pj = e.by_group_pj;
    et.by_action_pj = e.by_action_pj;
    et.by_part_pj = e.by_part_pj;
    if (e.programmed) et.programming_pj = e.programming_pj;
    et.table_name = table.name();
    et.table_file = table.file();
    et.technology = table.technology();
    et.pricing = power::pricing_json(e, table);
    t.energy = et;
    t.noc = chip.noc_totals();
    t.utilization["pe.busy_fraction"] = chip.pe_busy_fraction();
    t.sim_events = chip.scheduler_evaluations();
    return t;
}

void setup(CLI::App& root) {
    auto* cmd = root.add_subcommand("run", "run dataset frames through the cycle-level chip model");
    auto opts = std::make_shared<RunOptions>();
    opts->add_to(*cmd);
    cmd->callback([opts] { execute_run(*opts, "chip", run_chip); });
}
const bool registered = register_command("run", setup);
}  // namespace

}  // namespace spiketlm::app
