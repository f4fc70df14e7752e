#pragma once
// The chip: a W×H mesh (hw/noc) whose every node is a tile (NI + PE, and at the host node the
// host interface), built from a chip configuration and a mapped network, plus the timestep
// controller (reset, update broadcast, barrier, early stop). One CycleScheduler clocks it all,
// so PE and NoC timing is cycle-exact. Timing contract: docs/pe.md; spikes equal the sw/snn
// reference's bit for bit. With `chip.timing: lt` the loosely-timed model (hw/chip/lt) runs behind
// the same interface instead: the same spikes, cycles estimated (docs/chip.md).
//
//   chip::Chip chip("chip", config, net, mapped, stats);
//   chip::FrameResult r = chip.run_frame(spikes, frame_index);   // many frames, one elaboration
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <systemc>

#include "sw/encode/spike_train.h"
#include "sw/report/report.h"

namespace spiketlm {
namespace cfg {
class Config;
}
namespace snn {
struct Network;
}
namespace map {
struct MappedNetwork;
}
namespace stats {
class Registry;
}
namespace sim {
class TraceSink;
}
namespace pe {
class ProcessingElement;
}
}  // namespace spiketlm

namespace spiketlm::chip {

namespace lt {
class LtChip;
}

struct FrameResult {
    int decision = -1;
    int first_output_step = -1;
    std::uint32_t steps = 0;              // timesteps simulated
    std::uint64_t start_cycle = 0;        // cycle the frame (its reset) started
    std::uint64_t cycles = 0;             // frame start (reset) to the end of the last barrier
    std::uint64_t input_spikes = 0;
    std::vector<std::uint64_t> spikes_per_layer;
    std::uint64_t synops = 0;
};

// A spike as the chip emits it (for traces): frame, step, layer, neuron, PE node, cycle.
struct ChipSpike {
    std::uint64_t frame;
    std::uint32_t step, layer, neuron, node;
    std::uint64_t cycle;
};

class Chip : public sc_core::sc_module {
  public:
    // `early_stop`: end a frame after the step of its first output spike (decode first_spike only).
    // `noise_seed`: seed of stochastic neurons' noise (as the reference's SimOptions::noise_seed).
    Chip(sc_core::sc_module_name name, const cfg::Config& config, const snn::Network& net,
         const map::MappedNetwork& mapped, stats::Registry& stats, bool early_stop, std::uint64_t noise_seed);
    ~Chip() override;

    void set_spike_callback(std::function<void(const ChipSpike&)> cb);
    // Activity trace (hw/sim/trace_sink.h): frames, steps, barriers, PE stages, packets, NI
    // queues from the next frame on. Null (the default) traces nothing; the sink must outlive the runs.
    void set_trace_sink(sim::TraceSink* sink);
    FrameResult run_frame(const encode::SpikeTrain& input, std::uint64_t frame_index);
    // Platform mode (hw/chip/tlm): starts a frame at the current SystemC time and returns at once;
    // the scheduler runs free inside the caller's simulation (it never calls sc_start) and
    // `on_done` is called from the scheduler's process at the frame's last cycle. `input` must
    // live until then. Do not mix with run_frame in one simulation.
    void start_frame(const encode::SpikeTrain& input, std::uint64_t frame_index,
                     std::function<void(const FrameResult&)> on_done);
    bool frame_running() const;
    // The PE at mesh node `node` (null where there is none).
    const pe::ProcessingElement* pe_at(std::uint32_t node) const;
    // LOAD/COMPUTE busy cycles of the PE at `node` so far, in either timing mode (0: no PE there).
    std::uint64_t pe_busy_cycles(std::uint32_t node) const;

    double clock_mhz() const;
    // The chip's clock: the cycle the next frame starts in (cycle-level: the scheduler's; LT: the
    // controller's, which runs ahead of SystemC time by up to a quantum).
    std::uint64_t now_cycle() const;
    std::uint64_t total_cycles() const;   // cycles of every frame run so far
    report::NocTotals noc_totals() const;  // the mesh's totals (hw/noc: one count of each thing)
    double pe_busy_fraction() const;       // mean over PEs of LOAD/COMPUTE busy cycles / cycles
    std::uint64_t scheduler_evaluations() const;

    struct Impl;

  private:
    std::unique_ptr<Impl> m_impl;
    std::unique_ptr<lt::LtChip> m_lt;  // chip.timing: lt (hw/chip/lt): the loosely-timed model instead
};

}  // namespace spiketlm::chip
