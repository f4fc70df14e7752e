#pragma once
// Router kind `rtl`: rtl/router.sv, Verilated (--cc), behind the router seam (hw/noc/router_if.h).
//
// Co-simulation as for the `rtl` PE (docs/rtl.md): the Verilated C++ model is clocked by the
// simulator's cycle process, one model cycle per evaluate(now): the flits and credits visible on
// the links in cycle `now` are the model's inputs of that cycle, it is evaluated with the clock
// low (the crossbar outputs and the credits of this cycle's switch grants), the wrapper puts
// those on the links with the SA/ST stage delays of NocConfig::stages() (flits after sa + st
// cycles, credits after sa, as the TLM router does), and the clock edge ends the cycle.
//
// While the router holds flits it asks for an evaluation every cycle (the seam's rule for
// clocked models). An empty router sleeps; credits that became visible while it slept are
// clocked in, one idle model cycle each, before the next live cycle (an empty router's state
// changes by nothing else, so this catch-up is exact).
//
// The energy actions are IqRouter's (class `router`): buffer_write, buffer_read, crossbar,
// arbitration, counted from the model's activity outputs.
#include <cstdint>
#include <memory>
#include <string>

#include <systemc>

#include "hw/noc/router_if.h"
#include "hw/noc/rtl/router_io.h"
#include "tlm/flit.h"

namespace spiketlm::stats {
class Counter;
}  // namespace spiketlm::stats

namespace spiketlm::noc {

// The sizes rtl/router.sv was Verilated with (rtl/verilate.cmake): the maxima a configuration
// must fit. (A model plugin may have smaller nodes and depth; the wrapper checks against its own.)
struct RtlRouterLimits {
    std::uint32_t vcs, depth, flit_bits, nodes, tag_bits;
    static const RtlRouterLimits& compiled();
};

class RtlRouter final : public sc_core::sc_module, public RouterIf {
  public:
    explicit RtlRouter(const RouterParams& p);
    ~RtlRouter() override;

    void connect_input(Port p, Link* l) override;
    void connect_output(Port p, Link* l) override;
    void evaluate(Cycle now) override;
    NodeId id() const override { return m_id; }
    bool empty() const override { return m_buffered == 0; }
    std::string dump(Cycle now) const override;
    void reset() override;
    void reset_arbiters() override;

    std::uint64_t model_cycles() const { return m_model_cycles; }  // clock edges given to the model
    const std::string& vcd_path() const { return m_vcd_path; }     // "" unless rtl.trace

  private:
    void clock(Cycle c, bool live);  // one model cycle with the flits and credits visible in c
    void check_error(Cycle c) const;
    void apply_reset();

    NodeId m_id;
    const NocConfig& m_cfg;
    NocConfig::Stages m_st;
    NocShared& m_shared;
    Link* m_in[kPorts] = {};
    Link* m_out[kPorts] = {};
    std::unique_ptr<RouterModel> m_model;  // the build's model, or a plugin ($SPIKETLM_RTL_ROUTER_MODEL)
    RouterIo m_io;
    std::string m_vcd_path;
    Cycle m_next = 0;              // first cycle the model has not been clocked for
    std::uint32_t m_buffered = 0;  // flits in the model's input buffers
    std::uint64_t m_model_cycles = 0;
    stats::Counter* m_buffer_write;
    stats::Counter* m_buffer_read;
    stats::Counter* m_crossbar;
    stats::Counter* m_arbitration;
};

}  // namespace spiketlm::noc
