#pragma once
// The port values of rtl/pe_core.sv as plain C++, and the interface of a pe_core model, so that
// the `rtl` PE kind (rtl_pe.cpp) never includes Verilator headers: the Verilated model sits
// behind PeCoreModel (pe_core_model.cpp), built into the hw library, or loaded from a plugin
// (a mutant model built by scripts/rtl_mutant_check.py, selected by $SPIKETLM_RTL_PE_MODEL).
// Every port but the wide ones is listed once here (X-macros); the adapter copies them.
#include <array>
#include <cstdint>

// Scalar inputs (besides the clock and reset).
#define SPIKETLM_PE_CORE_INPUTS(X)                                                                       \
    X(cfg_neurons) X(cfg_fifo_depth) X(cfg_wfifo_depth) X(cfg_lwpc) X(cfg_lanes) X(cfg_upd_lanes)         \
    X(cfg_syn_banks) X(cfg_syn_ports) X(cfg_syn_lat) X(cfg_axon_lat) X(cfg_state_lat) X(cfg_route_lat)    \
    X(cfg_route_banks) X(cfg_route_ports) X(cfg_wbits) X(cfg_wpw) X(cfg_delay) X(cfg_state_bits)          \
    X(cfg_theta) X(cfg_bias) X(cfg_vreset) X(cfg_decay_i) X(cfg_decay_v) X(cfg_refractory)                \
    X(cfg_reset_to_value) X(cfg_single_spike) X(cfg_noise_mode) X(cfg_noise_bits) X(cfg_noise_shift)      \
    X(cfg_noise_seed) X(cfg_layer) X(cfg_first_neuron) X(ld_we) X(ld_sel) X(ld_addr) X(ld_data)            \
    X(frame_reset) X(frame_id) X(step_start) X(step_in) X(in_valid) X(inj_credits)

// Scalar outputs.
#define SPIKETLM_PE_CORE_OUTPUTS(X)                                                                      \
    X(fifo_count) X(done) X(err) X(upd_busy) X(upd_decide) X(upd_stall) X(upd_reserve) X(upd_first)      \
    X(upd_step) X(fire_mask) X(pkt_valid) X(act_pop) X(act_words) X(act_syn_conflict) X(act_word_start)  \
    X(act_word_valid) X(act_compute_busy) X(act_upd_group) X(act_upd_updates) X(act_upd_mults)            \
    X(act_upd_noise) X(act_state_write) X(act_route_reads) X(act_route_conflict) X(act_reset_write)       \
    X(act_reset_word)

namespace spiketlm::pe {

struct PeCoreIo {
    std::uint8_t clk = 0, rst_n = 0;
#define SPIKETLM_FIELD(n) std::uint64_t n = 0;
    SPIKETLM_PE_CORE_INPUTS(SPIKETLM_FIELD)
    SPIKETLM_PE_CORE_OUTPUTS(SPIKETLM_FIELD)
#undef SPIKETLM_FIELD
    // Wide ports: 32-bit fields, field i = bits [32 i, 32 i + 32).
    std::array<std::uint32_t, SPIKETLM_RTL_IN_MAX> in_axon{}, in_step{};
    std::array<std::uint32_t, SPIKETLM_RTL_UPD_MAX> fire_v{};
    std::array<std::uint32_t, SPIKETLM_RTL_RT_MAX> pkt_neuron{}, pkt_vfire{}, pkt_dest_set{}, pkt_axon{};
};

class PeCoreModel {
  public:
    virtual ~PeCoreModel() = default;
    virtual void eval(PeCoreIo& io) = 0;               // inputs of io in, outputs of io out
    virtual void trace_open(const char* vcd_path) = 0;  // VCD of this model from now on
    virtual void trace_dump(std::uint64_t time) = 0;
    virtual void final() = 0;                           // end of simulation (closes the VCD)
};

// The factory a model library exports (extern "C", default visibility in a plugin).
using PeCoreFactory = PeCoreModel* (*)(const char* name);
constexpr const char* kPeCoreFactorySymbol = "spiketlm_make_pe_core";

}  // namespace spiketlm::pe

extern "C" spiketlm::pe::PeCoreModel* spiketlm_make_pe_core(const char* name);
