#pragma once
// The chip as a TLM-2.0 target (VCML-style IP for virtual platforms): one
// tlm_utils::simple_target_socket (generic payload, base protocol, b_transport, DMI on the
// memory windows), the memory map of hw/chip/tlm/memory_map.h (docs/tlm.md) and a frame-done
// interrupt `irq` (an sc_signal<bool>, high from a frame's last cycle until CTRL.irq_ack or the
// next start).
//
// The chip is elaborated for a placement (the mapped network's PEs, layers and table sizes) and
// its memories come up zeroed: the axon, synapse, routing and destination-set contents reach it
// through the socket only. A start write runs the frame inside the caller's simulation (the
// chip's scheduler runs free, Chip::start_frame); no process calls sc_start but the platform's
// sc_main. Bad accesses answer with a TLM error status, never an exception.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "hw/chip/chip.h"
#include "sw/map/mapper.h"

namespace spiketlm::chip::tlm {

class ChipTarget : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<ChipTarget> socket;
    sc_core::sc_signal<bool> irq;  // frame done (level, acknowledged through CTRL)

    // `placement`: the mapped network whose placement and table sizes the chip is built for (its
    // memory contents are not used). Throws InputError for a PE kind whose memories are not the
    // images it is given (only `sram` reads them live).
    ChipTarget(sc_core::sc_module_name name, const cfg::Config& config, const snn::Network& net,
               const map::MappedNetwork& placement, stats::Registry& stats, bool early_stop,
               std::uint64_t noise_seed);
    ~ChipTarget() override;

    // Every spike the chip emits (all layers), as Chip::set_spike_callback.
    void set_spike_callback(std::function<void(const ChipSpike&)> cb) { m_user_spike = std::move(cb); }
    Chip& chip() { return *m_chip; }
    const FrameResult& last_result() const { return m_last; }
    // Latency annotated per 32-bit word accessed (default one chip cycle).
    sc_core::sc_time word_latency() const { return m_word_latency; }

  private:
    void b_transport(::tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    unsigned int transport_dbg(::tlm::tlm_generic_payload& gp);
    bool get_direct_mem_ptr(::tlm::tlm_generic_payload& gp, ::tlm::tlm_dmi& dmi);
    ::tlm::tlm_response_status access(::tlm::tlm_generic_payload& gp, bool debug);
    ::tlm::tlm_response_status reg_read(std::uint64_t a, std::uint32_t& v);
    ::tlm::tlm_response_status reg_write(std::uint64_t a, std::uint32_t v);
    ::tlm::tlm_response_status start();
    void frame_done(const FrameResult& r);
    bool images_consistent() const;
    map::PeImage* pe_image(std::uint64_t node) const;  // the PE image at a mesh node, or null

    struct Window;  // a memory window of one node, resolved from an address
    bool resolve(std::uint64_t addr, std::uint64_t len, Window& w);

    map::MappedNetwork m_live;  // the memories (the chip's PEs read these)
    std::unique_ptr<Chip> m_chip;
    std::vector<int> m_node_pe;  // index into m_live.pes by mesh node, -1: none
    std::uint32_t m_set_words;
    std::uint32_t m_syn_capacity, m_axon_capacity, m_timesteps, m_outputs, m_last_layer;
    sc_core::sc_time m_word_latency;
    std::function<void(const ChipSpike&)> m_user_spike;

    encode::SpikeTrain m_queue, m_running;  // next frame's inputs; the running frame's
    std::uint32_t m_state = 0, m_error = 0, m_frame_index = 0, m_frame_count = 0;
    bool m_irq = false;
    FrameResult m_last;
    std::vector<std::uint32_t> m_out_spikes, m_out_building;
    sc_core::sc_event m_irq_update;
    void irq_method();
};

}  // namespace spiketlm::chip::tlm
