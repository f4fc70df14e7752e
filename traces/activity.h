#pragma once
// Chip activity for the VCD and Perfetto writers (traces/vcd.h, traces/perfetto.h): an
// ActivityRecorder is the chip's sim::TraceSink; it keeps what happens in a window of frames,
// limited to the chosen scopes, in memory until the writers turn it into files.
//
//   traces::ActivityRecorder rec(traces::parse_scopes({"chip", "pe"}, "trace.scopes"), 0, 1);
//   chip.set_trace_sink(&rec);  ... run frames ...
//   write_vcd_file(rec.activity(), "trace.vcd");
#include <cstdint>
#include <string>
#include <vector>

#include "hw/sim/trace_sink.h"

namespace spiketlm::traces {

// What a trace holds (config key trace.scopes).
enum Scope : unsigned {
    kScopeChip = 1u << 0,     // frames, timesteps, barriers
    kScopePe = 1u << 1,       // LOAD, COMPUTE, update, reset intervals
    kScopeFifo = 1u << 2,     // input-FIFO occupancy
    kScopeNi = 1u << 3,       // NI injection-queue occupancy
    kScopePackets = 1u << 4,  // packet lifetimes (Perfetto only)
    kScopeHops = 1u << 5,     // every router a packet's head crosses (Perfetto only; not by default)
};
// The scope names, in the order above.
const std::vector<std::string>& scope_names();
// Names -> bitmask; throws InputError naming `key` and the known scopes on an unknown or empty list.
unsigned parse_scopes(const std::vector<std::string>& names, const std::string& key);

using PeStage = sim::TraceSink::PeStage;
const char* stage_name(PeStage s);  // load, compute, update, reset, fifo_slot

struct PeInterval {
    std::uint32_t node;
    PeStage stage;
    std::uint64_t begin, end;  // cycles, [begin, end)
    std::uint32_t arg;         // see sim::TraceSink::pe_interval
};
struct PacketLife {
    std::uint32_t src, dst;
    std::uint64_t injected, delivered;
    std::uint32_t hops, flits;
    bool to_host;
};
struct Hop {
    std::uint32_t router;
    unsigned port;             // output port (0 local, 1 north, 2 east, 3 south, 4 west)
    std::uint32_t src;
    std::uint64_t injected, cycle;
};
struct QueueChange {
    std::uint32_t node;
    std::uint64_t cycle;
    int delta;
};
struct StepSpan {
    std::uint64_t frame;
    std::uint32_t step;
    std::uint64_t start;                       // update broadcast
    std::uint64_t barrier = 0, end = 0;        // barrier closes / next step may start
};
struct FrameSpan {
    std::uint64_t frame;
    std::uint64_t begin, end = 0;
};

struct Activity {
    unsigned scopes = 0;
    double clock_mhz = 0;
    std::uint32_t mesh_width = 0, mesh_height = 0;
    std::vector<FrameSpan> frames;
    std::vector<StepSpan> steps;
    std::vector<PeInterval> pe;        // PE stages and FIFO slots, in report order (not time order)
    std::vector<PacketLife> packets;   // in delivery order
    std::vector<QueueChange> queue;    // injection queues, in time order
    std::vector<Hop> hops;             // head flits leaving routers, in time order
    // Mesh nodes with any recorded PE interval or queue change, ascending.
    std::vector<std::uint32_t> active_nodes() const;
};

// Records chip frames with index first_frame .. last_frame (chip frame indices, inclusive).
class ActivityRecorder final : public sim::TraceSink {
  public:
    ActivityRecorder(unsigned scopes, std::uint64_t first_frame, std::uint64_t last_frame, double clock_mhz,
                     std::uint32_t mesh_width, std::uint32_t mesh_height);
    const Activity& activity() const { return m_a; }

    void frame_begin(std::uint64_t frame, std::uint64_t cycle) override;
    void frame_end(std::uint64_t frame, std::uint64_t cycle) override;
    void step_start(std::uint32_t step, std::uint64_t cycle) override;
    void barrier(std::uint32_t step, std::uint64_t begin, std::uint64_t end) override;
    void pe_interval(std::uint32_t node, PeStage stage, std::uint64_t begin, std::uint64_t end,
                     std::uint32_t arg) override;
    void packet(std::uint32_t src, std::uint32_t dst, std::uint64_t injected, std::uint64_t delivered,
                std::uint32_t hops, std::uint32_t flits, bool to_host) override;
    void injection_queue(std::uint32_t node, std::uint64_t cycle, int delta) override;
    void hop(std::uint32_t router, unsigned port, std::uint32_t src, std::uint64_t injected,
             std::uint64_t cycle) override;

  private:
    bool has(unsigned s) const { return m_on && (m_a.scopes & s); }
    Activity m_a;
    std::uint64_t m_first, m_last;
    bool m_on = false;
};

// A piecewise-constant signal as (cycle, value) changes, from +/- deltas at cycles: the value in
// cycle c is the sum of the deltas at cycles <= c. Consecutive equal values are merged.
struct Change {
    std::uint64_t cycle;
    std::int64_t value;
};
std::vector<Change> level_from_deltas(std::vector<std::pair<std::uint64_t, std::int64_t>> deltas);

// Writes `content` to `path` through a temporary file in the same folder and a rename, so a trace
// file that exists is complete. Throws Error naming the path on failure.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace spiketlm::traces
