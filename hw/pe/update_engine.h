#pragma once
// The update engine and STORE that the PE kinds built on the neuron datapath share (docs/pe.md:
// update engine, STORE): at a step start the owner hands over one input current per neuron and
// the cycle of the first group decision; from then on, one group of update_lanes neurons per
// cycle is decided on copies (sw/snn/neuron.h), and proceeds only if the NI's injection queue has
// a free slot for each of its spikes (otherwise the cycle is an injection stall); a group that
// proceeds reads and writes its state word, clears its currents, counts the neuron actions, and
// each spike reads the routing table (one read per spike, in neuron order) and enters the NI when
// the read data arrives. The owner keeps everything before the currents (LOAD/COMPUTE, crossbar
// reads) and its own timing; it calls tick() in every cycle it is ticked and adds next_tick()
// to the ticks it requests. The owner registers the counters (its stats order) and the SRAMs.
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "hw/mem/sram.h"
#include "hw/pe/pe_config.h"
#include "hw/pe/pe_if.h"
#include "sw/snn/neuron.h"
#include "tlm/spike_packet.h"

namespace spiketlm::stats {
class Counter;
}

namespace spiketlm::pe {

class UpdateEngine {
  public:
    struct Counters {
        stats::Counter* updates = nullptr;     // neuron.update
        stats::Counter* mults = nullptr;       // neuron.multiply
        stats::Counter* noise = nullptr;       // neuron.noise_draw
        stats::Counter* spikes = nullptr;      // neuron.spike
        stats::Counter* inj_stalls = nullptr;  // <pe>.injection_stall_cycles
    };

    // `cfg`, `state` and `route`: the owner's configuration (kept by reference), state SRAM (one
    // word per update_lanes neurons) and routing table.
    UpdateEngine(const PeContext& ctx, const PeConfig& cfg, mem::Sram& state, mem::Sram& route);
    void bind(const Counters& c) { m_c = c; }

    // Neuron state back to rest for `frame` (the frame keys the neuron noise). Throws if a
    // timestep is still running.
    void frame_reset(std::uint64_t frame);
    // Starts the update of `step`: the first group is decided in cycle `first_decision` (a tick
    // is requested for it); `currents` holds one input current per neuron of the group, each
    // cleared when its neuron's group proceeds. Throws if an update is running.
    void start(std::uint32_t step, Cycle first_decision, std::int64_t* currents);
    // One cycle: STORE pushes the packets whose routing data has arrived into the NI, then a
    // group is decided if one is due. Returns the neurons whose group proceeded (0: none).
    std::uint32_t tick(Cycle now);
    // The earliest cycle after `now` the engine needs a tick in (kNever: none).
    Cycle next_tick(Cycle now) const;

    bool updating() const { return m_updating; }
    bool idle() const { return !m_updating && m_store.empty(); }
    std::uint32_t step() const { return m_step; }  // the step being (or last) updated; 0 after a reset
    const std::vector<snn::NeuronState>& neurons() const { return m_neurons; }

  private:
    struct Outgoing {
        Cycle ready;  // routing data arrives: the packet enters the NI in this cycle
        proto::SpikePacket packet;
    };
    std::uint32_t update_group(Cycle now);

    std::string m_path;
    const PeConfig& m_cfg;
    const map::MappedNetwork& m_mapped;
    const map::PeImage& m_image;
    const snn::Layer& m_layer;
    std::uint64_t m_noise_seed;
    PeEnv& m_env;
    mem::Sram& m_state;
    mem::Sram& m_route;
    bool m_to_host;  // this PE's spikes go to the host (output layer)
    Counters m_c;

    std::vector<snn::NeuronState> m_neurons;
    std::uint64_t m_frame = 0;
    bool m_updating = false;
    std::uint32_t m_step = 0;
    std::uint32_t m_next_neuron = 0;
    std::int64_t* m_currents = nullptr;
    Cycle m_update_at = kNever;  // cycle of the next group decision
    Cycle m_route_next = 0;      // earliest cycle for the next routing-table read
    std::deque<Outgoing> m_store;  // spike packets waiting for their routing data (slots claimed)
};

}  // namespace spiketlm::pe
