#pragma once
// The router seam: what the mesh needs from a router, and the registry of router kinds
// (config `chip.noc.router`, default `iq_wormhole`).
//
// Contract (every kind, TLM or RTL, must keep it; the mesh and the NIs rely on nothing else):
//   - A router is a `sim::Clocked` component of the mesh's scheduler with five ports (local,
//     north, east, south, west; mesh edges have no link). The mesh hands it one input Link and
//     one output Link per existing port before simulation (connect_input / connect_output).
//   - Per cycle `now`, in evaluate(now), it reads the flits visible on its input links and the
//     credits visible on its output links (tlm/flit.h: recv_flit / recv_credit), and sends
//     flits and credits (send_flit / send_credit, optionally with a constant stage delay).
//     Nothing it sends in cycle `now` is visible to anybody before now + 1 (the scheduler's
//     two-phase rule), so the order in which routers are evaluated never matters.
//   - Flow control: a flit may be sent on output VC v only while the router holds a credit for
//     v (credits start at chip.noc.buffer_depth per VC); every flit taken out of an input buffer
//     returns one credit upstream on the VC it arrived on. A packet's flits use one output VC
//     from head to tail and are not interleaved with another packet's on that VC.
//   - Flits carry the documented header bits (tlm/packet_format.h); a router routes on those.
//   - Wake-ups: a link wakes the receiver in the cycle a flit becomes visible; it wakes the
//     sender on a credit only after set_credit_wake(true). Beyond that a router is evaluated
//     only in cycles it requested with wake(). It is never asked to predict its future: a
//     router that cannot tell when it next has work (a Verilated RTL model polled once per
//     cycle) simply calls wake(now + 1) while it holds flits, and costs one evaluation per
//     cycle while busy; the TLM router computes its next event to stay free while idle.
//   - empty(): no flit buffered inside (used by the mesh's quiescence checks and tests).
//     dump(): one line per non-empty buffer (the watchdog's message). reset(): back to the
//     state after construction (buffers empty, all credits, arbiters at their start);
//     reset_arbiters(): the arbiters alone.
//
// New kinds: a .cpp with
//   const bool reg = noc::RouterRegistry::add("name", "description",
//       [](const noc::RouterParams& p) { return std::make_unique<MyRouter>(p); });
// (in a test binary or a library object that is linked; built-in kinds register in
// router_registry.cpp so a static library cannot drop them).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hw/noc/noc_config.h"
#include "hw/noc/packet_store.h"
#include "hw/noc/routing.h"
#include "hw/sim/cycle_scheduler.h"

namespace spiketlm::stats {
class Registry;
}

namespace spiketlm::noc {

class Link;

class RouterIf : public sim::Clocked {
  public:
    ~RouterIf() override = default;
    virtual void connect_input(Port p, Link* l) = 0;
    virtual void connect_output(Port p, Link* l) = 0;
    virtual NodeId id() const = 0;
    virtual bool empty() const = 0;
    virtual std::string dump(Cycle now) const = 0;
    virtual void reset() = 0;
    // Arbiters (round-robin pointers) back to their start, nothing else: called on an idle NoC
    // at every frame start, so that a frame's timing does not depend on the frames before it
    // (frame-parallel runs, docs/chip.md). Kinds without arbitration state keep the default.
    virtual void reset_arbiters() {}
};

// Everything a router kind is built from (the mesh fills it in).
struct RouterParams {
    std::string name;            // SystemC module name (and statistics path under the mesh)
    NodeId id;                   // node, row-major y * width + x
    const NocConfig& cfg;
    RoutingFunction routing;     // chip.noc.routing, resolved
    const std::string& routing_name;
    NocShared& shared;           // packet records (statistics cache) of the mesh
    stats::Registry& stats;
};

using RouterFactory = std::function<std::unique_ptr<RouterIf>(const RouterParams&)>;

class RouterRegistry {
  public:
    static bool add(const std::string& name, const std::string& description, RouterFactory factory);
    static const RouterFactory* find(const std::string& name);  // nullptr when unknown
    static std::vector<std::string> names();
    static std::string names_joined();
    // Builds a router of kind `name`; unknown kind -> InputError listing the registered kinds.
    static std::unique_ptr<RouterIf> create(const std::string& name, const RouterParams& p);
};

}  // namespace spiketlm::noc
