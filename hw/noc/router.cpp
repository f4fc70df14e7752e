#include "hw/noc/router.h"

#include <algorithm>
#include <sstream>

#include "hw/noc/link.h"
#include "sw/common/error.h"
#include "sw/stats/stats.h"

namespace spiketlm::noc {

Router::Router(sc_core::sc_module_name name, NodeId id, const NocConfig& cfg, RoutingFunction routing,
               const std::string& routing_name, NocShared& shared, stats::Registry& stats)
    : sc_core::sc_module(name),
      m_id(id),
      m_x(static_cast<int>(id % cfg.width)),
      m_y(static_cast<int>(id / cfg.width)),
      m_cfg(cfg),
      m_routing(routing),
      m_routing_name(routing_name),
      m_shared(shared) {
    m_slots.resize(std::size_t{kPorts} * cfg.vcs * cfg.buffer_depth);
    m_vcs.resize(std::size_t{kPorts} * cfg.vcs);
    for (std::size_t i = 0; i < m_vcs.size(); ++i) {
        m_vcs[i].buf = &m_slots[i * cfg.buffer_depth];
        m_vcs[i].cap = static_cast<std::uint16_t>(cfg.buffer_depth);
    }
    for (unsigned p = 0; p < kPorts; ++p) {
        m_in[p].vcs = &m_vcs[p * cfg.vcs];
        for (unsigned v = 0; v < 16; ++v) {
            m_out[p].credits[v] = static_cast<std::int32_t>(cfg.buffer_depth);
            m_out[p].owner[v] = -1;
        }
    }
    const std::string path = this->name();
    stats.add_component(path, "router");
    m_buffer_write = &stats.action(path, "router", "buffer_write", "flits written into input buffers");
    m_buffer_read = &stats.action(path, "router", "buffer_read", "flits read out of input buffers");
    m_crossbar = &stats.action(path, "router", "crossbar", "flit crossbar traversals (multicast copies count each)");
    m_arbitration = &stats.action(path, "router", "arbitration", "VC allocations and switch grants");
}

void Router::check_port(Port p, NodeId dest) const {
    if (p == kLocal || p >= kPorts || !m_out[p].link)
        throw Error(std::string(name()) + ": routing function '" + m_routing_name + "' sent a packet for node " +
                    std::to_string(dest) + " to port " + port_name(p) + ", which has no link (off the mesh)");
}

Port Router::choose_route(NodeId dest, unsigned in_port, RouteChoice& choice) const {
    if (dest == m_id) {
        choice = RouteChoice{};
        choice.add(kLocal);
        return kLocal;
    }
    if (dest >= m_cfg.nodes())
        throw Error(std::string(name()) + ": packet for node " + std::to_string(dest) + " outside the " +
                    std::to_string(m_cfg.width) + "x" + std::to_string(m_cfg.height) + " mesh");
    const RouteQuery q{m_x, m_y, static_cast<int>(dest % m_cfg.width), static_cast<int>(dest / m_cfg.width),
                       static_cast<int>(m_cfg.width), static_cast<int>(m_cfg.height), static_cast<Port>(in_port)};
    choice = m_routing(q);
    if (choice.count == 0 || choice.count > 2)
        throw Error(std::string(name()) + ": routing function '" + m_routing_name + "' returned " +
                    std::to_string(choice.count) + " ports for node " + std::to_string(dest));
    for (unsigned i = 0; i < choice.count; ++i) check_port(choice.ports[i], dest);
    return choice.ports[0];
}

bool Router::route_head(InputVc& ivc, unsigned in_port, Cycle) {
    const proto::Flit& f = ivc.at(0).f;
    if (!f.head())
        throw Error(std::string(name()) + ": protocol violation: body flit of packet " + std::to_string(f.packet) +
                    " at the front of an idle VC on port " + port_name(in_port));
    ivc.nbranch = 0;
    if (!(f.flags & proto::kDestSet)) {
        Branch& b = ivc.br[ivc.nbranch++];
        b = Branch{};
        RouteChoice c;
        choose_route(f.route, in_port, c);
        b.port = kPorts;
        b.ncand = c.count;
        b.cand[0] = c.ports[0];
        b.cand[1] = c.ports[1];
        b.route = f.route;
    } else {
        // Tree multicast: split the destination set by output port (first choice of the routing
        // function for each destination), one branch per port.
        std::vector<NodeId> groups[kPorts];
        {
            const std::vector<NodeId>& set = m_shared.dest_sets[f.route];
            for (NodeId d : set) {
                RouteChoice c;
                groups[choose_route(d, in_port, c)].push_back(d);
            }
        }
        m_shared.dest_sets.release(f.route);
        for (unsigned p = 0; p < kPorts; ++p) {
            if (groups[p].empty()) continue;
            Branch& b = ivc.br[ivc.nbranch++];
            b = Branch{};
            b.port = kPorts;
            b.ncand = 1;
            b.cand[0] = static_cast<std::uint8_t>(p);
            if (groups[p].size() == 1) {
                b.route = groups[p][0];
            } else {
                b.route = m_shared.dest_sets.add();
                m_shared.dest_sets[b.route] = std::move(groups[p]);
                b.route_flags = proto::kDestSet;
            }
        }
    }
    ivc.need_vc = ivc.nbranch;
    ivc.routed = true;
    return true;
}

void Router::allocate_vcs(InputVc& ivc, unsigned in_port, unsigned vc) {
    for (unsigned i = 0; i < ivc.nbranch; ++i) {
        Branch& b = ivc.br[i];
        if (b.has_vc || b.done) continue;
        int best = -1;
        for (unsigned c = 0; c < b.ncand; ++c) {
            const OutputPort& o = m_out[b.cand[c]];
            if (o.owner[vc] != -1) continue;
            if (best < 0 || o.credits[vc] > m_out[best].credits[vc]) best = b.cand[c];
        }
        if (best < 0) continue;
        b.port = static_cast<std::uint8_t>(best);
        b.has_vc = true;
        --ivc.need_vc;
        m_out[best].owner[vc] = static_cast<std::int16_t>(in_port * 16 + vc);
        m_va_start = static_cast<std::uint8_t>(in_port + 1 == kPorts ? 0 : in_port + 1);
        m_arbitration->inc();
    }
}

inline bool Router::sendable(const InputVc& ivc, const Branch& b, unsigned vc, Cycle now) const {
    return b.has_vc && !b.done && b.offset < ivc.count && ivc.at(b.offset).ready <= now &&
           m_out[b.port].credits[vc] > 0;
}

void Router::connect_input(Port p, Link* l) {
    m_in[p].link = l;
    l->set_receiver_bit(&m_flit_pending, 1u << p);
    m_n_in = 0;
    for (unsigned i = 0; i < kPorts; ++i)
        if (m_in[i].link) m_in_ports[m_n_in++] = static_cast<std::uint8_t>(i);
}

void Router::connect_output(Port p, Link* l) {
    m_out[p].link = l;
    l->set_sender_bit(&m_credit_pending, 1u << p);
    m_n_out = 0;
    for (unsigned i = 0; i < kPorts; ++i)
        if (m_out[i].link) m_out_ports[m_n_out++] = static_cast<std::uint8_t>(i);
}

void Router::evaluate(Cycle now) {
    const unsigned nvc = m_cfg.vcs;
    // Read: flits into input buffers, credits into output counters (credits lazily: all that are
    // visible by now, whenever the router runs).
    for (std::uint32_t pend = m_flit_pending; pend; pend &= pend - 1) {
        const unsigned p = static_cast<unsigned>(__builtin_ctz(pend));
        Link* l = m_in[p].link;
        proto::Flit f;
        while (l->recv_flit(now, f)) {
            InputVc& ivc = m_in[p].vcs[f.vc];
            const unsigned cap = ivc.cap;
            if (ivc.count == cap)
                throw Error(std::string(name()) + ": input buffer overflow on port " + port_name(p) + " VC " +
                            std::to_string(f.vc) + " (credit protocol violated)");
            unsigned k = ivc.head + ivc.count;
            if (k >= cap) k -= cap;
            ivc.buf[k] = Slot{f, now + m_cfg.router_pipeline};
            ++ivc.count;
            m_in[p].occupied |= 1u << f.vc;
            ++m_buffered;
            m_buffer_write->inc();
        }
        if (!l->flits_on_wire()) m_flit_pending &= ~(1u << p);
    }
    for (std::uint32_t pend = m_credit_pending; pend; pend &= pend - 1) {
        const unsigned o = static_cast<unsigned>(__builtin_ctz(pend));
        Link* l = m_out[o].link;
        std::uint8_t vc;
        while (l->recv_credit(now, vc)) ++m_out[o].credits[vc];
        l->set_credit_wake(false);
        if (!l->credits_on_wire()) m_credit_pending &= ~(1u << o);
    }

    bool moved = false;
    if (m_buffered) {
        // Route computation and VC allocation (rotating input priority).
        // (round robin: the priority moves past the last input port granted a VC, so it
        // depends only on allocations, never on how often the router happens to be evaluated)
        std::uint32_t busy_ports = 0;  // input ports holding flits
        for (unsigned i = 0; i < m_n_in; ++i)
            if (m_in[m_in_ports[i]].occupied) busy_ports |= 1u << m_in_ports[i];
        const unsigned start = m_va_start;
        const std::uint32_t rot = ((busy_ports >> start) | (busy_ports << (kPorts - start))) & ((1u << kPorts) - 1);
        for (std::uint32_t r = rot; r; r &= r - 1) {
            unsigned p = static_cast<unsigned>(__builtin_ctz(r)) + start;
            if (p >= kPorts) p -= kPorts;
            for (std::uint32_t occ = m_in[p].occupied; occ; occ &= occ - 1) {
                const unsigned v = static_cast<unsigned>(__builtin_ctz(occ));
                InputVc& ivc = m_in[p].vcs[v];
                if (!ivc.routed) {
                    if (ivc.at(0).ready > now) continue;
                    route_head(ivc, p, now);
                }
                if (ivc.need_vc) allocate_vcs(ivc, p, v);
            }
        }
        // Switch allocation, input stage: one VC per input port (round robin).
        std::uint8_t chosen[kPorts];
        std::uint32_t want[kPorts] = {0, 0, 0, 0, 0};  // per output port: requesting input ports
        std::uint32_t want_any = 0;                      // output ports with a request
        for (std::uint32_t bp = busy_ports; bp; bp &= bp - 1) {
            const unsigned p = static_cast<unsigned>(__builtin_ctz(bp));
            unsigned v = m_in[p].rr;
            for (unsigned k = 0; k < nvc; ++k, v = (v + 1 == nvc ? 0 : v + 1)) {
                if (!(m_in[p].occupied & (1u << v))) continue;
                const InputVc& ivc = m_in[p].vcs[v];
                if (!ivc.routed) continue;
                std::uint8_t mask = 0;
                for (unsigned b = 0; b < ivc.nbranch; ++b)
                    if (sendable(ivc, ivc.br[b], v, now)) mask |= static_cast<std::uint8_t>(1u << ivc.br[b].port);
                if (mask) {
                    chosen[p] = static_cast<std::uint8_t>(v);
                    for (std::uint32_t m = mask; m; m &= m - 1) want[__builtin_ctz(m)] |= 1u << p;
                    want_any |= mask;
                    break;
                }
            }
        }
        if (want_any) {
            // Output stage: one input port per output port, round robin from the port after the
            // last one granted.
            std::uint8_t granted[kPorts] = {0, 0, 0, 0, 0};
            std::uint32_t granted_ports = 0;
            for (std::uint32_t wa = want_any; wa; wa &= wa - 1) {
                const unsigned o = static_cast<unsigned>(__builtin_ctz(wa));
                const unsigned rr = m_out[o].rr;
                const std::uint32_t w = want[o];
                const std::uint32_t rw = ((w >> rr) | (w << (kPorts - rr))) & ((1u << kPorts) - 1);
                unsigned p = static_cast<unsigned>(__builtin_ctz(rw)) + rr;
                if (p >= kPorts) p -= kPorts;
                granted[p] |= static_cast<std::uint8_t>(1u << o);
                granted_ports |= 1u << p;
                m_out[o].rr = static_cast<std::uint8_t>(p + 1 == kPorts ? 0 : p + 1);
                m_arbitration->inc();
            }
            // Switch and link traversal.
            for (std::uint32_t gp = granted_ports; gp; gp &= gp - 1) {
                const unsigned p = static_cast<unsigned>(__builtin_ctz(gp));
                const unsigned v = static_cast<unsigned>(chosen[p]);
                InputVc& ivc = m_in[p].vcs[v];
                m_in[p].rr = static_cast<std::uint8_t>(v + 1 == nvc ? 0 : v + 1);
                for (unsigned b = 0; b < ivc.nbranch; ++b) {
                    Branch& br = ivc.br[b];
                    if (br.done || !br.has_vc || !(granted[p] & (1u << br.port))) continue;
                    proto::Flit f = ivc.at(br.offset).f;
                    if (f.head()) {
                        f.route = br.route;
                        f.flags = static_cast<std::uint8_t>((f.flags & ~proto::kDestSet) | br.route_flags);
                        if (br.port != kLocal) ++f.hops;
                    }
                    m_out[br.port].link->send_flit(f, now);
                    --m_out[br.port].credits[v];
                    m_crossbar->inc();
                    ++br.offset;
                    if (f.tail()) {
                        br.done = true;
                        m_out[br.port].owner[v] = -1;
                    }
                }
                moved = true;
                // A flit leaves the buffer once every branch has sent it.
                const unsigned cap = ivc.cap;
                while (ivc.count) {
                    std::uint16_t min_off = 0xffff;
                    for (unsigned b = 0; b < ivc.nbranch; ++b) min_off = std::min(min_off, ivc.br[b].offset);
                    if (min_off == 0) break;
                    const bool tail = ivc.at(0).f.tail();
                    ivc.head = static_cast<std::uint16_t>(ivc.head + 1u == cap ? 0u : ivc.head + 1u);
                    --ivc.count;
                    --m_buffered;
                    m_buffer_read->inc();
                    m_in[p].link->send_credit(static_cast<std::uint8_t>(v), now);
                    for (unsigned b = 0; b < ivc.nbranch; ++b) --ivc.br[b].offset;
                    if (tail) {
                        ivc.routed = false;
                        ivc.nbranch = 0;
                        break;
                    }
                }
                if (!ivc.count) m_in[p].occupied &= ~(1u << v);
            }
        }
    }

    // Next cycle this router has something to do (see the scheduler's re-request rule); outputs
    // whose credits block a ready flit ask their link for a wake-up on the next credit.
    // (after a move with nothing left buffered, only arrivals can bring work: no self wake-up)
    Cycle next = moved && m_buffered ? now + 1 : proto::kNever;
    if (!moved && m_buffered) {
        for (unsigned i = 0; i < m_n_in; ++i) {
            const unsigned p = m_in_ports[i];
            std::uint32_t occ = m_in[p].occupied;
            while (occ) {
                const unsigned v = static_cast<unsigned>(__builtin_ctz(occ));
                occ &= occ - 1;
                const InputVc& ivc = m_in[p].vcs[v];
                if (!ivc.routed) {
                    next = std::min(next, ivc.at(0).ready);
                    continue;
                }
                for (unsigned b = 0; b < ivc.nbranch; ++b) {
                    const Branch& br = ivc.br[b];
                    if (br.done || !br.has_vc || br.offset >= ivc.count) continue;
                    const Cycle r = ivc.at(br.offset).ready;
                    if (r > now) {
                        next = std::min(next, r);
                    } else if (m_out[br.port].credits[v] > 0) {
                        next = now + 1;  // lost arbitration
                    } else {
                        Link* l = m_out[br.port].link;
                        l->set_credit_wake(true);
                        next = std::min(next, l->next_credit());
                    }
                }
            }
        }
    }
    for (std::uint32_t pend = m_flit_pending; pend; pend &= pend - 1)
        next = std::min(next, m_in[__builtin_ctz(pend)].link->next_flit());
    if (next != proto::kNever) wake(std::max(next, now + 1));
}

bool Router::empty() const { return m_buffered == 0; }

std::string Router::dump(Cycle now) const {
    std::ostringstream os;
    for (unsigned p = 0; p < kPorts; ++p) {
        if (!m_in[p].link) continue;
        for (unsigned v = 0; v < m_cfg.vcs; ++v) {
            const InputVc& ivc = m_in[p].vcs[v];
            if (!ivc.count) continue;
            const auto& front = ivc.at(0);
            const auto& rec = m_shared.packets[front.f.packet];
            os << "  " << name() << " in " << port_name(p) << " vc " << v << ": " << ivc.count << "/" << ivc.cap
               << " flits, front flit " << front.f.seq << " of packet " << front.f.packet << " (node " << rec.packet.src
               << " -> " << (rec.packet.is_multicast() ? "multicast" : std::to_string(rec.packet.dst)) << ", injected cycle "
               << rec.injected << ", ready " << (front.ready <= now ? "yes" : "no") << ")";
            if (!ivc.routed) os << ", not routed";
            for (unsigned i = 0; i < ivc.nbranch; ++i) {
                const Branch& b = ivc.br[i];
                os << "; branch -> ";
                if (b.has_vc)
                    os << port_name(b.port) << " vc " << v << " credits " << m_out[b.port].credits[v]
                       << (b.done ? " (tail sent)" : "");
                else
                    os << "waiting for output VC " << v << " on " << port_name(b.cand[0])
                       << (b.ncand > 1 ? std::string("/") + port_name(b.cand[1]) : std::string());
            }
            os << "\n";
        }
    }
    for (unsigned o = 0; o < kPorts; ++o) {
        if (!m_out[o].link) continue;
        for (unsigned v = 0; v < m_cfg.vcs; ++v)
            if (m_out[o].owner[v] != -1 && m_out[o].credits[v] == 0)
                os << "  " << name() << " out " << port_name(o) << " vc " << v << ": held by input "
                   << port_name(static_cast<unsigned>(m_out[o].owner[v] / 16)) << ", 0 credits\n";
    }
    return os.str();
}

void Router::reset() {
    for (unsigned p = 0; p < kPorts; ++p) {
        m_in[p].occupied = 0;
        m_in[p].rr = 0;
        for (unsigned v = 0; v < 16; ++v) {
            m_out[p].credits[v] = static_cast<std::int32_t>(m_cfg.buffer_depth);
            m_out[p].owner[v] = -1;
        }
        m_out[p].rr = 0;
    }
    for (auto& v : m_vcs) {
        v.head = v.count = 0;
        v.routed = false;
        v.nbranch = 0;
        v.need_vc = 0;
    }
    m_buffered = 0;
    m_flit_pending = m_credit_pending = 0;
    m_va_start = 0;
}

}  // namespace spiketlm::noc
