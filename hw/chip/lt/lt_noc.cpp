#include "hw/chip/lt/lt_noc.h"

#include <algorithm>

#include "sw/common/error.h"
#include "sw/stats/stats.h"

namespace spiketlm::chip::lt {

namespace {
std::string xy(const std::string& base, const char* prefix, std::uint32_t node, std::uint32_t w) {
    return base + "." + prefix + "_" + std::to_string(node % w) + "_" + std::to_string(node / w);
}
}  // namespace

LtNoc::LtNoc(sc_core::sc_module_name name, const noc::NocConfig& cfg, sc_core::sc_time period, stats::Registry& stats,
             const std::string& stats_path)
    : sc_module(name), socket("socket"), m_cfg(cfg), m_period_ps(period.value()) {
    m_cfg.validate();
    m_routing = noc::RoutingRegistry::find(m_cfg.routing);
    if (!m_routing) throw InputError("chip.noc.routing: unknown routing function '" + m_cfg.routing + "'");
    m_head = m_cfg.stages().head();
    // Credit round trips of docs/noc.md (credit loops): router to router, router to NI.
    const auto st = m_cfg.stages();
    m_rt_link = 2 * st.sa + st.st + 2 * m_cfg.link_latency;
    m_rt_eject = st.sa + st.st + noc::kNiChannelLatency + noc::kNiCreditLatency;
    socket.register_b_transport(this, &LtNoc::b_transport);
    const std::uint32_t n = m_cfg.nodes(), w = m_cfg.width;
    m_busy.assign(std::size_t{n} * noc::kPorts, {});
    m_port_stamp.assign(std::size_t{n} * noc::kPorts, 0);
    m_port_dep.assign(std::size_t{n} * noc::kPorts, 0);
    m_node_stamp.assign(n, 0);
    m_nc.resize(n);
    for (std::uint32_t k = 0; k < n; ++k) {
        auto& c = m_nc[k];
        const std::string r = xy(stats_path, "router", k, w), ni = xy(stats_path, "ni", k, w);
        stats.add_component(r, "router");
        c.buf_w = &stats.action(r, "router", "buffer_write", "flits written into input buffers (LT: per route)");
        c.buf_r = &stats.action(r, "router", "buffer_read", "flits read out of input buffers (LT: per route)");
        c.xbar = &stats.action(r, "router", "crossbar", "flit crossbar traversals (LT: per route)");
        c.arb = &stats.action(r, "router", "arbitration", "VC allocations and switch grants (LT: per route)");
        stats.add_component(ni, "ni");
        c.pkt_in = &stats.action(ni, "ni", "packet_in", "packets accepted into the injection queue");
        c.flit_out = &stats.action(ni, "ni", "flit_out", "flits packetized and sent to the router");
        c.flit_in = &stats.action(ni, "ni", "flit_in", "flits received into the ejection buffer");
        c.pkt_out = &stats.action(ni, "ni", "packet_out", "packets handed to the endpoint");
    }
    // Router-to-router links, named and registered in the cycle-level mesh's order.
    for (std::uint32_t k = 0; k < n; ++k)
        for (noc::Port p : {noc::kNorth, noc::kEast, noc::kSouth, noc::kWest}) {
            if (neighbour(k, p) == k) continue;
            const std::string l = xy(stats_path, "link", k, w) + "_" + noc::port_name(p);
            stats.add_component(l, "link");
            m_nc[k].link[p] = &stats.action(l, "link", "flit", "flits carried router to router");
        }
}

Cycle LtNoc::zero_load(std::uint32_t hops, std::uint32_t flits) const { return noc::zero_load_latency(m_cfg, hops, flits); }

std::uint32_t LtNoc::neighbour(std::uint32_t node, noc::Port p) const {
    const std::uint32_t x = node % m_cfg.width, y = node / m_cfg.width;
    switch (p) {
        case noc::kNorth: return y > 0 ? node - m_cfg.width : node;
        case noc::kSouth: return y + 1 < m_cfg.height ? node + m_cfg.width : node;
        case noc::kEast: return x + 1 < m_cfg.width ? node + 1 : node;
        case noc::kWest: return x > 0 ? node - 1 : node;
        default: return node;
    }
}

noc::Port LtNoc::route(std::uint32_t at, std::uint32_t dest) const {
    noc::RouteQuery q{static_cast<int>(at % m_cfg.width), static_cast<int>(at / m_cfg.width),
                      static_cast<int>(dest % m_cfg.width), static_cast<int>(dest / m_cfg.width),
                      static_cast<int>(m_cfg.width), static_cast<int>(m_cfg.height), noc::kLocal};
    const noc::RouteChoice c = m_routing(q);
    if (c.count == 0) throw Error("LT NoC: the routing function gave no port");
    return c.ports[0];  // adaptive functions: the first choice (no congestion information here)
}

Cycle LtNoc::depart(std::uint32_t node, noc::Port port, Cycle a, std::uint32_t flits) {
    // The port's reservations, in time order; a head takes the first gap of `flits` cycles from
    // a + P_head on (packets are offered in send order, not in arrival order at this port, so a
    // later-offered packet may fit before an earlier-offered one that arrives later).
    auto& busy = m_busy[std::size_t{node} * noc::kPorts + port];
    auto ends_by = [&busy](Cycle c) {  // reservations are disjoint and sorted: so are their ends
        return static_cast<std::size_t>(
            std::partition_point(busy.begin(), busy.end(), [c](const auto& r) { return r.second <= c; }) - busy.begin());
    };
    // Reservations over before the current packet was sent can never matter again.
    if (busy.size() > 32) busy.erase(busy.begin(), busy.begin() + static_cast<std::ptrdiff_t>(ends_by(m_now)));
    Cycle t = a + m_head;
    std::size_t k = ends_by(t);
    for (; k < busy.size(); ++k) {
        if (busy[k].first >= t + flits) break;
        t = busy[k].second;
    }
    // The port is held for the packet's flits, or longer when the downstream credits cannot cover
    // the channel's credit round trip (shallow buffers: buffer_depth x vcs < round trip).
    const Cycle rt = port == noc::kLocal ? m_rt_eject : m_rt_link;
    const Cycle credits = Cycle{m_cfg.buffer_depth} * m_cfg.vcs;
    const Cycle hold = credits >= rt ? flits : (Cycle{flits} * rt + credits - 1) / credits;
    // Reservations that touch are kept as one interval (the gaps, all that matters, are the
    // same): a busy port then scans one interval per busy period, not one per packet.
    const bool join_prev = k > 0 && busy[k - 1].second == t;
    const bool join_next = k < busy.size() && busy[k].first == t + hold;
    if (join_prev && join_next) {
        busy[k - 1].second = busy[k].second;
        busy.erase(busy.begin() + static_cast<std::ptrdiff_t>(k));
    } else if (join_prev) {
        busy[k - 1].second = t + hold;
    } else if (join_next) {
        busy[k].first = t;
    } else {
        busy.insert(busy.begin() + static_cast<std::ptrdiff_t>(k), {t, t + hold});
    }
    return t;
}

void LtNoc::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    auto* ext = gp.get_extension<LtPacketExtension>();
    if (!ext || !ext->dests || ext->src >= m_cfg.nodes()) {
        gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    const std::uint32_t F = ext->flits;
    // The head enters the injection channel in cycle `send` and is at the source router one later.
    const Cycle send = (sc_core::sc_time_stamp() + delay).value() / m_period_ps;
    m_now = send;
    auto& src = m_nc[ext->src];
    if (ext->inject) src.pkt_in->inc();
    src.flit_out->inc(F);
    ext->deliveries.clear();
    // A fresh stamp marks the router outputs and routers this packet has used (tree multicast).
    if (++m_stamp == 0) {
        std::fill(m_port_stamp.begin(), m_port_stamp.end(), 0);
        std::fill(m_node_stamp.begin(), m_node_stamp.end(), 0);
        m_stamp = 1;
    }
    Cycle last = send;
    for (const std::uint32_t dest : *ext->dests) {
        if (dest >= m_cfg.nodes()) {
            gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        std::uint32_t at = ext->src, hops = 0;
        Cycle a = send + noc::kNiChannelLatency;
        for (;;) {
            const noc::Port out = at == dest ? noc::kLocal : route(at, dest);
            // Tree multicast: a router output the packet already uses is shared by the branches.
            const std::size_t slot = std::size_t{at} * noc::kPorts + out;
            Cycle dep = 0;
            if (m_port_stamp[slot] == m_stamp) {
                dep = m_port_dep[slot];
            } else {
                dep = depart(at, out, a, F);
                m_port_stamp[slot] = m_stamp;
                m_port_dep[slot] = dep;
                auto& c = m_nc[at];
                if (m_node_stamp[at] != m_stamp) {
                    m_node_stamp[at] = m_stamp;
                    c.buf_w->inc(F);
                    c.buf_r->inc(F);
                }
                c.xbar->inc(F);
                c.arb->inc(1 + F);
                if (out != noc::kLocal) {
                    c.link[out]->inc(F);
                    m_totals.flit_hops += F;
                }
            }
            if (out == noc::kLocal) {
                const Cycle at_cycle = dep + noc::kNiChannelLatency + (F - 1);
                ext->deliveries.push_back({dest, at_cycle});
                m_nc[dest].flit_in->inc(F);
                m_nc[dest].pkt_out->inc();
                ++m_totals.deliveries;
                m_totals.hops_sum += hops;
                // inject() one cycle before the head's send, as the cycle-level NI counts latency.
                m_totals.latency_sum_cycles += at_cycle - (send - 1);
                last = std::max(last, at_cycle);
                break;
            }
            at = neighbour(at, out);
            a = dep + m_cfg.link_latency;
            ++hops;
        }
    }
    if (ext->inject) ++m_totals.packets;
    delay += sc_core::sc_time::from_value((last - send) * m_period_ps);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace spiketlm::chip::lt
