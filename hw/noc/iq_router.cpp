#include "hw/noc/iq_router.h"

#include <algorithm>
#include <sstream>

#include "hw/noc/link.h"
#include "hw/sim/trace_sink.h"
#include "sw/common/error.h"
#include "sw/stats/stats.h"

namespace spiketlm::noc {

namespace {
inline unsigned ctz(std::uint32_t x) { return static_cast<unsigned>(__builtin_ctz(x)); }
// Bits of `mask` (kPorts wide) rotated so that bit `start` comes first; returns the port of
// the first set bit at or after `start` (cyclically).
inline unsigned first_from(std::uint32_t mask, unsigned start) {
    const std::uint32_t rot = ((mask >> start) | (mask << (kPorts - start))) & ((1u << kPorts) - 1);
    unsigned p = ctz(rot) + start;
    return p >= kPorts ? p - kPorts : p;
}
}  // namespace

IqRouter::IqRouter(const RouterParams& p)
    : sc_core::sc_module(sc_core::sc_module_name(p.name.c_str())),
      m_id(p.id),
      m_x(static_cast<int>(p.id % p.cfg.width)),
      m_y(static_cast<int>(p.id / p.cfg.width)),
      m_cfg(p.cfg),
      m_st(p.cfg.stages()),
      m_routing(p.routing),
      m_routing_name(p.routing_name),
      m_shared(p.shared) {
    const NocConfig& cfg = p.cfg;
    m_slots.resize(std::size_t{kPorts} * cfg.vcs * cfg.buffer_depth);
    m_vcs.resize(std::size_t{kPorts} * cfg.vcs);
    for (std::size_t i = 0; i < m_vcs.size(); ++i) {
        m_vcs[i].buf = &m_slots[i * cfg.buffer_depth];
        m_vcs[i].cap = static_cast<std::uint16_t>(cfg.buffer_depth);
    }
    for (unsigned q = 0; q < kPorts; ++q) m_in[q].vcs = &m_vcs[q * cfg.vcs];
    reset();
    const std::string path = this->name();
    p.stats.add_component(path, "router");
    m_buffer_write = &p.stats.action(path, "router", "buffer_write", "flits written into input buffers");
    m_buffer_read = &p.stats.action(path, "router", "buffer_read", "flits read out of input buffers");
    m_crossbar = &p.stats.action(path, "router", "crossbar", "flit crossbar traversals (multicast copies count each)");
    m_arbitration = &p.stats.action(path, "router", "arbitration", "VC allocations and switch grants");
}

void IqRouter::check_port(Port p, NodeId dest) const {
    if (p == kLocal || p >= kPorts || !m_out[p].link)
        throw Error(std::string(name()) + ": routing function '" + m_routing_name + "' sent a packet for node " +
                    std::to_string(dest) + " to port " + port_name(p) + ", which has no link (off the mesh)");
}

Port IqRouter::choose_route(NodeId dest, unsigned in_port, RouteChoice& choice) const {
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

void IqRouter::connect_input(Port p, Link* l) {
    m_in[p].link = l;
    l->set_receiver_bit(&m_flit_pending, 1u << p);
    m_n_in = 0;
    for (unsigned i = 0; i < kPorts; ++i)
        if (m_in[i].link) m_in_ports[m_n_in++] = static_cast<std::uint8_t>(i);
}

void IqRouter::connect_output(Port p, Link* l) {
    m_out[p].link = l;
    l->set_sender_bit(&m_credit_pending, 1u << p);
    m_n_out = 0;
    for (unsigned i = 0; i < kPorts; ++i)
        if (m_out[i].link) m_out_ports[m_n_out++] = static_cast<std::uint8_t>(i);
}

// Flits visible on the input links go into their VC buffers (buffer write); credits visible on
// the output links return to the output VC counters (lazily: all that are visible by now).
void IqRouter::read_inputs(Cycle now) {
    for (std::uint32_t pend = m_flit_pending; pend; pend &= pend - 1) {
        const unsigned p = ctz(pend);
        Link* l = m_in[p].link;
        proto::Flit f;
        while (l->recv_flit(now, f)) {
            InputVc& ivc = m_in[p].vcs[f.vc];
            const unsigned cap = ivc.cap;
            if (ivc.count == cap)
                throw Error(std::string(name()) + ": input buffer overflow on port " + port_name(p) + " VC " +
                            std::to_string(f.vc) + " (credit protocol violated)");
            if (ivc.count == 0 && f.head()) {  // a head into an idle VC starts route computation now
                ivc.front = now;
                m_in[p].need_va |= 1u << f.vc;
            }
            unsigned k = ivc.head + ivc.count;
            if (k >= cap) k -= cap;
            ivc.buf[k] = f;
            ++ivc.count;
            m_in[p].occupied |= 1u << f.vc;
            ++m_buffered;
            m_buffer_write->inc();
        }
        if (!l->flits_on_wire()) m_flit_pending &= ~(1u << p);
    }
    for (std::uint32_t pend = m_credit_pending; pend; pend &= pend - 1) {
        const unsigned o = ctz(pend);
        Link* l = m_out[o].link;
        std::uint8_t vc;
        while (l->recv_credit(now, vc)) ++m_out[o].credits[vc];
        l->set_credit_wake(false);
        if (!l->credits_on_wire()) m_credit_pending &= ~(1u << o);
    }
}

std::uint32_t IqRouter::busy_ports() const {
    std::uint32_t busy = 0;
    for (unsigned i = 0; i < m_n_in; ++i)
        if (m_in[m_in_ports[i]].occupied) busy |= 1u << m_in_ports[i];
    return busy;
}

// Route computation: the head at the front of `ivc` gets its output port(s) from its header
// bits, one branch each; a multicast bitmask is split by the routing function's first choice
// per destination node.
void IqRouter::route(InputVc& ivc, unsigned in_port) {
    const proto::Flit& f = ivc.at(0);
    if (!f.head())
        throw Error(std::string(name()) + ": protocol violation: body flit of packet " + std::to_string(f.packet) +
                    " at the front of an idle VC on port " + port_name(in_port));
    const proto::PacketFormat& fmt = m_shared.format;
    ivc.nbranch = 0;
    if (!proto::get_bits(f.bits, fmt.pos_mcast(), 1)) {
        const auto dest = static_cast<NodeId>(proto::get_bits(f.bits, fmt.pos_dest(), fmt.node_bits()));
        Branch& b = ivc.br[ivc.nbranch++];
        b = Branch{};
        RouteChoice c;
        choose_route(dest, in_port, c);
        b.ncand = c.count;
        b.cand[0] = c.ports[0];
        b.cand[1] = c.ports[1];
        b.dest = dest;
    } else {
        const proto::Header h = fmt.decode_header(f.bits);
        std::uint64_t masks[kPorts][proto::kFlitWords] = {};
        for (unsigned w = 0; w < proto::kFlitWords; ++w)
            for (std::uint64_t m = h.dest_mask[w]; m; m &= m - 1) {
                const NodeId d = w * 64 + static_cast<NodeId>(__builtin_ctzll(m));
                RouteChoice c;
                const Port p = choose_route(d, in_port, c);
                masks[p][d / 64] |= std::uint64_t{1} << (d % 64);
            }
        for (unsigned p = 0; p < kPorts; ++p) {
            bool any = false;
            for (unsigned w = 0; w < proto::kFlitWords; ++w) any |= masks[p][w] != 0;
            if (!any) continue;
            Branch& b = ivc.br[ivc.nbranch++];
            b = Branch{};
            b.ncand = 1;
            b.cand[0] = static_cast<std::uint8_t>(p);
            b.multicast = true;
            for (unsigned w = 0; w < proto::kFlitWords; ++w) b.mask[w] = masks[p][w];
        }
        if (!ivc.nbranch)
            throw Error(std::string(name()) + ": multicast packet " + std::to_string(f.packet) +
                        " with an empty destination bitmask");
    }
    ivc.need_vc = ivc.nbranch;
    ivc.routed = true;
}

// Route computation for heads whose RC delay has passed, then VC allocation: one iteration of a
// separable iSLIP allocator between the branches waiting for an output VC (requesters; their
// input VC index is input port * vcs + VC) and the free output VCs of their candidate ports.
// Each free output VC grants one requester (round robin from its pointer over input VCs), each
// requester accepts one grant (most credits first, for adaptive routing; then round robin from
// its pointer over output VCs); pointers move only on accepted grants. A requester that loses
// retries in the next cycle.
void IqRouter::route_and_allocate_vcs(std::uint32_t busy, Cycle now) {
    const unsigned nvc = m_cfg.vcs;
    const unsigned n_in = kPorts * nvc, n_out = kPorts * nvc;
    struct Req {
        std::uint8_t p, v, b;
    };
    Req reqs[kPorts * 16 * kPorts];
    unsigned nreqs = 0;
    std::uint32_t want_ports = 0;
    for (std::uint32_t bp = busy; bp; bp &= bp - 1) {
        const unsigned p = ctz(bp);
        for (std::uint32_t nv = m_in[p].need_va & m_in[p].occupied; nv; nv &= nv - 1) {
            const unsigned v = ctz(nv);
            InputVc& ivc = m_in[p].vcs[v];
            if (!ivc.routed) {
                if (ivc.front + m_st.rc > now) continue;
                route(ivc, p);
            }
            for (unsigned b = 0; b < ivc.nbranch; ++b) {
                const Branch& br = ivc.br[b];
                if (br.has_vc || br.done) continue;
                reqs[nreqs++] = Req{static_cast<std::uint8_t>(p), static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(b)};
                for (unsigned c = 0; c < br.ncand; ++c) want_ports |= 1u << br.cand[c];
            }
        }
    }
    if (!nreqs) return;
    // Grant: each free output VC of a wanted port picks the first requester from its pointer.
    std::int16_t grant[kPorts][16];
    for (std::uint32_t wp = want_ports; wp; wp &= wp - 1) {
        const unsigned o = ctz(wp);
        for (unsigned ov = 0; ov < nvc; ++ov) {
            grant[o][ov] = -1;
            if (m_out[o].owner[ov] != -1) continue;
            unsigned best_dist = ~0u;
            for (unsigned r = 0; r < nreqs; ++r) {
                const Branch& br = m_in[reqs[r].p].vcs[reqs[r].v].br[reqs[r].b];
                if (br.cand[0] != o && !(br.ncand > 1 && br.cand[1] == o)) continue;
                const unsigned idx = reqs[r].p * nvc + reqs[r].v;
                const unsigned dist = (idx + n_in - m_va_grant_rr[o][ov]) % n_in;
                if (dist < best_dist) {
                    best_dist = dist;
                    grant[o][ov] = static_cast<std::int16_t>(r);
                }
            }
        }
    }
    // Accept.
    for (unsigned r = 0; r < nreqs; ++r) {
        const unsigned p = reqs[r].p, v = reqs[r].v;
        InputVc& ivc = m_in[p].vcs[v];
        Branch& br = ivc.br[reqs[r].b];
        const unsigned idx = p * nvc + v;
        int best_o = -1, best_ov = -1;
        unsigned best_dist = ~0u;
        for (unsigned c = 0; c < br.ncand; ++c) {
            const unsigned o = br.cand[c];
            for (unsigned ov = 0; ov < nvc; ++ov) {
                if (grant[o][ov] != static_cast<std::int16_t>(r)) continue;
                const unsigned dist = (o * nvc + ov + n_out - m_va_accept_rr[idx]) % n_out;
                const bool better = best_o < 0 || m_out[o].credits[ov] > m_out[best_o].credits[best_ov] ||
                                    (m_out[o].credits[ov] == m_out[best_o].credits[best_ov] && dist < best_dist);
                if (better) {
                    best_o = static_cast<int>(o);
                    best_ov = static_cast<int>(ov);
                    best_dist = dist;
                }
            }
        }
        if (best_o < 0) continue;
        br.port = static_cast<std::uint8_t>(best_o);
        br.out_vc = static_cast<std::uint8_t>(best_ov);
        br.has_vc = true;
        br.sa_ready = now + m_st.va;
        if (--ivc.need_vc == 0) m_in[p].need_va &= ~(1u << v);
        m_out[best_o].owner[best_ov] = static_cast<std::int16_t>(p * 16 + v);
        m_va_grant_rr[best_o][best_ov] = static_cast<std::uint8_t>((idx + 1) % n_in);
        m_va_accept_rr[idx] = static_cast<std::uint8_t>((static_cast<unsigned>(best_o) * nvc + static_cast<unsigned>(best_ov) + 1) % n_out);
        m_arbitration->inc();
    }
}
// Switch allocation, one iteration of iSLIP. Returns the input ports that won; grants[p] says
// which VC and which output ports.
std::uint32_t IqRouter::allocate_switch(std::uint32_t busy, Grant grants[kPorts], Cycle now) {
    const unsigned nvc = m_cfg.vcs;
    std::uint8_t req_vc[kPorts][kPorts];
    std::uint32_t in_req[kPorts] = {0, 0, 0, 0, 0};   // per input: requested output ports
    std::uint32_t out_req[kPorts] = {0, 0, 0, 0, 0};  // per output: requesting input ports
    std::uint32_t any_out = 0;
    for (std::uint32_t bp = busy; bp; bp &= bp - 1) {
        const unsigned p = ctz(bp);
        unsigned v = m_in[p].vc_rr;
        for (unsigned k = 0; k < nvc; ++k, v = (v + 1 == nvc ? 0 : v + 1)) {
            if (!(m_in[p].occupied & (1u << v))) continue;
            const InputVc& ivc = m_in[p].vcs[v];
            if (!ivc.routed) continue;
            for (unsigned b = 0; b < ivc.nbranch; ++b) {
                const Branch& br = ivc.br[b];
                if (!sendable(ivc, br, now) || (in_req[p] & (1u << br.port))) continue;
                in_req[p] |= 1u << br.port;
                req_vc[p][br.port] = static_cast<std::uint8_t>(v);
                out_req[br.port] |= 1u << p;
                any_out |= 1u << br.port;
            }
        }
    }
    if (!any_out) return 0;
    // Grant: each requested output picks one input port, round robin from its pointer.
    std::uint32_t offered[kPorts] = {0, 0, 0, 0, 0};  // per input: outputs that granted it
    std::uint32_t any_in = 0;
    for (std::uint32_t ao = any_out; ao; ao &= ao - 1) {
        const unsigned o = ctz(ao);
        const unsigned p = first_from(out_req[o], m_out[o].grant_rr);
        offered[p] |= 1u << o;
        any_in |= 1u << p;
    }
    // Accept: each input takes one grant, round robin from its pointer; pointers move only on
    // accepted grants. A multicast VC also takes its other branches granted in this cycle.
    std::uint32_t won = 0;
    for (std::uint32_t ai = any_in; ai; ai &= ai - 1) {
        const unsigned p = ctz(ai);
        const unsigned o = first_from(offered[p], m_in[p].accept_rr);
        const unsigned v = req_vc[p][o];
        std::uint8_t outs = static_cast<std::uint8_t>(1u << o);
        for (std::uint32_t other = offered[p] & ~(1u << o); other; other &= other - 1) {
            const unsigned o2 = ctz(other);
            if (req_vc[p][o2] == v) outs |= static_cast<std::uint8_t>(1u << o2);
        }
        grants[p] = Grant{static_cast<std::uint8_t>(v), outs};
        won |= 1u << p;
        for (std::uint32_t g = outs; g; g &= g - 1) {
            const unsigned go = ctz(g);
            m_out[go].grant_rr = static_cast<std::uint8_t>(p + 1 == kPorts ? 0 : p + 1);
            m_arbitration->inc();
        }
        m_in[p].accept_rr = static_cast<std::uint8_t>(o + 1 == kPorts ? 0 : o + 1);
        m_in[p].vc_rr = static_cast<std::uint8_t>(v + 1 == nvc ? 0 : v + 1);
    }
    return won;
}

// Switch traversal of the granted flits: into the output channel sa + st cycles after the grant;
// a flit every branch has been granted leaves its buffer sa cycles after the grant (credit
// upstream then).
void IqRouter::traverse(std::uint32_t won, const Grant grants[kPorts], Cycle now) {
    const std::uint32_t out_delay = m_st.sa + m_st.st;
    for (std::uint32_t w = won; w; w &= w - 1) {
        const unsigned p = ctz(w);
        const unsigned v = grants[p].vc;
        InputVc& ivc = m_in[p].vcs[v];
        for (unsigned b = 0; b < ivc.nbranch; ++b) {
            Branch& br = ivc.br[b];
            if (br.done || !br.has_vc || !(grants[p].outputs & (1u << br.port))) continue;
            proto::Flit f = ivc.at(br.offset);
            if (f.head()) {
                if (br.multicast && ivc.nbranch > 1)  // this branch's share of the destinations
                    m_shared.format.set_dest(f.bits, true, 0, br.mask);
                if (br.port != kLocal) ++f.hops;
            }
            f.vc = br.out_vc;
            if (f.head() && m_shared.trace) {
                const PacketRecord& rec = m_shared.packets[f.packet];
                m_shared.trace->hop(m_id, br.port, rec.packet.src, rec.injected, now + out_delay);
            }
            m_out[br.port].link->send_flit(f, now, out_delay);
            --m_out[br.port].credits[br.out_vc];
            m_crossbar->inc();
            ++br.offset;
            if (f.tail()) {
                br.done = true;
                m_out[br.port].owner[br.out_vc] = -1;
            }
        }
        const unsigned cap = ivc.cap;
        while (ivc.count) {
            std::uint16_t min_off = 0xffff;
            for (unsigned b = 0; b < ivc.nbranch; ++b) min_off = std::min(min_off, ivc.br[b].offset);
            if (min_off == 0) break;
            const bool tail = ivc.at(0).tail();
            ivc.head = static_cast<std::uint16_t>(ivc.head + 1u == cap ? 0u : ivc.head + 1u);
            --ivc.count;
            --m_buffered;
            m_buffer_read->inc();
            m_in[p].link->send_credit(static_cast<std::uint8_t>(v), now, m_st.sa);
            for (unsigned b = 0; b < ivc.nbranch; ++b) --ivc.br[b].offset;
            if (tail) {
                ivc.routed = false;
                ivc.nbranch = 0;
                ivc.front = now + 1;  // the next head (if any) is routed from the next cycle on
                if (ivc.count) m_in[p].need_va |= 1u << v;
                break;
            }
        }
        if (!ivc.count) m_in[p].occupied &= ~(1u << v);
    }
}

// The next cycle this router has something to do (the scheduler's re-request rule). Outputs
// whose credits block a flit ask their link for a wake-up on the next credit; a branch waiting
// for an output VC while none is free needs none: VCs are released only by this router's own
// switch grants.
Cycle IqRouter::next_event(bool moved, Cycle now) {
    Cycle next = moved && m_buffered ? now + 1 : proto::kNever;
    if (!moved && m_buffered) {
        for (unsigned i = 0; i < m_n_in; ++i) {
            const unsigned p = m_in_ports[i];
            for (std::uint32_t occ = m_in[p].occupied; occ; occ &= occ - 1) {
                const InputVc& ivc = m_in[p].vcs[ctz(occ)];
                if (!ivc.routed) {
                    next = std::min(next, ivc.front + m_st.rc);
                    continue;
                }
                for (unsigned b = 0; b < ivc.nbranch; ++b) {
                    const Branch& br = ivc.br[b];
                    if (br.done) continue;
                    if (!br.has_vc) {  // lost VC allocation while a VC was free: retry
                        for (unsigned c = 0; c < br.ncand; ++c)
                            for (unsigned ov = 0; ov < m_cfg.vcs; ++ov)
                                if (m_out[br.cand[c]].owner[ov] == -1) next = now + 1;
                        continue;
                    }
                    if (br.offset >= ivc.count) continue;
                    if (br.sa_ready > now) {
                        next = std::min(next, br.sa_ready);
                    } else if (m_out[br.port].credits[br.out_vc] > 0) {
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
        next = std::min(next, m_in[ctz(pend)].link->next_flit());
    return next;
}

void IqRouter::evaluate(Cycle now) {
    read_inputs(now);
    bool moved = false;
    if (m_buffered) {
        const std::uint32_t busy = busy_ports();
        route_and_allocate_vcs(busy, now);
        Grant grants[kPorts];
        const std::uint32_t won = allocate_switch(busy, grants, now);
        if (won) {
            traverse(won, grants, now);
            moved = true;
        }
    }
    const Cycle next = next_event(moved, now);
    if (next != proto::kNever) wake(std::max(next, now + 1));
}

std::string IqRouter::dump(Cycle now) const {
    std::ostringstream os;
    for (unsigned p = 0; p < kPorts; ++p) {
        if (!m_in[p].link) continue;
        for (unsigned v = 0; v < m_cfg.vcs; ++v) {
            const InputVc& ivc = m_in[p].vcs[v];
            if (!ivc.count) continue;
            const proto::Flit& front = ivc.at(0);
            const auto& rec = m_shared.packets[front.packet];
            os << "  " << name() << " in " << port_name(p) << " vc " << v << ": " << ivc.count << "/" << ivc.cap
               << " flits, front flit " << front.seq << " of packet " << front.packet << " (node " << rec.packet.src
               << " -> " << (rec.packet.is_multicast() ? "multicast" : std::to_string(rec.packet.dst))
               << ", injected cycle " << rec.injected << ")";
            if (!ivc.routed) os << ", not routed" << (ivc.front + m_st.rc > now ? " (route computation)" : "");
            for (unsigned i = 0; i < ivc.nbranch; ++i) {
                const Branch& b = ivc.br[i];
                os << "; branch -> ";
                if (b.has_vc)
                    os << port_name(b.port) << " vc " << unsigned{b.out_vc} << " credits "
                       << m_out[b.port].credits[b.out_vc] << (b.done ? " (tail sent)" : "");
                else
                    os << "waiting for a free output VC on " << port_name(b.cand[0])
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
                   << port_name(static_cast<unsigned>(m_out[o].owner[v] / 16)) << " vc " << m_out[o].owner[v] % 16
                   << ", 0 credits\n";
    }
    return os.str();
}

void IqRouter::reset_arbiters() {
    for (unsigned p = 0; p < kPorts; ++p) {
        m_in[p].vc_rr = m_in[p].accept_rr = 0;
        m_out[p].grant_rr = 0;
    }
    for (auto& o : m_va_grant_rr)
        for (auto& g : o) g = 0;
    for (auto& a : m_va_accept_rr) a = 0;
}

void IqRouter::reset() {
    for (unsigned p = 0; p < kPorts; ++p) {
        m_in[p].occupied = m_in[p].need_va = 0;
        m_in[p].vc_rr = m_in[p].accept_rr = 0;
        for (unsigned v = 0; v < 16; ++v) {
            m_out[p].credits[v] = static_cast<std::int32_t>(m_cfg.buffer_depth);
            m_out[p].owner[v] = -1;
        }
        m_out[p].grant_rr = 0;
    }
    for (auto& v : m_vcs) {
        v.head = v.count = 0;
        v.routed = false;
        v.front = 0;
        v.nbranch = 0;
        v.need_vc = 0;
    }
    m_buffered = 0;
    m_flit_pending = m_credit_pending = 0;
    for (auto& o : m_va_grant_rr)
        for (auto& g : o) g = 0;
    for (auto& a : m_va_accept_rr) a = 0;
}

}  // namespace spiketlm::noc
