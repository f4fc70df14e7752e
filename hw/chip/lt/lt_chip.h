#pragma once
// The loosely-timed chip (`chip.timing: lt`, docs/chip.md "Loosely-timed mode"): the same mapped
// network, the same PE arithmetic (hw/pe/sram/datapath.h, i.e. sw/snn/neuron.h) and therefore the
// reference's spikes, but no cycle-by-cycle simulation. Each timestep is computed as a sequence of
// transactions whose costs are annotated delays taken from the timing contract (docs/pe.md): the
// update engine's group decisions and routing reads, each NI's serialisation, the NoC's zero-load
// latency (docs/noc.md) plus a contention estimate (LtNoc below), and each PE's LOAD/COMPUTE per
// spike event. One SystemC thread (the timestep controller, the only initiator) runs ahead of
// SystemC time by its local time and synchronises through a tlm_utils::tlm_quantumkeeper when the
// quantum (`chip.lt.quantum_ns`) is used up: temporal decoupling. Cycles per frame are an estimate;
// on a chip without contention they equal the cycle-level chip's when COMPUTE keeps up with LOAD.
//
// Chip (hw/chip/chip.h) builds an LtChip instead of the cycle-level model when chip.timing is lt;
// callers do not see the difference except in FrameResult::cycles (estimated).
#include <cstdint>
#include <functional>
#include <memory>

#include <systemc>

#include "hw/chip/chip.h"

namespace spiketlm::chip::lt {

// True when the configuration asks for the loosely-timed chip (chip.timing: lt).
bool enabled(const cfg::Config& c);

class LtChip : public sc_core::sc_module {
  public:
    LtChip(sc_core::sc_module_name name, const cfg::Config& config, const snn::Network& net,
           const map::MappedNetwork& mapped, stats::Registry& stats, bool early_stop, std::uint64_t noise_seed);
    ~LtChip() override;

    void set_spike_callback(std::function<void(const ChipSpike&)> cb);
    // Runs one frame (sc_start until the controller has finished it); the frame starts at the
    // controller's local time (SystemC time plus what it runs ahead).
    FrameResult run_frame(const encode::SpikeTrain& input, std::uint64_t frame_index);

    double clock_mhz() const;
    std::uint64_t now_cycle() const;  // the controller's clock: where the next frame starts
    std::uint64_t total_cycles() const;
    report::NocTotals noc_totals() const;
    double pe_busy_fraction() const;
    std::uint64_t pe_busy_cycles(std::uint32_t node) const;  // 0 where no PE is placed
    std::uint64_t syncs() const;  // quantum-keeper synchronisations (waits on SystemC time)

    struct Impl;

  private:
    void controller();
    std::unique_ptr<Impl> m_impl;
};

}  // namespace spiketlm::chip::lt
