#pragma once
// Router kind `iq_wormhole`: input-queued wormhole router with virtual channels and credit-based
// flow control, 5 ports on a mesh (local, north, east, south, west). The pipeline of a real
// input-queued router (docs/noc.md, "Router"), stage delays from NocConfig::stages():
//
//   route (RC)       a head flit at the front of its VC (arrived into an idle VC in cycle a, or
//                    behind the previous packet's tail, switch-granted in cycle g: front = g + 1)
//                    computes its output port(s) from its header bits with the routing function;
//                    a multicast head splits its destination bitmask into one branch per output
//                    port (each head copy carries its branch's share of the bitmask);
//   VC alloc (VA)    from front + rc_cycles on, each branch asks for any free output VC of its
//                    port (held from head to tail); one iteration of separable iSLIP between
//                    branches and output VCs; a branch that gets none retries the next cycle
//                    (or, with no free VC, when an output VC of this router is released);
//   switch alloc(SA) from VA + va_cycles on (body/tail flits: from their arrival), one iteration
//                    of iSLIP: each input VC with a flit, an output VC and a credit requests its
//                    output port, each output grants one input port (round robin), each input
//                    accepts one grant (round robin; a multicast VC also takes its other
//                    granted branches: the crossbar replicates). The grant takes the credit;
//   traversal (ST)   a flit granted in cycle g leaves its input buffer in g + sa_cycles (its
//                    credit goes upstream then) and enters the output channel in
//                    g + sa_cycles + st_cycles. Branches advance independently; a flit leaves
//                    the buffer when every branch has been granted it.
//
// So a head flit visible in cycle a enters the output channel in a + rc + va + sa + st at the
// earliest, a body flit in a + sa + st. Energy actions (class `router`): buffer_write,
// buffer_read, crossbar, arbitration (one per VC allocation and per switch grant).
#include <cstdint>
#include <string>
#include <vector>

#include <systemc>

#include "hw/noc/router_if.h"
#include "tlm/flit.h"

namespace spiketlm::stats {
class Counter;
}  // namespace spiketlm::stats

namespace spiketlm::noc {

class IqRouter final : public sc_core::sc_module, public RouterIf {
  public:
    explicit IqRouter(const RouterParams& p);

    void connect_input(Port p, Link* l) override;
    void connect_output(Port p, Link* l) override;
    void evaluate(Cycle now) override;
    NodeId id() const override { return m_id; }
    bool empty() const override { return m_buffered == 0; }
    std::string dump(Cycle now) const override;
    void reset() override;
    void reset_arbiters() override;

  private:
    struct Branch {
        std::uint8_t port = kPorts;  // chosen output port (kPorts: not yet)
        std::uint8_t cand[2] = {0, 0};
        std::uint8_t ncand = 0;
        std::uint8_t out_vc = 0;
        bool has_vc = false;
        bool done = false;           // tail granted
        std::uint16_t offset = 0;    // buffer position (from the front) of the next flit to send
        Cycle sa_ready = 0;          // first cycle switch allocation may grant this branch
        bool multicast = false;      // the head copy carries `mask` (else the unicast `dest`)
        NodeId dest = 0;
        std::uint64_t mask[proto::kFlitWords] = {};
    };
    struct InputVc {
        proto::Flit* buf = nullptr;  // ring of `cap` flits inside m_slots
        std::uint16_t cap = 0;
        std::uint16_t head = 0, count = 0;
        bool routed = false;
        Cycle front = 0;             // cycle the head at the front may start route computation
        std::uint8_t need_vc = 0;    // branches still waiting for an output VC
        std::uint8_t nbranch = 0;
        Branch br[kPorts];
        const proto::Flit& at(unsigned i) const {
            unsigned k = head + i;
            if (k >= cap) k -= cap;
            return buf[k];
        }
    };
    struct InputPort {
        Link* link = nullptr;
        InputVc* vcs = nullptr;      // `vcs` entries inside m_vcs
        std::uint32_t occupied = 0;  // bit v: VC v holds flits
        std::uint32_t need_va = 0;   // bit v: VC v's front head still needs route computation / a VC
        std::uint8_t vc_rr = 0;      // switch allocation: VC priority
        std::uint8_t accept_rr = 0;  // iSLIP accept pointer (output ports)
    };
    struct OutputPort {
        Link* link = nullptr;
        std::int32_t credits[16];
        std::int16_t owner[16];      // input port * 16 + input VC holding the output VC, -1 free
        std::uint8_t grant_rr = 0;   // iSLIP grant pointer (input ports)
    };
    struct Grant {
        std::uint8_t vc = 0;
        std::uint8_t outputs = 0;    // bit o: output port granted
    };

    // Pipeline stages, in evaluation order.
    void read_inputs(Cycle now);
    std::uint32_t busy_ports() const;
    void route_and_allocate_vcs(std::uint32_t busy, Cycle now);
    void route(InputVc& ivc, unsigned in_port);
    std::uint32_t allocate_switch(std::uint32_t busy, Grant grants[kPorts], Cycle now);
    void traverse(std::uint32_t granted_inputs, const Grant grants[kPorts], Cycle now);
    Cycle next_event(bool moved, Cycle now);

    bool sendable(const InputVc& ivc, const Branch& b, Cycle now) const {
        return b.has_vc && !b.done && b.offset < ivc.count && b.sa_ready <= now &&
               m_out[b.port].credits[b.out_vc] > 0;
    }
    Port choose_route(NodeId dest, unsigned in_port, RouteChoice& choice) const;
    void check_port(Port p, NodeId dest) const;

    NodeId m_id;
    int m_x, m_y;
    const NocConfig& m_cfg;
    NocConfig::Stages m_st;
    RoutingFunction m_routing;
    std::string m_routing_name;
    NocShared& m_shared;
    std::vector<proto::Flit> m_slots;  // all input buffers, contiguous
    std::vector<InputVc> m_vcs;        // all input VCs, contiguous
    InputPort m_in[kPorts];
    OutputPort m_out[kPorts];
    std::uint32_t m_buffered = 0;        // flits in all input buffers
    std::uint8_t m_va_grant_rr[kPorts][16];   // VC allocation: per output VC, first input VC to grant
    std::uint8_t m_va_accept_rr[kPorts * 16];  // per input VC, first output VC to accept
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
