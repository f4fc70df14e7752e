// `spiketlm trace diff A B` and `spiketlm trace export T --out file.csv`.
#include <iostream>

#include "apps/command.h"
#include "sw/common/fs.h"
#include "traces/spike_trace.h"

namespace spiketlm::app {
namespace {

struct TraceArgs {
    std::string a, b, out;
    bool timing = false;
};

void setup(CLI::App& root) {
    static TraceArgs args;
    auto* cmd = root.add_subcommand("trace", "spike traces: compare and export");
    cmd->require_subcommand(1);
    auto* d = cmd->add_subcommand(
        "diff", "compare two spike traces on (frame, step, layer, neuron), with --timing also on cycle; exit 0 when "
        "equal, 1 otherwise");
    d->add_option("a", args.a, "first trace (.spk)")->required();
    d->add_option("b", args.b, "second trace (.spk)")->required();
    d->add_flag("--timing", args.timing,
                "also compare the cycle of every spike (both traces must come from timed runs)");
    d->callback([] {
        const auto ta = traces::read_trace(args.a);
        const auto tb = traces::read_trace(args.b);
        const auto r = traces::diff(ta.records, tb.records, args.a, args.b, args.timing);
        if (r.equal) {
            std::cout << "traces equal: " << r.compared << " spikes" << (args.timing ? ", same cycles" : "") << "\n";
            return;
        }
        std::cout << r.message << "\n";
        throw CLI::RuntimeError(1);
    });
    auto* e = cmd->add_subcommand("export", "write a spike trace as CSV");
    e->add_option("trace", args.a, "trace (.spk)")->required();
    e->add_option("--out,-o", args.out, "CSV file (default: stdout)");
    e->callback([] {
        const auto csv = traces::to_csv(traces::read_trace(args.a));
        if (args.out.empty()) std::cout << csv;
        else write_file_atomic(args.out, csv);
    });
}

const bool registered = register_command("trace", &setup);

}  // namespace
}  // namespace spiketlm::app
