#include "hw/noc/noc_config.h"

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
                           "router pipeline depth: cycles from input buffer write to switch traversal", cfg::Range{1, 5}};
const cfg::Param<I> p_link{"chip.noc.link_latency", 1, "cycles", "router-to-router link latency (flits and credits)",
                           cfg::Range{1, 5}};
const cfg::Param<I> p_fw{"chip.noc.flit_width_bits", 64, "bits", "flit (link) width used to packetize payloads",
                         cfg::Range{8, 1024}};
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
    n.validate();
    return n;
}

void NocConfig::validate() const {
    auto bad = [](const std::string& key, const std::string& what) { throw InputError("chip.noc." + key + ": " + what); };
    if (width < 1 || height < 1 || width > 64 || height > 64) bad("width", "mesh dimensions must be in [1, 64]");
    if (vcs < 1 || vcs > 16) bad("vcs", "must be in [1, 16]");
    if (buffer_depth < 1) bad("buffer_depth", "must be at least 1 flit");
    if (router_pipeline < 1 || router_pipeline > 5) bad("router_pipeline", "must be in [1, 5] cycles");
    if (link_latency < 1 || link_latency > 5) bad("link_latency", "must be in [1, 5] cycles");
    if (flit_width_bits < 8) bad("flit_width_bits", "must be at least 8");
    if (injection_queue_depth < 1) bad("injection_queue_depth", "must be at least 1");
    if (watchdog_cycles < 10) bad("watchdog_cycles", "must be at least 10");
    if (!RoutingRegistry::find(routing))
        bad("routing", "unknown routing function '" + routing + "' (registered: " + RoutingRegistry::names_joined() + ")");
}

}  // namespace spiketlm::noc
