// `spiketlm ref --config <yaml> [--set k=v]... [--frames N] --out runs/<name>`: the functional
// reference (sw/snn, the golden model) on the frames `spiketlm run` would put through the chip
// (apps/run_inputs.h: dataset images encoded by the model, or a spike list, run.spikes).
// Writes the run directory (report.json, stats.csv, ...) and the golden spike trace spikes.spk
// (frame = index of the image in the dataset split, pe = -1, no cycle) and decisions.csv
// (frame, label, decision, first_output_step, steps; decision -1 = none).
#include <algorithm>
#include <iostream>

#include "apps/command.h"
#include "apps/run_common.h"
#include "apps/run_inputs.h"
#include "sw/common/error.h"
#include "sw/common/progress.h"
#include "sw/common/seed.h"
#include "sw/data/datasets.h"
#include "sw/io/model_file.h"
#include "sw/io/run_dir.h"
#include "sw/snn/evaluate.h"
#include "sw/snn/reference.h"
#include "sw/snn/run_options.h"
#include "sw/stats/stats.h"
#include "traces/spike_trace.h"

namespace spiketlm::app {
namespace {

report::RunTotals run_reference(RunContext& ctx) {
    const RunParams rp = RunParams::from(ctx.config);
    const RunInputs in(rp, ctx.config);  // the dataset's images or a spike list (run.spikes)
    const io::Model& model = in.model();
    const snn::SimOptions sim = snn::sim_options_from(ctx.config, model.net);
    const bool early_stop = *sim.early_stop;
    const snn::Reference ref(model.net, sim);
    const auto first = static_cast<std::size_t>(rp.first_frame);
    const auto frames = in.frames();
    ctx.dir.log("model " + rp.model + ": " + std::to_string(model.net.layers.size()) + " layers, " +
                std::to_string(model.net.timesteps) + " timesteps, encoding " + model.net.encoding.kind +
                " T=" + std::to_string(model.net.encoding.steps) + ", early stop " + (early_stop ? "on" : "off"));

    auto& c_frames = ctx.stats.counter("ref.frames", "frames", "frames simulated by the reference");
    auto& c_steps = ctx.stats.counter("ref.timesteps", "steps", "timesteps simulated (all frames)");
    auto& c_in = ctx.stats.counter("ref.input_spikes", "spikes", "encoded input spikes");
    auto& c_syn = ctx.stats.counter("ref.synops", "ops", "synaptic operations (delivered spikes x fan-out)");
    std::vector<stats::Counter*> c_layer;
    for (const auto& l : model.net.layers)
        c_layer.push_back(&ctx.stats.counter("ref.spikes." + l.name, "spikes", "spikes of layer " + l.name));

    traces::TraceWriter trace(ctx.dir.file("spikes.spk"), "reference");
    snn::EvalTotals tot;
    std::string decisions = "frame,label,decision,first_output_step,steps\n";
    Progress progress("ref", frames);
    const std::size_t chunk = 512;  // bounds memory; results are identical for any chunk/thread count
    for (std::size_t done = 0; done < frames;) {
        const std::size_t c = std::min(chunk, frames - done);
        const auto res = snn::run_batch(
            ref, c, [&](std::size_t k) { return snn::FrameInput{in.encode(done + k), in.frame_index(done + k)}; },
            static_cast<int>(rp.threads), true);
        for (std::size_t k = 0; k < c; ++k) {
            const std::size_t idx = first + done + k;
            const auto& r = res[k].result;
            const int label = in.label(done + k);
            tot.add(r, label);
            decisions += std::to_string(idx) + "," + std::to_string(label) + "," +
                         std::to_string(r.decision) + "," + std::to_string(r.first_output_step) + "," +
                         std::to_string(r.steps) + "\n";
            for (const auto& s : res[k].spikes) {
                traces::SpikeRecord rec;
                rec.frame = static_cast<std::uint32_t>(idx);
                rec.step = s.step;
                rec.layer = s.layer;
                rec.neuron = s.neuron;
                trace.add(rec);
            }
        }
        done += c;
        progress.update(done);
    }
    progress.finish();
    trace.close();
    ctx.dir.write("decisions.csv", decisions);

    c_frames.inc(tot.frames);
    c_steps.inc(tot.timesteps);
    c_in.inc(tot.input_spikes);
    c_syn.inc(tot.synops);
    report::RunTotals t;
    t.model = rp.model;
    t.dataset = in.dataset_name();
    t.frames = tot.frames;
    t.correct = tot.correct;
    t.undecided = tot.undecided;
    t.input_spikes = tot.input_spikes;
    t.spikes = tot.spikes;
    t.synops = tot.synops;
    t.timesteps = tot.timesteps;
    for (std::size_t l = 0; l < model.net.layers.size(); ++l) {
        const std::uint64_t n = l < tot.spikes_per_layer.size() ? tot.spikes_per_layer[l] : 0;
        t.spikes_by_layer[model.net.layers[l].name] = n;
        c_layer[l]->inc(n);
    }
    t.sim_events = tot.synops;
    t.extra["early_stop"] = early_stop;
    t.extra["first_frame"] = first;
    if (model.meta.quant && model.meta.quant->float_test_accuracy)
        t.extra["model_float_test_accuracy"] = *model.meta.quant->float_test_accuracy;
    return t;
}

void setup(CLI::App& root) {
    static RunOptions opts;
    auto* cmd = root.add_subcommand(
        "ref", "run the functional reference simulator (golden model) on dataset frames; writes the run "
               "directory and the golden spike trace spikes.spk");
    opts.add_to(*cmd);
    cmd->callback([] { execute_run(opts, "reference", &run_reference); });
}

const bool registered = register_command("ref", &setup);

}  // namespace
}  // namespace spiketlm::app
