#pragma once
// The loosely-timed NoC of the LT chip (hw/chip/lt/lt_chip.h): a TLM-2.0 target whose b_transport
// takes one spike packet (generic payload + LtPacketExtension) sent by an NI at the annotated
// time (SystemC time + delay), computes the cycle each destination receives it, and returns with
// the delay advanced to the last delivery.
//
// Latency: the zero-load formula of docs/noc.md, hop by hop (the routing function of
// chip.noc.routing walks each destination's path; tree multicast shares the common links, source
// multicast sends one copy after another), plus a contention estimate: every router output port
// (the four links and the ejection port) is a resource that a packet holds for `flits` cycles
// from its head's departure, and a head leaves a router no earlier than P_head cycles after it
// arrived, in the first gap of the port's reservations from then on (packets are offered in send
// order within a step; one that arrives earlier takes a gap before a later reservation). A port
// whose downstream credits (buffer_depth x vcs) are fewer than its credit round trip (docs/noc.md)
// is held longer: flits x round trip / credits cycles. Not modelled: the credit stalls of one
// packet longer than its buffer, VC allocation conflicts, the queueing of a head behind a packet
// in the same VC for RC/VA, and ejection back-pressure beyond the receiving NI.
//
// Energy actions: the cycle-level mesh's components and actions (router buffer_write/read,
// crossbar, arbitration; link flit; NI packet_in, flit_out, flit_in, packet_out) counted per
// packet from its route, under the same component names, so a report prices both modes alike.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "hw/noc/noc_config.h"
#include "hw/noc/routing.h"
#include "sw/report/report.h"

namespace spiketlm::stats {
class Counter;
class Registry;
}  // namespace spiketlm::stats

namespace spiketlm::chip::lt {

using Cycle = std::uint64_t;

struct LtDelivery {
    std::uint32_t node;
    Cycle at;  // cycle of delivery (tail at the receiving NI)
};

// The packet of one b_transport: source node, flits, destination nodes; the deliveries come back.
class LtPacketExtension : public tlm::tlm_extension<LtPacketExtension> {
  public:
    std::uint32_t src = 0;
    std::uint32_t flits = 1;
    const std::vector<std::uint32_t>* dests = nullptr;
    bool inject = true;                  // count the NI's packet_in (false for later copies)
    std::vector<LtDelivery> deliveries;  // filled by the NoC, in the order of `dests`

    tlm::tlm_extension_base* clone() const override { return new LtPacketExtension(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        *this = static_cast<const LtPacketExtension&>(other);
    }
};

class LtNoc : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<LtNoc> socket;

    // `stats_path`: the cycle-level mesh's path (e.g. "chip.noc"), for the component names.
    LtNoc(sc_core::sc_module_name name, const noc::NocConfig& cfg, sc_core::sc_time period, stats::Registry& stats,
          const std::string& stats_path);

    report::NocTotals totals() const { return m_totals; }
    // Latency (cycles) of a packet of `flits` flits over `hops` links without contention.
    Cycle zero_load(std::uint32_t hops, std::uint32_t flits) const;

  private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    // Head visible at `node`'s router in cycle `a`: the cycle it leaves through `port` (reserved).
    Cycle depart(std::uint32_t node, noc::Port port, Cycle a, std::uint32_t flits);
    noc::Port route(std::uint32_t at, std::uint32_t dest) const;
    std::uint32_t neighbour(std::uint32_t node, noc::Port p) const;

    noc::NocConfig m_cfg;
    noc::RoutingFunction m_routing;
    std::uint64_t m_period_ps;
    std::uint32_t m_head;  // P_head
    Cycle m_rt_link = 4, m_rt_eject = 4;  // credit round trips: router to router, router to NI
    // Per node and output port: the cycles [first, second) packets hold it, in time order.
    std::vector<std::vector<std::pair<Cycle, Cycle>>> m_busy;
    Cycle m_now = 0;  // send cycle of the packet being routed
    report::NocTotals m_totals;
    // Energy counters, per node (routers, NIs) and per node and direction (links).
    struct NodeCounters {
        stats::Counter *buf_w, *buf_r, *xbar, *arb, *pkt_in, *flit_out, *flit_in, *pkt_out;
        stats::Counter* link[noc::kPorts] = {};
    };
    std::vector<NodeCounters> m_nc;
    // Scratch of one packet (tree multicast: each router output used once): outputs and routers
    // stamped with the packet's number, and the departure through each output.
    std::uint32_t m_stamp = 0;
    std::vector<std::uint32_t> m_port_stamp, m_node_stamp;
    std::vector<Cycle> m_port_dep;
};

}  // namespace spiketlm::chip::lt
