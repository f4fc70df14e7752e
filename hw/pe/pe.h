#pragma once
// Processing element: input spike FIFO -> LOAD -> word FIFO -> COMPUTE -> accumulators, and the
// update engine (neuron datapath of sw/snn/neuron.h, STORE: state write-back, spike emission
// through the routing table into the NoC). Purpose-split SRAMs: synapse, axon table, neuron
// state, routing table. Timing contract: docs/pe.md.
//
// LOAD and COMPUTE are evaluated lazily and exactly: an event's schedule (pop cycle, each
// synapse word's read and accumulate cycle, FIFO credits, bank conflicts) depends only on the
// events before it, so it is computed when the event arrives (or, for events that arrive during
// the update, when the update ends). No per-cycle work is spent on them. The update engine runs
// cycle by cycle, because its progress depends on the NoC accepting packets.
//
// The PE is driven by its tile (hw/chip/tile.h), which owns the NI and calls the PE in the
// tile's commit phase.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hw/mem/sram.h"
#include "hw/pe/pe_config.h"
#include "sw/map/mapper.h"
#include "sw/snn/neuron.h"
#include "tlm/spike_packet.h"

namespace spiketlm::stats {
class Counter;
class Registry;
}  // namespace spiketlm::stats

namespace spiketlm::pe {

using proto::Cycle;

// A spike emitted by a PE (for traces and the host).
struct EmittedSpike {
    std::uint32_t layer, neuron, step;
    std::int32_t v;  // membrane before reset (output ties)
    Cycle cycle;
};

// Packet kinds (SpikePacket::tag).
enum PacketKind : std::uint64_t { kSpikeToPe = 0, kSpikeToHost = 1 };

class Pe {
  public:
    struct Port {
        std::function<void(const EmittedSpike&)> on_spike;   // trace (may be empty)
    };

    Pe(std::string path, const PeConfig& cfg, const map::MappedNetwork& mapped, const map::PeImage& image,
       const snn::Layer& layer, std::uint64_t noise_seed, stats::Registry& stats, Port port);

    // --- input side (the tile's ejection handler) ---
    // True when the input FIFO has a free slot in cycle `now`.
    bool can_accept(Cycle now);
    // An event for axon `axon`, emitted in step `emit_step`, arrives in cycle `now`.
    void accept(Cycle now, std::uint32_t axon, std::uint32_t emit_step);
    // The first cycle after `now` with a free FIFO slot (for resuming a refused ejection);
    // kNever while only the end of the running update can free one.
    Cycle next_slot_free(Cycle now) const;

    // --- frame and timestep control (the chip controller) ---
    void begin_frame(std::uint64_t frame, Cycle now);  // clears neuron state and accumulators (reset writes from `now`)
    // Starts the update of `step` in cycle `now`; returns the first cycle the tile must call update().
    Cycle begin_update(std::uint32_t step, Cycle now);
    // One update-engine cycle. Returns the next cycle it needs (kNever when the update is done).
    Cycle update(Cycle now);
    // The spike buffer (one packet per spike, in emission order) that the tile drains into the
    // NI, one packet per cycle while the NI has room. It holds a whole step's spikes (at most
    // one per neuron), so the update never waits for the network.
    bool has_packet() const { return !m_out.empty(); }
    proto::SpikePacket pop_packet();
    bool updating() const { return m_updating; }
    // True when nothing is left to do in or after `now`: no update, no event queued or in LOAD/COMPUTE.
    bool quiet(Cycle now) const;
    Cycle busy_until() const { return m_busy_until; }

    std::uint32_t node() const { return m_image.node; }
    std::uint32_t layer_index() const { return m_image.layer; }
    std::uint32_t frame_reset_cycles() const;
    std::uint64_t busy_cycles() const { return m_busy_cycles; }
    std::uint64_t synops() const;

  private:
    struct Event {
        Cycle arrive;
        std::uint32_t axon, emit_step;
    };
    void schedule(const Event& e);  // LOAD/COMPUTE timing + accumulation of one event
    std::vector<std::int64_t>& acc_for(std::uint32_t step);

    std::string m_path;
    PeConfig m_cfg;
    const map::MappedNetwork& m_mapped;
    const map::PeImage& m_image;
    const snn::Layer& m_layer;
    std::uint64_t m_noise_seed;
    Port m_port;
    bool m_to_host;  // this PE's spikes go to the host (output layer)

    mem::Sram m_syn, m_axon, m_state, m_route;

    // Neuron state and accumulators (a ring of delay+2 steps: the current step and the ones
    // events may already target).
    std::vector<snn::NeuronState> m_neurons;
    std::vector<std::vector<std::int64_t>> m_acc;
    std::uint64_t m_frame = 0;

    // Input FIFO: pop cycles of scheduled events not yet popped (ascending), and events that
    // arrived during an update (scheduled when it ends).
    std::deque<Cycle> m_fifo_pops;
    std::vector<Event> m_pending;

    // LOAD / COMPUTE schedule.
    Cycle m_load_free = 0;       // first cycle LOAD may pop the next event
    Cycle m_issue_cycle = 0;     // cycle of the latest synapse word read
    std::uint32_t m_issued_in_cycle = 0;
    std::vector<Cycle> m_word_pops;  // ring: cycle COMPUTE popped each of the last depth words
    std::uint64_t m_words_seen = 0;
    Cycle m_compute_free = 0;    // first cycle COMPUTE may start the next word
    Cycle m_busy_until = 0;      // last LOAD/COMPUTE activity ends before this cycle
    std::uint64_t m_busy_cycles = 0;

    std::deque<proto::SpikePacket> m_out;  // spike buffer

    // Update engine.
    bool m_updating = false;
    std::uint32_t m_update_step = 0;
    std::uint32_t m_next_neuron = 0;
    Cycle m_update_end = 0;      // LOAD may pop from this cycle on

    stats::Counter* m_events;
    stats::Counter* m_refusals;
    stats::Counter* m_synops;
    stats::Counter* m_words;
    stats::Counter* m_updates;
    stats::Counter* m_spikes;
    stats::Counter* m_spike_push;
    stats::Counter* m_spike_pop;
    stats::Counter* m_fifo_push;
    stats::Counter* m_fifo_pop;
    stats::Counter* m_wfifo_push;
    stats::Counter* m_acc_adds;
};

}  // namespace spiketlm::pe
