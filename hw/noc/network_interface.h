#pragma once
// Network interface: the endpoint's (PE, host interface, traffic source) door to the mesh.
//
// Injection: inject() queues a packet (unicast or multicast) in a bounded injection queue and
// returns false, queueing nothing, when the queue is full (can_inject() is the ready signal; the
// ready callback fires when space opens after a refusal). The NI packetizes (payload words ->
// flits) and sends one packet at a time (chip.noc.ni_packets_in_flight: more, interleaved on
// different VCs), one flit per cycle, into its router's local port under credit flow control;
// each packet takes a free VC with a credit, round robin from the VC after the last one used. With
// `multicast: source` a multicast packet leaves as one unicast copy per destination; with
// `multicast: tree` as one packet whose head carries the destination set.
//
// Ejection: flits from the router are buffered per VC (buffer_depth flits, credits to the
// router); when a packet's tail is at the front, the endpoint's handler is offered the packet.
// A handler that returns false refuses it: the tail stays in the NI buffer, flits behind it fill
// the buffer and the router runs out of credits (back-pressure). The endpoint calls
// resume_ejection() when it can take packets again.
//
// Energy actions (class `ni`): packet_in (a packet accepted into the injection queue), flit_out
// (a flit packetized and sent to the router; source multicast: every copy's flits), flit_in (a
// flit received into the ejection buffer), packet_out (a packet handed to the endpoint, refused
// offers not counted).
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include <systemc>

#include "hw/noc/noc_config.h"
#include "hw/noc/packet_store.h"
#include "hw/sim/cycle_scheduler.h"
#include "tlm/flit.h"

namespace spiketlm::stats {
class Counter;
class Registry;
}  // namespace spiketlm::stats
namespace spiketlm::sim {
class TraceSink;
}

namespace spiketlm::noc {

class Link;

// One packet delivered to one destination.
struct Delivery {
    const proto::SpikePacket& packet;
    NodeId node;             // the receiving node
    std::uint8_t vc;         // virtual channel it travelled on
    std::uint16_t hops;      // router-to-router links traversed
    std::uint16_t flits;
    Cycle injected;          // cycle of inject()
    Cycle now;               // cycle of delivery (tail at the NI)
};
// Returns false to refuse (back-pressure); called inside the NI's evaluate().
using EjectHandler = std::function<bool(const Delivery&)>;

class NetworkInterface final : public sc_core::sc_module, public sim::Clocked {
  public:
    NetworkInterface(sc_core::sc_module_name name, NodeId id, const NocConfig& cfg, NocShared& shared,
                     stats::Registry& stats);
    void connect(Link* injection, Link* ejection) {
        m_inj = injection;
        m_ej = ejection;
    }

    // --- endpoint API ---
    bool can_inject() const { return m_queue.size() < m_cfg.injection_queue_depth; }
    std::size_t injection_space() const { return m_cfg.injection_queue_depth - m_queue.size(); }
    // Queues the packet (throws Error on a destination outside the mesh or a repeated multicast
    // destination). Returns false and queues nothing when the injection queue is full.
    bool inject(proto::SpikePacket packet);
    void set_ready_callback(std::function<void()> cb) { m_ready_cb = std::move(cb); }
    void set_eject_handler(EjectHandler h) { m_handler = std::move(h); }
    void resume_ejection();
    void set_trace_sink(sim::TraceSink* t) { m_trace = t; }  // injection-queue occupancy (null: none)

    NodeId id() const { return m_id; }
    std::uint64_t packets_injected() const { return m_packets_injected; }
    std::uint64_t deliveries() const { return m_deliveries; }
    std::uint64_t flits_sent() const { return m_flits_sent; }
    std::uint64_t flits_received() const { return m_flits_received; }
    std::uint64_t hops_sum() const { return m_hops_sum; }          // over deliveries
    std::uint64_t latency_sum() const { return m_latency_sum; }    // cycles, inject to delivery
    bool idle() const;  // nothing queued, sending or buffered
    std::string dump() const;
    void reset();
    void reset_arbiters() { m_start_rr = m_send_rr = 0; }  // VC round robin back to its start

    void evaluate(Cycle now) override;

  private:
    struct QueueEntry {
        std::uint32_t handle;
        Cycle eligible;
        std::uint32_t next_dest = 0;  // source multicast: copies started so far
    };
    struct SendState {
        bool active = false;
        std::uint32_t handle = 0;
        proto::Header hdr;             // header of the packet (copy) being sent
        std::uint16_t seq = 0, flits = 0;
    };
    struct EjectVc {
        std::vector<proto::Flit> buf;  // ring, capacity buffer_depth
        std::uint16_t head = 0, count = 0;
        std::uint16_t hops = 0;        // of the packet being received
        bool blocked = false;          // endpoint refused the packet at the front
        std::vector<std::array<std::uint64_t, proto::kFlitWords>> bits;  // flits received of that packet
    };
    void check_bits(const EjectVc& e, std::uint32_t handle) const;

    NodeId m_id;
    const NocConfig& m_cfg;
    NocShared& m_shared;
    Link* m_inj = nullptr;
    Link* m_ej = nullptr;
    std::deque<QueueEntry> m_queue;
    std::vector<SendState> m_send;
    std::vector<std::int32_t> m_credits;
    std::vector<EjectVc> m_eject;
    unsigned m_start_rr = 0, m_send_rr = 0;
    bool m_refused = false;
    std::function<void()> m_ready_cb;
    EjectHandler m_handler;
    sim::TraceSink* m_trace = nullptr;
    std::uint64_t m_packets_injected = 0, m_deliveries = 0, m_flits_sent = 0, m_flits_received = 0;
    std::uint64_t m_hops_sum = 0, m_latency_sum = 0;
    stats::Counter* m_packet_in;
    stats::Counter* m_flit_out;
    stats::Counter* m_flit_in;
    stats::Counter* m_packet_out;
};

}  // namespace spiketlm::noc
