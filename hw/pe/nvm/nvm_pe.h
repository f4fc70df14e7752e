#pragma once
// The `nvm` PE kind: the sram kind's structure (input FIFO, update engine, STORE with the
// routing table) with the synapse SRAM and COMPUTE replaced by crossbar arrays (sw/nvm). Per
// event: the row driver activates the source's row for its delivery step (one cycle per event).
// Per timestep, at step start: every array column with an active row is read and converted by
// the ADCs (cols_per_adc columns share one ADC: rounds x adc_cycles), the digital side
// shift-adds slices, pairs and row tiles, then the update engine runs the neuron datapath on
// those currents exactly as the sram kind does. The currents come from
// nvm::LayerCrossbar::read, the function the reference calls, so spikes equal the reference's
// with every non-ideality on. PE contract: hw/pe/pe_if.h; docs/nvm.md.
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "hw/mem/sram.h"
#include "hw/pe/pe_config.h"
#include "hw/pe/pe_if.h"
#include "sw/nvm/crossbar.h"
#include "sw/snn/neuron.h"
#include "tlm/spike_packet.h"

namespace spiketlm::stats {
class Counter;
}

namespace spiketlm::pe {

class NvmPe final : public ProcessingElement {
  public:
    explicit NvmPe(const PeContext& ctx);

    bool in_ready(Cycle now) override;
    void in_push(Cycle now, std::uint32_t axon, std::uint32_t emit_step) override;
    void frame_reset(std::uint64_t frame, Cycle now) override;
    void step_start(std::uint32_t step, Cycle now) override;
    bool done(Cycle now) const override;
    void tick(Cycle now) override;
    std::uint32_t node() const override;
    std::uint64_t synops() const override;
    std::uint64_t busy_cycles() const override { return m_busy_cycles; }

    const nvm::LayerCrossbar& crossbar() const { return m_xbar; }

  private:
    struct Outgoing {
        Cycle ready;
        proto::SpikePacket packet;
    };
    void update_group(Cycle now);
    void want_tick(Cycle now);
    std::vector<std::uint32_t>& rows_for(std::uint32_t step) { return m_rows[step % m_rows.size()]; }

    std::string m_path;
    PeConfig m_cfg;
    const map::MappedNetwork& m_mapped;
    const map::PeImage& m_image;
    const snn::Layer& m_layer;
    std::uint64_t m_noise_seed;
    PeEnv& m_env;
    bool m_to_host = false;
    nvm::LayerCrossbar m_xbar;

    mem::Sram m_state, m_route;

    std::vector<snn::NeuronState> m_neurons;
    std::vector<std::vector<std::uint32_t>> m_rows;  // ring of delay+2 steps: active rows per delivery step
    std::vector<std::int64_t> m_acc;                 // currents of the step being updated
    std::uint64_t m_frame = 0;

    std::deque<Cycle> m_fifo_pops;
    Cycle m_load_free = 0;
    Cycle m_busy_until = 0;
    std::uint64_t m_busy_cycles = 0;
    Cycle m_ready_wake = kNever;

    bool m_updating = false;
    std::uint32_t m_update_step = 0;
    std::uint32_t m_next_neuron = 0;
    Cycle m_update_at = kNever;
    Cycle m_route_next = 0;
    std::deque<Outgoing> m_store;

    stats::Counter* m_events;
    stats::Counter* m_synops;
    stats::Counter* m_inj_stalls;
    stats::Counter* m_fifo_push;
    stats::Counter* m_fifo_pop;
    stats::Counter* m_row_act;
    stats::Counter* m_col_read;
    stats::Counter* m_adc_conv;
    stats::Counter* m_shift_add;
    stats::Counter* m_program;
    stats::Counter* m_updates;
    stats::Counter* m_mults;
    stats::Counter* m_noise;
    stats::Counter* m_spikes;
};

}  // namespace spiketlm::pe
