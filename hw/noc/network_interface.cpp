#include "hw/noc/network_interface.h"

#include <algorithm>
#include <sstream>

#include "hw/noc/link.h"
#include "hw/noc/watchdog.h"
#include "hw/sim/trace_sink.h"
#include "sw/common/error.h"
#include "sw/stats/stats.h"

namespace spiketlm::noc {

NetworkInterface::NetworkInterface(sc_core::sc_module_name name, NodeId id, const NocConfig& cfg, NocShared& shared,
                                   stats::Registry& stats)
    : sc_core::sc_module(name),
      m_id(id),
      m_cfg(cfg),
      m_shared(shared),
      m_send(cfg.vcs),
      m_credits(cfg.vcs, static_cast<std::int32_t>(cfg.buffer_depth)),
      m_eject(cfg.vcs) {
    for (auto& e : m_eject) e.buf.resize(cfg.buffer_depth);
    const std::string path = this->name();
    stats.add_component(path, "ni");
    m_packet_in = &stats.action(path, "ni", "packet_in", "packets accepted into the injection queue");
    m_flit_out = &stats.action(path, "ni", "flit_out", "flits packetized and sent to the router");
    m_flit_in = &stats.action(path, "ni", "flit_in", "flits received into the ejection buffer");
    m_packet_out = &stats.action(path, "ni", "packet_out", "packets handed to the endpoint");
}

bool NetworkInterface::inject(proto::SpikePacket p) {
    if (!can_inject()) {
        m_refused = true;
        return false;
    }
    const std::uint32_t n = m_cfg.nodes();
    if (p.is_multicast()) {
        for (NodeId d : p.dests)
            if (d >= n)
                throw Error(std::string(name()) + ": multicast destination " + std::to_string(d) + " outside the " +
                            std::to_string(n) + "-node mesh");
        std::vector<NodeId> s = p.dests;
        std::sort(s.begin(), s.end());
        if (std::adjacent_find(s.begin(), s.end()) != s.end())
            throw Error(std::string(name()) + ": multicast destination set names a node twice");
    } else if (p.dst >= n) {
        throw Error(std::string(name()) + ": destination " + std::to_string(p.dst) + " outside the " + std::to_string(n) +
                    "-node mesh");
    }
    const proto::PacketFormat& fmt = m_shared.format;
    fmt.header_of(p, false, 0);  // every field value fits its width (throws naming the field)
    const std::uint16_t need = fmt.flits(p.payload.size());
    if (p.flits && p.flits < need)
        throw Error(std::string(name()) + ": packet of " + std::to_string(p.flits) + " flits cannot carry its " +
                    std::to_string(fmt.header_bits()) + "-bit header and " + std::to_string(p.payload.size()) +
                    " payload words (" + std::to_string(need) + " flits of " + std::to_string(fmt.flit_bits()) +
                    " bits)");
    const Cycle now = scheduler().now();
    const std::uint16_t flits = p.flits ? p.flits : need;
    if (m_shared.packets.in_flight() == 0) m_shared.last_progress = now;
    const std::uint32_t h = m_shared.packets.add(std::move(p), now, flits);
    m_queue.push_back({h, now + 1, 0});
    ++m_packets_injected;
    m_packet_in->inc();
    if (m_trace) m_trace->injection_queue(m_id, now, +1);
    if (m_shared.watchdog) m_shared.watchdog->arm(now);
    wake(now + 1);
    return true;
}

void NetworkInterface::resume_ejection() {
    bool any = false;
    for (auto& e : m_eject)
        if (e.blocked) {
            e.blocked = false;
            any = true;
        }
    if (any) wake(scheduler().in_cycle() ? scheduler().now() + 1 : scheduler().now());
}

void NetworkInterface::evaluate(Cycle now) {
    const unsigned nvc = m_cfg.vcs;
    std::uint8_t cvc;
    while (m_inj->recv_credit(now, cvc)) ++m_credits[cvc];
    m_inj->set_credit_wake(false);

    // Start queued packets (at most ni_packets_in_flight at once) on free VCs that have a
    // credit, round robin from the VC after the last one started.
    unsigned active = 0;
    for (unsigned v = 0; v < nvc; ++v) active += m_send[v].active;
    while (!m_queue.empty() && m_queue.front().eligible <= now && active < m_cfg.ni_packets_in_flight) {
        unsigned v = 0;
        bool found = false;
        for (unsigned k = 0; k < nvc; ++k) {
            v = (m_start_rr + k) % nvc;
            if (!m_send[v].active && m_credits[v] > 0) {
                found = true;
                break;
            }
        }
        if (!found) break;
        m_start_rr = (v + 1) % nvc;
        ++active;
        QueueEntry& e = m_queue.front();
        const PacketRecord& rec = m_shared.packets[e.handle];
        SendState& s = m_send[v];
        s = SendState{};
        s.active = true;
        s.handle = e.handle;
        s.flits = rec.flits;
        bool done = true;
        const proto::PacketFormat& fmt = m_shared.format;
        if (!rec.packet.is_multicast()) {
            s.hdr = fmt.header_of(rec.packet, false, rec.packet.dst);
        } else if (m_cfg.multicast == Multicast::Source) {
            s.hdr = fmt.header_of(rec.packet, false, rec.packet.dests[e.next_dest++]);
            done = e.next_dest == rec.packet.dests.size();
        } else if (rec.packet.dests.size() == 1) {
            s.hdr = fmt.header_of(rec.packet, false, rec.packet.dests[0]);
        } else {
            s.hdr = fmt.header_of(rec.packet, true, 0);
        }
        if (done) {
            m_queue.pop_front();
            if (m_trace) m_trace->injection_queue(m_id, now, -1);
            if (m_refused && m_ready_cb) {
                m_refused = false;
                m_ready_cb();
            }
        }
    }

    // Send one flit per cycle.
    for (unsigned k = 0; k < nvc; ++k) {
        const unsigned v = (m_send_rr + k) % nvc;
        SendState& s = m_send[v];
        if (!s.active || m_credits[v] <= 0) continue;
        proto::Flit f;
        m_shared.format.encode_flit(s.hdr, m_shared.packets[s.handle].packet.payload, s.seq, f.bits);
        f.packet = s.handle;
        f.seq = s.seq;
        f.vc = static_cast<std::uint8_t>(v);
        f.flags = static_cast<std::uint8_t>((s.seq == 0 ? proto::kHead : 0) | (s.seq + 1 == s.flits ? proto::kTail : 0));
        m_inj->send_flit(f, now);
        --m_credits[v];
        ++m_flits_sent;
        m_flit_out->inc();
        if (++s.seq == s.flits) s.active = false;
        m_send_rr = (v + 1) % nvc;
        break;
    }

    // Ejection: buffer arriving flits, then hand complete packets to the endpoint.
    proto::Flit f;
    while (m_ej->recv_flit(now, f)) {
        EjectVc& e = m_eject[f.vc];
        if (e.count == e.buf.size())
            throw Error(std::string(name()) + ": ejection buffer overflow on VC " + std::to_string(f.vc) +
                        " (credit protocol violated)");
        if (f.head()) {
            e.hops = f.hops;
            e.bits.clear();
        }
        e.bits.emplace_back();
        std::copy(f.bits, f.bits + proto::kFlitWords, e.bits.back().begin());
        if (f.tail()) check_bits(e, f.packet);
        f.hops = e.hops;
        e.buf[(e.head + e.count) % e.buf.size()] = f;
        ++e.count;
        ++m_flits_received;
        m_flit_in->inc();
        m_shared.last_progress = now;
    }
    for (unsigned v = 0; v < nvc; ++v) {
        EjectVc& e = m_eject[v];
        while (e.count && !e.blocked) {
            const proto::Flit& fr = e.buf[e.head];
            if (fr.tail()) {
                const PacketRecord& rec = m_shared.packets[fr.packet];
                const Delivery d{rec.packet, m_id, static_cast<std::uint8_t>(v), fr.hops, rec.flits, rec.injected, now};
                if (m_handler && !m_handler(d)) {
                    e.blocked = true;
                    break;
                }
                ++m_deliveries;
                m_packet_out->inc();
                m_hops_sum += fr.hops;
                m_latency_sum += now - rec.injected;
                if (m_shared.packets.delivered(fr.packet) && m_shared.packets.in_flight() == 0) {
                    if (m_shared.watchdog) m_shared.watchdog->disarm();
                    if (m_shared.on_quiescent) m_shared.on_quiescent(now);
                }
            }
            e.head = static_cast<std::uint16_t>((e.head + 1) % e.buf.size());
            --e.count;
            m_ej->send_credit(static_cast<std::uint8_t>(v), now);
        }
    }

    Cycle next = proto::kNever;
    bool need_credit = false;
    unsigned still_active = 0;
    for (unsigned v = 0; v < nvc; ++v)
        if (m_send[v].active) {
            ++still_active;
            if (m_credits[v] > 0) next = now + 1;
            else need_credit = true;
        }
    if (!m_queue.empty() && still_active < m_cfg.ni_packets_in_flight) {
        bool free_vc = false;
        for (unsigned v = 0; v < nvc; ++v) free_vc |= !m_send[v].active && m_credits[v] > 0;
        if (free_vc) next = std::min(next, std::max(m_queue.front().eligible, now + 1));
        else need_credit = true;  // else: a packet slot frees when its tail is sent
    }
    if (need_credit) {  // wake on the next credit (credits are otherwise read lazily)
        m_inj->set_credit_wake(true);
        next = std::min(next, m_inj->next_credit());
    }
    next = std::min(next, m_ej->next_flit());
    if (next != proto::kNever) wake(next);
}

// The destination decodes the packet's bits and checks them against the packet record (the
// cache the endpoint is handed): header fields, destination (this node), payload word slots.
void NetworkInterface::check_bits(const EjectVc& e, std::uint32_t handle) const {
    const proto::PacketFormat& fmt = m_shared.format;
    const proto::SpikePacket& p = m_shared.packets[handle].packet;
    const proto::Header h = fmt.decode_header(e.bits[0].data());
    auto fail = [&](const std::string& what) {
        throw Error(std::string(name()) + ": packet from node " + std::to_string(p.src) + ": decoded bits disagree with "
                    "the packet record: " + what);
    };
    if (h.multicast) {
        for (unsigned w = 0; w < proto::kFlitWords; ++w) {
            const std::uint64_t own = w == m_id / 64 ? std::uint64_t{1} << (m_id % 64) : 0;
            if (h.dest_mask[w] != own) fail("multicast bitmask is not exactly this node (routing error)");
        }
        if (std::find(p.dests.begin(), p.dests.end(), m_id) == p.dests.end()) fail("node not in the destination set");
    } else if (h.dest != m_id) {
        fail("destination " + std::to_string(h.dest) + " ejected at node " + std::to_string(m_id) + " (routing error)");
    } else if (p.is_multicast() ? std::find(p.dests.begin(), p.dests.end(), m_id) == p.dests.end() : p.dst != m_id) {
        fail("destination " + std::to_string(h.dest) + " not the record's");
    }
    if (h.kind != p.kind) fail("kind " + std::to_string(static_cast<int>(h.kind)));
    if (h.src != p.src) fail("source " + std::to_string(h.src));
    if (p.kind != proto::PacketKind::Synthetic) {
        if (h.axon != p.src_neuron) fail("axon id " + std::to_string(h.axon) + " vs " + std::to_string(p.src_neuron));
        if (h.step != p.timestep) fail("timestep " + std::to_string(h.step) + " vs " + std::to_string(p.timestep));
    }
    const std::vector<std::uint32_t> words = fmt.decode_payload(e.bits);
    if (words.size() < p.payload.size()) fail("payload words " + std::to_string(words.size()));
    for (std::size_t i = 0; i < words.size(); ++i)
        if (words[i] != (i < p.payload.size() ? p.payload[i] : 0u)) fail("payload word " + std::to_string(i));
}

bool NetworkInterface::idle() const {
    if (!m_queue.empty()) return false;
    for (const auto& s : m_send)
        if (s.active) return false;
    for (const auto& e : m_eject)
        if (e.count) return false;
    return true;
}

std::string NetworkInterface::dump() const {
    std::ostringstream os;
    if (!m_queue.empty()) os << "  " << name() << ": " << m_queue.size() << " packets in the injection queue\n";
    for (unsigned v = 0; v < m_cfg.vcs; ++v) {
        if (m_send[v].active)
            os << "  " << name() << " sending packet " << m_send[v].handle << " on vc " << v << ": flit " << m_send[v].seq
               << "/" << m_send[v].flits << ", credits " << m_credits[v] << "\n";
        if (m_eject[v].count)
            os << "  " << name() << " ejection vc " << v << ": " << m_eject[v].count << " flits"
               << (m_eject[v].blocked ? " (endpoint refused the packet at the front)" : "") << "\n";
    }
    return os.str();
}

void NetworkInterface::reset() {
    m_queue.clear();
    for (auto& s : m_send) s = SendState{};
    std::fill(m_credits.begin(), m_credits.end(), static_cast<std::int32_t>(m_cfg.buffer_depth));
    for (auto& e : m_eject) {
        e.head = e.count = 0;
        e.hops = 0;
        e.blocked = false;
    }
    m_start_rr = m_send_rr = 0;
    m_refused = false;
    m_packets_injected = m_deliveries = m_flits_sent = m_flits_received = 0;
    m_hops_sum = m_latency_sum = 0;
}

}  // namespace spiketlm::noc
