#pragma once
// The reporter: the one place where raw totals become derived figures (accuracy, per-frame
// averages, µs at the clock, pJ/SOP). Models and commands hand over counts; report.json,
// report.md and the terminal summary come from here. Schema: docs/report.md.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace spiketlm::report {

constexpr int kSchemaVersion = 1;

struct EnergyTotals {
    double dynamic_pj = 0;
    double leakage_pj = 0;
    std::map<std::string, double> by_class_pj;   // component class
    std::map<std::string, double> by_group_pj;   // layer / group
    std::map<std::string, double> by_action_pj;  // class.action
    // Parts (array, adc, periphery, digital, noc, other, leakage; hw/power energy_part): dynamic
    // parts are Σ count × pJ of their classes' actions, "leakage" all leakage. Empty: not shown.
    std::map<std::string, double> by_part_pj;
    // Programming the weights (NVM): once per run, not per frame and not in dynamic_pj.
    std::optional<double> programming_pj;
    std::string table_name, table_file, technology;
    // How each action / leakage was priced (model or fixed table entry): hw/power pricing_json.
    nlohmann::json pricing;
};

struct NocTotals {
    std::uint64_t packets = 0;
    std::uint64_t flit_hops = 0;
    std::uint64_t hops_sum = 0;            // over delivered packets (per destination)
    std::uint64_t latency_sum_cycles = 0;  // over delivered packets (per destination)
    std::uint64_t deliveries = 0;          // packet deliveries (multicast counts each destination)
};

struct RunTotals {
    std::string name;
    std::string mode;     // "chip" or "reference"
    std::string model;    // model directory
    std::string dataset;  // e.g. fashion-mnist/test
    std::string config_hash;
    std::uint64_t seed = 0;

    std::uint64_t frames = 0;
    std::uint64_t correct = 0;
    std::uint64_t undecided = 0;     // frames with no output decision
    std::uint64_t input_spikes = 0;  // encoded input spikes
    std::uint64_t spikes = 0;        // neuron spikes (all layers)
    std::uint64_t synops = 0;        // synaptic operations
    std::uint64_t timesteps = 0;     // simulated timesteps (all frames)
    std::map<std::string, std::uint64_t> spikes_by_layer;

    std::optional<std::uint64_t> cycles;  // chip only: total cycles over all frames
    double clock_mhz = 0;
    std::optional<EnergyTotals> energy;
    std::optional<NocTotals> noc;
    std::map<std::string, double> utilization;  // e.g. pe.busy_fraction, mean over PEs

    double sim_wall_s = 0;            // timing field
    std::uint64_t sim_events = 0;     // events the simulator processed (for events/s)
    nlohmann::json extra = nlohmann::json::object();
};

nlohmann::json make_report_json(const RunTotals& t);

// Merging runs of disjoint frame sets (frame-parallel and sharded runs, docs/chip.md).
// totals_to_json holds every field of RunTotals exactly (integers as integers, doubles
// round-trip), totals_from_json reads it back (throws InputError naming `what` when malformed).
nlohmann::json totals_to_json(const RunTotals& t);
RunTotals totals_from_json(const nlohmann::json& j, const std::string& what);
// Adds `part` to `into`: every count (frames, correct, spikes, cycles, NoC totals, events, ...)
// summed, spikes by layer per layer, sim_wall_s the larger. Energy and utilisation are not sums:
// they are left as they are in `into`, for the caller to recompute from the merged statistics.
// The descriptive fields (name, mode, model, dataset, config hash, seed, clock, extra) must be
// equal; a difference throws InputError naming the field and `what` (e.g. the part's file).
void add_totals(RunTotals& into, const RunTotals& part, const std::string& what);
std::string make_report_md(const nlohmann::json& report);
// A short terminal summary (the lines `make demo` prints).
std::string summary_text(const nlohmann::json& report);
// Fields that depend on wall-clock time (excluded when comparing runs for determinism).
const std::vector<std::string>& timing_fields();

}  // namespace spiketlm::report
