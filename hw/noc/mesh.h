#pragma once
// The W×H mesh: routers, links, network interfaces and the watchdog, built from NocConfig and
// driven by one CycleScheduler (shared with the endpoints, so PE + NoC timing is cycle-exact).
//
//   sim::CycleScheduler sched{"clk", sc_core::sc_time(1, sc_core::SC_NS)};
//   noc::Mesh mesh{"noc", cfg, sched, stats};
//   mesh.ni(3).set_eject_handler([](const noc::Delivery& d) { ...; return true; });
//   mesh.ni(0).inject(packet);            // false when the injection queue is full
//   sched.run_until(1000);                // or run_while_busy(limit)
//   mesh.quiescent();                     // no packet anywhere (timestep barrier)
//
// Component names (and statistics paths) follow the SystemC hierarchy: <mesh>.router_x_y,
// <mesh>.ni_x_y, <mesh>.link_x_y_<dir> (the link leaving router (x, y) towards <dir>).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "hw/noc/network_interface.h"
#include "hw/noc/noc_config.h"
#include "hw/noc/packet_store.h"
#include "hw/noc/router_if.h"
#include "hw/noc/watchdog.h"
#include "sw/report/report.h"

namespace spiketlm::stats {
class Counter;
class Registry;
}  // namespace spiketlm::stats

namespace spiketlm::noc {

class Link;

class Mesh : public sc_core::sc_module {
  public:
    // `fields`: the endpoint field widths of the packet format (the chip passes its own); a
    // format that does not fit the flit is an InputError naming the field.
    Mesh(sc_core::sc_module_name name, const NocConfig& cfg, sim::CycleScheduler& sched, stats::Registry& stats,
         const proto::EndpointFields& fields = {});
    ~Mesh() override;

    const NocConfig& config() const { return m_cfg; }
    const proto::PacketFormat& format() const { return m_shared.format; }
    sim::CycleScheduler& scheduler() { return m_sched; }
    std::uint32_t nodes() const { return m_cfg.nodes(); }
    NodeId node(std::uint32_t x, std::uint32_t y) const { return y * m_cfg.width + x; }
    std::uint32_t x_of(NodeId n) const { return n % m_cfg.width; }
    std::uint32_t y_of(NodeId n) const { return n / m_cfg.width; }
    std::uint32_t distance(NodeId a, NodeId b) const;  // minimal router-to-router hops

    NetworkInterface& ni(NodeId n) { return *m_nis.at(n); }
    RouterIf& router(NodeId n) { return *m_routers.at(n); }

    // Packets accepted by an NI and not yet delivered to every destination.
    std::uint64_t packets_in_flight() const { return m_shared.packets.in_flight(); }
    bool quiescent() const { return m_shared.packets.in_flight() == 0; }
    // Called (inside the cycle) when the last packet in flight is delivered: a barrier can
    // sleep until then instead of polling.
    void set_quiescent_callback(std::function<void(Cycle)> cb) { m_shared.on_quiescent = std::move(cb); }
    std::uint64_t link_flits() const;  // router-to-router link traversals so far (all links)
    // Totals for the run report (packets injected, link flits, per-delivery hops and latency).
    // reset() clears the NI counters (link counters live in the statistics registry).
    report::NocTotals totals() const;

    // Per-hop trace events from every router (hw/sim/trace_sink.h; null: none).
    void set_trace_sink(sim::TraceSink* t) { m_shared.trace = t; }
    // Blocked buffers, VC owners and credits of every router and NI (the watchdog's dump).
    std::string dump_state(Cycle now) const;
    // Empties every buffer, queue and link and restores all credits (between experiments; call
    // the scheduler's reset() too). Statistics are not touched.
    void reset();
    // Every router's and NI's arbiters back to their start (RouterIf::reset_arbiters): the chip
    // calls it at each frame start, when the NoC is idle.
    void reset_arbiters();

  private:
    NocConfig m_cfg;
    sim::CycleScheduler& m_sched;
    NocShared m_shared;
    std::vector<std::unique_ptr<RouterIf>> m_routers;
    std::vector<std::unique_ptr<NetworkInterface>> m_nis;
    std::vector<std::unique_ptr<Link>> m_links;
    std::vector<const stats::Counter*> m_link_counters;
    std::unique_ptr<Watchdog> m_watchdog;
};

}  // namespace spiketlm::noc
