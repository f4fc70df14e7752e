#pragma once
// The port values of rtl/router.sv as plain C++, and the interface of a router model, so that the
// `rtl` router kind (rtl_router.cpp) never includes Verilator headers: the Verilated model sits
// behind RouterModel (router_model.cpp), built into the hw library, or loaded from a plugin (a
// mutant model built by scripts/rtl_mutant_check.py, selected by $SPIKETLM_RTL_ROUTER_MODEL), as
// for the PE (hw/pe/rtl/pe_core_io.h).
//
// The field names are the ports'. Scalar ports are integers; packed ports wider than 32 bits are
// arrays of 32-bit words (word i = bits [32 i, 32 i + 32)), whose sizes follow from VC_MAX, FLIT_W
// and TAG_W of the build (SPIKETLM_RTL_ROUTER_*): a plugin must have the same three; its NODES_MAX
// and DEPTH_MAX may be smaller (limits() reports them, and the wrapper checks the configuration
// against them).
#include <array>
#include <cstdint>

// Scalar inputs (besides the clock and reset) and outputs.
#define SPIKETLM_ROUTER_INPUTS(X)                                                                        \
    X(arb_reset) X(cfg_vcs) X(cfg_depth) X(cfg_rc) X(cfg_va) X(cfg_routing) X(cfg_width) X(cfg_nodes)    \
    X(cfg_x) X(cfg_y) X(cfg_id) X(cfg_node_bits) X(cfg_dest_bits) X(cfg_links) X(in_valid) X(in_head)     \
    X(in_tail)
#define SPIKETLM_ROUTER_OUTPUTS(X)                                                                       \
    X(out_valid) X(out_head) X(out_tail) X(cr_out_valid) X(act_read) X(act_arb) X(err) X(err_port)       \
    X(err_node)
// Wide ports: (name, 32-bit words).
#define SPIKETLM_ROUTER_WIDE_INPUTS(X)                                                                   \
    X(in_bits, 5 * SPIKETLM_RTL_ROUTER_FLIT_W / 32) X(in_tag, 5 * SPIKETLM_RTL_ROUTER_TAG_W / 32)         \
    X(in_vc, 2) X(cr_in, (5 * SPIKETLM_RTL_ROUTER_VC_MAX + 3) / 4)
#define SPIKETLM_ROUTER_WIDE_OUTPUTS(X)                                                                  \
    X(out_bits, 5 * SPIKETLM_RTL_ROUTER_FLIT_W / 32) X(out_tag, 5 * SPIKETLM_RTL_ROUTER_TAG_W / 32)       \
    X(out_vc, 2) X(cr_out_vc, 2) X(vc_count, (5 * SPIKETLM_RTL_ROUTER_VC_MAX + 3) / 4)

namespace spiketlm::noc {

struct RouterIo {
    std::uint8_t clk = 0, rst_n = 0;
#define SPIKETLM_FIELD(n) std::uint64_t n = 0;
    SPIKETLM_ROUTER_INPUTS(SPIKETLM_FIELD)
    SPIKETLM_ROUTER_OUTPUTS(SPIKETLM_FIELD)
#undef SPIKETLM_FIELD
#define SPIKETLM_WIDE(n, w) std::array<std::uint32_t, (w)> n{};
    SPIKETLM_ROUTER_WIDE_INPUTS(SPIKETLM_WIDE)
    SPIKETLM_ROUTER_WIDE_OUTPUTS(SPIKETLM_WIDE)
#undef SPIKETLM_WIDE
};

// The sizes a model was Verilated with.
struct RouterModelLimits {
    std::uint32_t vcs, depth, flit_bits, nodes, tag_bits;
};

class RouterModel {
  public:
    virtual ~RouterModel() = default;
    virtual RouterModelLimits limits() const = 0;
    virtual void eval(RouterIo& io) = 0;               // inputs of io in, outputs of io out
    virtual void trace_open(const char* vcd_path) = 0;  // VCD of this model from now on
    virtual void trace_dump(std::uint64_t time) = 0;
    virtual void final() = 0;                           // end of simulation (closes the VCD)
};

// The factory a model library exports (extern "C", default visibility in a plugin).
using RouterModelFactory = RouterModel* (*)(const char* name);
constexpr const char* kRouterModelFactorySymbol = "spiketlm_make_router";

}  // namespace spiketlm::noc

extern "C" spiketlm::noc::RouterModel* spiketlm_make_router(const char* name);
