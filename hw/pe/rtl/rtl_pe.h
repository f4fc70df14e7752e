#pragma once
// The `rtl` PE kind: rtl/pe_core.sv, Verilated (--cc), behind the PE contract (hw/pe/pe_if.h).
//
// Co-simulation choice (docs/rtl.md): the Verilated C++ model is clocked by the simulator's own
// cycle process (the tile's commit phase), not as an SC_MODULE with SystemC pins. The PE contract
// is cycle-polled, so a transactor is a few assignments per cycle: inputs of cycle c are set,
// the model is evaluated with the clock low (the combinational outputs of cycle c: the packets
// whose routing data arrived, the update decision, activity for the action counts), then with
// the clock high (the edge that ends cycle c; registered outputs are then the state seen in
// cycle c + 1: FIFO occupancy, done).
//
// Inputs that arrive in a cycle without a tick (an NI push or a step start during the
// scheduler's evaluate phase, a frame reset) are queued with their cycle and clocked in before
// anything later looks at the model: the model is idle in such cycles, so skipping idle cycles
// and catching up is exact. While the model is not done it is clocked every cycle.
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "hw/mem/sram.h"
#include "hw/pe/pe_config.h"
#include "hw/pe/pe_counters.h"
#include "hw/pe/pe_if.h"
#include "hw/pe/rtl/pe_core_io.h"

namespace spiketlm::pe {

// The sizes rtl/pe_core.sv was Verilated with (rtl/CMakeLists.txt): the maxima a configuration
// must fit.
struct RtlPeLimits {
    std::uint32_t neurons, synapse_words, axons, routes, in_max, fifo_max, wfifo_max, lwpc_max, lanes_max,
        upd_max, lat_max, acc_slots, acc_w, stq_max, rt_max;
    static const RtlPeLimits& compiled();
};

class RtlPe final : public ProcessingElement {
  public:
    explicit RtlPe(const PeContext& ctx);
    ~RtlPe() override;

    bool in_ready(Cycle now) override;
    void in_push(Cycle now, std::uint32_t axon, std::uint32_t emit_step) override;
    void frame_reset(std::uint64_t frame, Cycle now) override;
    void step_start(std::uint32_t step, Cycle now) override;
    bool done(Cycle now) const override;
    void tick(Cycle now) override;
    std::uint32_t node() const override;
    std::uint64_t synops() const override;
    std::uint64_t busy_cycles() const override;

    std::uint64_t model_cycles() const { return m_model_cycles; }  // clock edges given to the model
    const std::string& vcd_path() const { return m_vcd_path; }

  private:
    struct Pending {
        Cycle cycle;
        bool reset = false;
        std::uint64_t frame = 0;
        bool start = false;
        std::uint32_t step = 0;
        std::vector<std::pair<std::uint32_t, std::uint32_t>> pushes;  // (axon, emit step)
    };
    Pending& pending_at(Cycle c);
    void catch_up(Cycle last) const;         // clocks every cycle <= last that still matters
    void clock(Cycle c, bool live) const;    // one cycle of the model
    void load_memories();
    void check_error(Cycle c) const;

    std::string m_path;
    PeConfig m_cfg;
    const map::MappedNetwork& m_mapped;
    const map::PeImage& m_image;
    const snn::Layer& m_layer;
    PeEnv& m_env;
    bool m_to_host;

    // The model and its clocking state are advanced lazily from const queries (done, in_ready):
    // mutable by design, the queries observe cycles that are over.
    std::unique_ptr<PeCoreModel> m_model;
    mutable PeCoreIo m_io;
    std::string m_vcd_path;
    mutable Cycle m_next = 0;  // first cycle the model has not been clocked for
    mutable std::deque<Pending> m_pending;
    mutable std::uint64_t m_model_cycles = 0;

    mutable mem::Sram m_syn, m_axon, m_state, m_route, m_accmem;
    PeCounters m_c;
};

}  // namespace spiketlm::pe
