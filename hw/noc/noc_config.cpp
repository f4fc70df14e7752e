#include "hw/noc/noc_config.h"

#include "hw/noc/router_if.h"
#include "hw/noc/routing.h"
#include "sw/cfg/param.h"
#include "sw/common/error.h"

namespace spiketlm::noc {
namespace {
using I = std::int64_t;
const cfg::Param<I> p_width{"chip.noc.width", 4, "routers", "mesh width (x)", cfg::Range{1, 64}};
const cfg::Param<I> p_height{"chip.noc.height", 4, "routers", "mesh height (y)", cfg::Range{1, 64}};
const cfg::Param<I> p_vcs{"chip.noc.vcs", 2, "VCs", "virtual channels per router port", cfg::Range{1, 16}};
const cfg::Param<I> p_depth{"chip.noc.buffer_depth", 8, "flits", "input buffer depth per virtual channel",
                            cfg::Range{1, 1024}};
const cfg::Param<I> p_pipe{"chip.noc.router_pipeline", 1, "cycles",
                           "router pipeline shorthand: head flit cycles from input buffer write to the output channel; "
                           "sets the four stage delays (1: sa; 2: va+sa; 3: rc+va+sa; P>=4: rc+va+sa+(P-3) st); not "
                           "together with chip.noc.*_cycles",
                           cfg::Range{1, 8}};
const cfg::Param<I> p_rc{"chip.noc.rc_cycles", 0, "cycles",
                         "route computation (head flits): cycles from reaching the front of the VC to VC allocation",
                         cfg::Range{0, 4}};
const cfg::Param<I> p_va{"chip.noc.va_cycles", 0, "cycles",
                         "VC allocation (head flits): cycles from winning an output VC to switch allocation",
                         cfg::Range{0, 4}};
const cfg::Param<I> p_sa{"chip.noc.sa_cycles", 1, "cycles",
                         "switch allocation: cycles from a switch grant to the flit leaving the input buffer (credit "
                         "sent upstream)",
                         cfg::Range{1, 4}};
const cfg::Param<I> p_st{"chip.noc.st_cycles", 0, "cycles",
                         "switch traversal: cycles from leaving the input buffer to entering the output channel",
                         cfg::Range{0, 4}};
const cfg::Param<I> p_ni_pkts{"chip.noc.ni_packets_in_flight", 1, "packets",
                              "packets an NI sends at once (more than 1: their flits interleave on different VCs)",
                              cfg::Range{1, 16}};
const cfg::Param<std::string> p_router{"chip.noc.router", "iq_wormhole", "",
                                       "router kind by registered name (iq_wormhole: input-queued VC wormhole router; "
                                       "rtl: rtl/router.sv Verilated, the same timing, docs/rtl.md)"};
const cfg::Param<I> p_link{"chip.noc.link_latency", 1, "cycles", "router-to-router link latency (flits and credits)",
                           cfg::Range{1, 5}};
const cfg::Param<I> p_fw{"chip.noc.flit_width_bits", 64, "bits",
                         "flit (link) width: the packet header must fit one flit (docs/noc.md, packet format)",
                         cfg::Range{8, 128}};
const cfg::Param<std::string> p_routing{"chip.noc.routing", "xy", "",
                                        "routing function by registered name: xy, yx, west_first"};
const cfg::Param<std::string> p_mc{"chip.noc.multicast", "tree", "",
                                   "multicast replication: in the routers along the routing tree, or at the source NI",
                                   cfg::Choices{{"tree", "source"}}};
const cfg::Param<I> p_wd{"chip.noc.watchdog_cycles", 100000, "cycles",
                         "deadlock watchdog: error when no flit is ejected for this long with packets in flight",
                         cfg::Range{10, 1e12}};
const cfg::Param<I> p_inj{"chip.noc.injection_queue_depth", 16, "packets",
                          "packets an NI accepts before refusing more (ready low)", cfg::Range{1, 1e6}};
}  // namespace

NocConfig NocConfig::from(const cfg::Config& c) {
    NocConfig n;
    n.width = static_cast<std::uint32_t>(p_width(c));
    n.height = static_cast<std::uint32_t>(p_height(c));
    n.vcs = static_cast<std::uint32_t>(p_vcs(c));
    n.buffer_depth = static_cast<std::uint32_t>(p_depth(c));
    n.router_pipeline = static_cast<std::uint32_t>(p_pipe(c));
    const bool any_stage = c.is_set(p_rc.name()) || c.is_set(p_va.name()) || c.is_set(p_sa.name()) ||
                           c.is_set(p_st.name());
    if (any_stage && c.is_set(p_pipe.name()))
        throw ConfigError(c.origin(p_pipe.name()).str(), p_pipe.name(),
                          "give either chip.noc.router_pipeline (shorthand) or the stage delays "
                          "chip.noc.rc_cycles/va_cycles/sa_cycles/st_cycles, not both");
    n.explicit_stages = any_stage;
    n.rc_cycles = static_cast<std::uint32_t>(p_rc(c));
    n.va_cycles = static_cast<std::uint32_t>(p_va(c));
    n.sa_cycles = static_cast<std::uint32_t>(p_sa(c));
    n.st_cycles = static_cast<std::uint32_t>(p_st(c));
    n.ni_packets_in_flight = static_cast<std::uint32_t>(p_ni_pkts(c));
    n.router = p_router(c);
    n.rtl_trace = c.get<bool>("rtl.trace");  // declared with the PE's (hw/pe/pe_config.cpp)
    n.rtl_trace_dir = c.get<std::string>("rtl.trace_dir");
    n.link_latency = static_cast<std::uint32_t>(p_link(c));
    n.flit_width_bits = static_cast<std::uint32_t>(p_fw(c));
    n.routing = p_routing(c);
    n.multicast = p_mc(c) == "source" ? Multicast::Source : Multicast::Tree;
    n.watchdog_cycles = static_cast<std::uint64_t>(p_wd(c));
    n.injection_queue_depth = static_cast<std::uint32_t>(p_inj(c));
    if (!RoutingRegistry::find(n.routing))
        throw ConfigError(c.origin(p_routing.name()).str(), p_routing.name(),
                          "unknown routing function '" + n.routing + "' (registered: " + RoutingRegistry::names_joined() +
                              ")");
    if (!RouterRegistry::find(n.router))
        throw ConfigError(c.origin(p_router.name()).str(), p_router.name(),
                          "unknown router kind '" + n.router + "' (registered: " + RouterRegistry::names_joined() + ")");
    n.validate();
    return n;
}

void NocConfig::validate() const {
    auto bad = [](const std::string& key, const std::string& what) { throw InputError("chip.noc." + key + ": " + what); };
    if (width < 1 || height < 1 || width > 64 || height > 64) bad("width", "mesh dimensions must be in [1, 64]");
    if (vcs < 1 || vcs > 16) bad("vcs", "must be in [1, 16]");
    if (buffer_depth < 1) bad("buffer_depth", "must be at least 1 flit");
    if (router_pipeline < 1 || router_pipeline > 8) bad("router_pipeline", "must be in [1, 8] cycles");
    if (explicit_stages) {
        if (rc_cycles > 4) bad("rc_cycles", "must be in [0, 4] cycles");
        if (va_cycles > 4) bad("va_cycles", "must be in [0, 4] cycles");
        if (sa_cycles < 1 || sa_cycles > 4) bad("sa_cycles", "must be in [1, 4] cycles");
        if (st_cycles > 4) bad("st_cycles", "must be in [0, 4] cycles");
    }
    if (ni_packets_in_flight < 1 || ni_packets_in_flight > vcs)
        bad("ni_packets_in_flight", "must be in [1, chip.noc.vcs = " + std::to_string(vcs) + "]");
    if (link_latency < 1 || link_latency > 5) bad("link_latency", "must be in [1, 5] cycles");
    if (flit_width_bits < 8 || flit_width_bits > 128) bad("flit_width_bits", "must be in [8, 128] bits");
    if (injection_queue_depth < 1) bad("injection_queue_depth", "must be at least 1");
    if (watchdog_cycles < 10) bad("watchdog_cycles", "must be at least 10");
    if (!RouterRegistry::find(router))
        bad("router", "unknown router kind '" + router + "' (registered: " + RouterRegistry::names_joined() + ")");
    if (!RoutingRegistry::find(routing))
        bad("routing", "unknown routing function '" + routing + "' (registered: " + RoutingRegistry::names_joined() + ")");
}

NocConfig::Stages NocConfig::stages() const {
    if (explicit_stages) return {rc_cycles, va_cycles, sa_cycles, st_cycles};
    const std::uint32_t p = router_pipeline;
    return {p >= 3 ? 1u : 0u, p >= 2 ? 1u : 0u, 1u, p >= 4 ? p - 3 : 0u};
}

}  // namespace spiketlm::noc
