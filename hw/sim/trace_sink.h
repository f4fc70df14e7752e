#pragma once
// Activity observer for traces (traces/: VCD and Perfetto writers). A model holds a pointer that
// is null unless a trace was asked for; every call site tests it, so an untraced run pays one
// branch per event, never a wake-up. All cycles are chip cycles; intervals are [begin, end).
// A model may report an interval when it schedules it (before the cycle it describes), so a
// sink must not assume calls arrive in time order.
#include <cstdint>

namespace spiketlm::sim {

class TraceSink {
  public:
    // PE activity kinds (docs/pe.md): LOAD busy with one event (pop to the cycle after its last
    // synapse read), COMPUTE busy with one synapse word, the update engine running one timestep
    // (step start to its last group decision, stalls included), the frame reset's state writes,
    // and one input-FIFO slot held by an event (arrival to LOAD's pop, inclusive).
    enum class PeStage : std::uint8_t { load, compute, update, reset, fifo_slot };

    virtual ~TraceSink() = default;
    virtual void frame_begin(std::uint64_t frame, std::uint64_t cycle) = 0;
    virtual void frame_end(std::uint64_t frame, std::uint64_t cycle) = 0;
    virtual void step_start(std::uint32_t step, std::uint64_t cycle) = 0;
    // The barrier of `step`: closed in `begin`, the next step may start in `end`.
    virtual void barrier(std::uint32_t step, std::uint64_t begin, std::uint64_t end) = 0;
    // `node` is the PE's mesh node; `arg`: axon id (load, fifo_slot), synapse word index within
    // the row (compute), timestep (update), frame (reset).
    virtual void pe_interval(std::uint32_t node, PeStage stage, std::uint64_t begin, std::uint64_t end,
                             std::uint32_t arg) = 0;
    // One packet delivered to one destination: inject() cycle to the cycle its tail reached
    // the destination NI and the endpoint took it.
    virtual void packet(std::uint32_t src, std::uint32_t dst, std::uint64_t injected, std::uint64_t delivered,
                        std::uint32_t hops, std::uint32_t flits, bool to_host) = 0;
    // A packet entered (+1) or left (-1, its last copy started sending) the NI injection queue of `node`.
    virtual void injection_queue(std::uint32_t node, std::uint64_t cycle, int delta) = 0;
    // A packet's head flit left router `router` through output `port` (0 local, 1 north, 2 east,
    // 3 south, 4 west; hw/noc/routing.h) in `cycle` (it enters the output channel then); one call
    // per router a packet (or a multicast branch) crosses. `src` and `injected` identify the packet.
    virtual void hop(std::uint32_t /*router*/, unsigned /*port*/, std::uint32_t /*src*/, std::uint64_t /*injected*/,
                     std::uint64_t /*cycle*/) {}
};

}  // namespace spiketlm::sim
