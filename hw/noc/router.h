#pragma once
// Input-buffered wormhole router with virtual channels and credit-based flow control, 5 ports on
// a mesh (local, north, east, south, west).
//
// Per cycle, in evaluate():
//   read     flits visible on the input links are written into their VC buffers (buffer_write),
//            credits visible on the output links are returned to the output VC counters;
//   route    a head flit `router_pipeline` cycles after its buffer write computes its output
//            port(s) with the routing function (tree multicast: partitions its destination set
//            by output port into branches);
//   VC alloc each branch claims output VC v on its port (a packet keeps its VC index end to end;
//            the VC is held from head to tail);
//   switch   separable round-robin allocation: each input port picks one VC with a sendable
//            flit, each output port grants one input port; a multicast VC may be granted several
//            output ports in one cycle (the crossbar replicates), its branches advance
//            independently and a flit leaves the buffer when every branch has sent it;
//   send     granted flits go onto the output links (crossbar), a credit goes upstream when a
//            flit leaves its buffer (buffer_read).
// Energy actions (class `router`): buffer_write, buffer_read, crossbar, arbitration (one per
// VC allocation and per switch grant).
#include <cstdint>
#include <string>
#include <vector>

#include <systemc>

#include "hw/noc/noc_config.h"
#include "hw/noc/packet_store.h"
#include "hw/noc/routing.h"
#include "hw/sim/cycle_scheduler.h"
#include "tlm/flit.h"

namespace spiketlm::stats {
class Counter;
class Registry;
}  // namespace spiketlm::stats

namespace spiketlm::noc {

class Link;

class Router final : public sc_core::sc_module, public sim::Clocked {
  public:
    Router(sc_core::sc_module_name name, NodeId id, const NocConfig& cfg, RoutingFunction routing,
           const std::string& routing_name, NocShared& shared, stats::Registry& stats);

    // Wiring (mesh builder): the link arriving on input port p / leaving on output port p.
    void connect_input(Port p, Link* l);
    void connect_output(Port p, Link* l);

    void evaluate(Cycle now) override;

    NodeId id() const { return m_id; }
    bool empty() const;                     // no flit buffered
    std::string dump(Cycle now) const;      // non-empty buffers, VC owners, credits (watchdog)
    void reset();

  private:
    struct Slot {
        proto::Flit f;
        Cycle ready;  // first cycle it may traverse the switch
    };
    struct Branch {
        std::uint8_t port = 0;      // chosen output port (kPorts: not yet)
        std::uint8_t cand[2] = {0, 0};
        std::uint8_t ncand = 0;
        bool has_vc = false;
        bool done = false;          // tail sent
        std::uint16_t offset = 0;   // buffer position (from the front) of the next flit to send
        std::uint32_t route = 0;    // route field of the head copy on this branch
        std::uint8_t route_flags = 0;
    };
    struct InputVc {
        Slot* buf = nullptr;    // ring of `cap` slots inside m_slots
        std::uint16_t cap = 0;
        std::uint16_t head = 0, count = 0;
        bool routed = false;
        std::uint8_t need_vc = 0;  // branches still waiting for their output VC
        std::uint8_t nbranch = 0;
        Branch br[kPorts];
        const Slot& at(unsigned i) const {
            unsigned k = head + i;
            if (k >= cap) k -= cap;
            return buf[k];
        }
    };
    struct InputPort {
        Link* link = nullptr;
        InputVc* vcs = nullptr;      // `vcs` entries inside m_vcs
        std::uint32_t occupied = 0;  // bit v: VC v holds flits
        std::uint8_t rr = 0;
    };
    struct OutputPort {
        Link* link = nullptr;
        std::int32_t credits[16];
        std::int16_t owner[16];  // input port * 16 + vc holding the output VC, -1 free
        std::uint8_t rr = 0;
    };

    bool route_head(InputVc& ivc, unsigned in_port, Cycle now);
    void allocate_vcs(InputVc& ivc, unsigned in_port, unsigned vc);
    bool sendable(const InputVc& ivc, const Branch& b, unsigned vc, Cycle now) const;
    Port choose_route(NodeId dest, unsigned in_port, RouteChoice& choice) const;
    void check_port(Port p, NodeId dest) const;

    NodeId m_id;
    int m_x, m_y;
    const NocConfig& m_cfg;
    RoutingFunction m_routing;
    std::string m_routing_name;
    NocShared& m_shared;
    std::vector<Slot> m_slots;   // all input buffers, contiguous
    std::vector<InputVc> m_vcs;  // all input VCs, contiguous
    InputPort m_in[kPorts];
    OutputPort m_out[kPorts];
    std::uint32_t m_buffered = 0;  // flits in all input buffers
    std::uint8_t m_va_start = 0;         // VC allocation: input port with the highest priority
    std::uint32_t m_flit_pending = 0;    // bit p: input link p has flits on the wire
    std::uint32_t m_credit_pending = 0;  // bit p: output link p has credits on the wire
    std::uint8_t m_in_ports[kPorts], m_n_in = 0;    // connected input ports
    std::uint8_t m_out_ports[kPorts], m_n_out = 0;  // connected output ports
    stats::Counter* m_buffer_write;
    stats::Counter* m_buffer_read;
    stats::Counter* m_crossbar;
    stats::Counter* m_arbitration;
};

}  // namespace spiketlm::noc
