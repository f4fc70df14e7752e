#pragma once
// Spike traces: (frame, timestep, layer, neuron, pe, cycle) records in a compact binary file
// (`.spk`, format in docs/traces.md), CSV export, and the comparison used for golden checks.
// A comparison matches spikes on (frame, step, layer, neuron); with timing it also compares the
// cycle of every matched spike (pe is information only; the functional reference has no cycle).
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace spiketlm::traces {

struct SpikeRecord {
    std::uint32_t frame = 0;
    std::uint32_t step = 0;
    std::uint32_t layer = 0;
    std::uint32_t neuron = 0;
    std::int32_t pe = -1;          // -1: not known (reference)
    std::uint64_t cycle = kNoCycle;
    static constexpr std::uint64_t kNoCycle = ~std::uint64_t{0};

    // Canonical order and identity: (frame, step, layer, neuron).
    bool operator<(const SpikeRecord& o) const;
    bool same_spike(const SpikeRecord& o) const {
        return frame == o.frame && step == o.step && layer == o.layer && neuron == o.neuron;
    }
};

// Streams records to `path` through a temporary file; the trace appears only after close().
class TraceWriter {
  public:
    TraceWriter(std::string path, std::string source);
    ~TraceWriter();  // an unclosed writer removes its temporary file
    TraceWriter(const TraceWriter&) = delete;
    TraceWriter& operator=(const TraceWriter&) = delete;
    void add(const SpikeRecord& r);
    void close();
    std::uint64_t count() const { return m_count; }

  private:
    std::string m_path, m_tmp;
    std::ofstream m_out;
    std::uint64_t m_count = 0;
    bool m_closed = false;
};

struct Trace {
    std::string source;  // who wrote it: "reference", "chip", "rtl", ...
    std::vector<SpikeRecord> records;
};

// Reads and validates a trace; throws InputError naming the file on any corruption.
Trace read_trace(const std::string& path);
std::string to_csv(const Trace& t);

struct DiffResult {
    bool equal = true;
    bool cycle_difference = false;  // the first difference is a spike both have at different cycles
    std::uint64_t compared = 0;      // spikes matched before the first difference (or in total)
    std::string message;             // the first difference, human readable ("" when equal)
};
// Compares two traces in canonical order; reports the first divergence. With `timing`, a spike
// present in both must also carry the same cycle; a record without a cycle (kNoCycle, as the
// reference writes) then throws InputError naming the trace (name_a or name_b).
DiffResult diff(std::vector<SpikeRecord> a, std::vector<SpikeRecord> b, const std::string& name_a = "A",
                const std::string& name_b = "B", bool timing = false);

}  // namespace spiketlm::traces
