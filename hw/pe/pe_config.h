#pragma once
// Processing-element parameters (`chip.pe.*` timing and memories), read once from the run
// configuration. The capacities the mapper uses (neurons, synapse words, ...) are declared in
// sw/map/capacity.cpp; this adds the timing. The timing contract is docs/pe.md.
#include <cstdint>
#include <string>

#include "hw/mem/sram.h"
#include "sw/map/partition.h"
#include "sw/nvm/device.h"

namespace spiketlm::cfg {
class Config;
}

namespace spiketlm::pe {

struct PeConfig {
    std::string kind = "sram";                // PE kind by registered name (hw/pe/pe_if.h)
    map::PeCapacity capacity;                 // from chip.pe.* (sw/map/capacity.cpp)
    std::uint32_t input_fifo_depth = 16;      // spike events waiting for LOAD
    std::uint32_t word_fifo_depth = 4;        // synapse words between LOAD and COMPUTE
    std::uint32_t load_words_per_cycle = 1;   // synapse word reads LOAD issues per cycle
    std::uint32_t lanes = 8;                  // weights COMPUTE accumulates per cycle
    std::uint32_t update_lanes = 4;           // neurons the update engine handles per cycle
    bool event_driven_update = false;         // skip groups of neurons at rest without input (docs/pe.md)
    mem::SramConfig synapse, axon, state, route;  // geometry + latency of the SRAMs (accumulators: capacity)
    nvm::DeviceParams nvm;                    // crossbars of the `nvm` kind (nvm.*, sw/nvm/nvm_config.h)
    struct Rtl {                              // the `rtl` kind (rtl.*, docs/rtl.md)
        bool trace = false;                   // VCD of every RTL PE
        std::string trace_dir = ".";          // where: rtl-<pe path>.vcd
    } rtl;

    static PeConfig from(const cfg::Config& c);
    void validate() const;  // throws InputError naming the key
};

// The neuron-state SRAM of docs/pe.md: one word holds the update_lanes neurons the update engine
// handles in one cycle.
inline mem::SramConfig state_sram_config(const PeConfig& c) {
    mem::SramConfig s = c.state;
    s.words = (c.capacity.neurons + c.update_lanes - 1) / c.update_lanes;
    s.width_bits = c.state.width_bits * c.update_lanes;
    return s;
}
// The accumulators: acc_slots timestep slots of one accumulator per neuron, a read and a write
// port (read-modify-write).
inline mem::SramConfig acc_sram_config(const PeConfig& c) {
    mem::SramConfig s;
    s.words = c.capacity.acc_slots * c.capacity.neurons;
    s.width_bits = c.capacity.acc_bits;
    s.banks = 1;
    s.ports_per_bank = 2;
    s.energy_class = "sram_acc";
    return s;
}

// Chip-level timing of the timestep loop.
struct ChipTiming {
    std::uint32_t barrier_cycles = 4;       // cost of the timestep barrier (done-tree + broadcast)
    std::uint32_t host_inject_per_cycle = 1;  // input spike packets the host interface writes per cycle
    double clock_mhz = 200.0;
    static ChipTiming from(const cfg::Config& c);
};

}  // namespace spiketlm::pe
