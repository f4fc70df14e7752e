#pragma once
// The `sram` PE kind (the default): input spike FIFO -> LOAD -> word FIFO -> COMPUTE ->
// accumulators, and the update engine (neuron datapath of sw/snn/neuron.h) -> STORE (state
// write-back, routing-table reads, spike packets into the NI's injection queue). Purpose-split
// SRAMs: synapse, axon table, neuron state, routing table, accumulators. Timing contract:
// docs/pe.md; the PE contract: hw/pe/pe_if.h.
//
// LOAD and COMPUTE are evaluated lazily and exactly: an event's schedule (pop cycle, each
// synapse word's read and accumulate cycle, FIFO credits, bank conflicts) depends only on the
// events before it, so it is computed when the event arrives (or, for events that arrive during
// the update, when the update ends). No per-cycle work is spent on them; the PE asks for a tick
// in the cycle its LOAD/COMPUTE work ends, so that its done signal rises on time. The update
// engine and STORE run tick by tick, because they depend on the NI's free injection slots.
#include <cstdint>
#include <deque>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "hw/mem/sram.h"
#include "hw/pe/pe_config.h"
#include "hw/pe/pe_counters.h"
#include "hw/pe/pe_if.h"
#include "hw/pe/sram/datapath.h"
#include "sw/snn/neuron.h"
#include "tlm/spike_packet.h"

namespace spiketlm::stats {
class Counter;
}
namespace spiketlm::sim {
class TraceSink;
}

namespace spiketlm::pe {

class SramPe final : public ProcessingElement {
  public:
    explicit SramPe(const PeContext& ctx);

    bool in_ready(Cycle now) override;
    void in_push(Cycle now, std::uint32_t axon, std::uint32_t emit_step) override;
    void frame_reset(std::uint64_t frame, Cycle now) override;
    void step_start(std::uint32_t step, Cycle now) override;
    bool done(Cycle now) const override;
    void tick(Cycle now) override;
    std::uint32_t node() const override;
    std::uint64_t synops() const override;
    std::uint64_t busy_cycles() const override;
    bool peek_state(std::uint32_t n, snn::NeuronState& out) const override {
        if (n >= m_neurons.size()) return false;
        out = m_neurons[n];
        return true;
    }

    // Inspection for the timing tests of this kind (not part of the PE contract).
    Cycle busy_until() const { return m_busy_until; }  // LOAD/COMPUTE/reset activity ends before this cycle
    bool updating() const { return m_updating; }
    std::uint32_t frame_reset_cycles() const;
    // The first cycle after `now` in which the input FIFO has a free slot.
    Cycle next_slot_free(Cycle now) const;

  private:
    struct Event {
        Cycle arrive;
        std::uint32_t axon, emit_step;
    };
    struct Outgoing {
        Cycle ready;  // routing data arrives: the packet enters the NI in this cycle
        proto::SpikePacket packet;
    };
    void schedule(const Event& e);  // LOAD/COMPUTE timing + accumulation of one event
    void update_group(Cycle now);   // one cycle of the update engine
    void want_tick(Cycle now);      // re-requests the earliest tick still needed
    // Event-driven update: moves m_next_neuron to the next group with a live neuron (a weight
    // added this step, or not at rest) and sets m_update_at (no earlier than `earliest`); without
    // one, the update ends when the activity-bit scan does.
    void seek_live_group(Cycle earliest);
    void finish_update(Cycle now);
    std::vector<std::int64_t>& acc_for(std::uint32_t step);

    std::string m_path;
    PeConfig m_cfg;
    const map::MappedNetwork& m_mapped;
    const map::PeImage& m_image;
    const snn::Layer& m_layer;
    std::uint64_t m_noise_seed;
    PeEnv& m_env;
    bool m_to_host;     // this PE's spikes go to the host (output layer)

    mem::Sram m_syn, m_axon, m_state, m_route, m_accmem;

    // Neuron state and accumulators (a ring of delay+2 steps: the current step and the ones
    // events may already target).
    std::vector<snn::NeuronState> m_neurons;
    std::vector<std::vector<std::int64_t>> m_acc;
    std::uint64_t m_frame = 0;

    // Input FIFO: pop cycles of the events not yet popped (ascending).
    std::deque<Cycle> m_fifo_pops;

    // LOAD / COMPUTE schedule.
    Cycle m_load_free = 0;       // first cycle LOAD may pop the next event
    Cycle m_issue_cycle = 0;     // cycle of the latest synapse word read
    std::uint32_t m_issued_in_cycle = 0;
    std::vector<Cycle> m_word_pops;  // ring: cycle COMPUTE popped each of the last depth words
    std::uint64_t m_words_seen = 0;
    std::uint32_t m_word_pos = 0;    // m_words_seen % word_fifo_depth
    std::vector<Cycle> m_compute_cycles;  // COMPUTE cycles of a word by its valid weights
    Cycle m_compute_free = 0;    // first cycle COMPUTE may start the next word
    Cycle m_busy_until = 0;      // LOAD/COMPUTE (and frame reset) activity ends before this cycle
    Cycle m_ready_wake = kNever; // a refused push: tick when the FIFO frees a slot

    // Update engine and STORE.
    bool m_updating = false;
    NeuronDatapath m_dp;                      // the layer's neuron datapath
    std::vector<snn::NeuronState> m_next;     // the group's decided states (update_lanes)
    std::vector<std::int64_t>* m_cur_acc = nullptr;  // accumulators of the step being updated
    // Event-driven update (chip.pe.event_driven_update on a layer whose rest state is a fixed point).
    bool m_event_driven = false;
    std::vector<std::vector<std::uint8_t>> m_touched;  // per accumulator slot: a weight was added
    std::unique_ptr<mem::Sram> m_bits;                 // the activity bits (docs/pe.md)
    Cycle m_scan_end = 0;                              // the update is not over before this cycle
    std::uint32_t m_update_step = 0;
    std::uint32_t m_next_neuron = 0;
    Cycle m_update_at = kNever;  // cycle of the next group decision
    Cycle m_route_next = 0;      // earliest cycle for the next routing-table read
    std::deque<Outgoing> m_store;  // spike packets waiting for their routing data (slots claimed)
    Cycle m_update_begin = 0;      // step start of the running update (for traces)
    sim::TraceSink* m_trace = nullptr;  // the env's, taken at each frame reset

    std::optional<PeCounters> m_c;  // action counts and counters (registered after the SRAMs)
};

}  // namespace spiketlm::pe
