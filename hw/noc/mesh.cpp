#include "hw/noc/mesh.h"

#include <cstdlib>
#include <sstream>

#include "hw/noc/link.h"
#include "sw/stats/stats.h"

namespace spiketlm::noc {

namespace {
std::string xy_name(const char* prefix, std::uint32_t x, std::uint32_t y) {
    return std::string(prefix) + "_" + std::to_string(x) + "_" + std::to_string(y);
}
}  // namespace

Mesh::Mesh(sc_core::sc_module_name name, const NocConfig& cfg, sim::CycleScheduler& sched, stats::Registry& stats,
           const proto::EndpointFields& fields)
    : sc_core::sc_module(name), m_cfg(cfg), m_sched(sched) {
    m_cfg.validate();
    m_shared.format = proto::PacketFormat(m_cfg.nodes(), m_cfg.flit_width_bits, m_cfg.multicast == Multicast::Tree, fields);
    const RoutingFunction routing = RoutingRegistry::find(m_cfg.routing);
    const std::uint32_t w = m_cfg.width, h = m_cfg.height;
    for (std::uint32_t y = 0; y < h; ++y)
        for (std::uint32_t x = 0; x < w; ++x) {
            const NodeId n = node(x, y);
            m_routers.push_back(RouterRegistry::create(
                m_cfg.router, RouterParams{xy_name("router", x, y), n, m_cfg, routing, m_cfg.routing, m_shared, stats}));
            m_nis.push_back(std::make_unique<NetworkInterface>(xy_name("ni", x, y).c_str(), n, m_cfg, m_shared, stats));
            sched.attach(*m_routers.back());
            sched.attach(*m_nis.back());
        }
    for (std::uint32_t y = 0; y < h; ++y)
        for (std::uint32_t x = 0; x < w; ++x) {
            const NodeId n = node(x, y);
            RouterIf& r = *m_routers[n];
            NetworkInterface& ni = *m_nis[n];
            auto inj = std::make_unique<Link>(xy_name("inj", x, y).c_str(), kNiChannelLatency, kNiCreditLatency, ni, r,
                                              nullptr);
            auto ej = std::make_unique<Link>(xy_name("ej", x, y).c_str(), kNiChannelLatency, kNiCreditLatency, r, ni,
                                             nullptr);
            r.connect_input(kLocal, inj.get());
            r.connect_output(kLocal, ej.get());
            ni.connect(inj.get(), ej.get());
            m_links.push_back(std::move(inj));
            m_links.push_back(std::move(ej));
            // Links leaving (x, y) towards each existing neighbour.
            const struct {
                Port out;
                Port in;
                int dx, dy;
            } dirs[] = {{kNorth, kSouth, 0, -1}, {kEast, kWest, 1, 0}, {kSouth, kNorth, 0, 1}, {kWest, kEast, -1, 0}};
            for (const auto& d : dirs) {
                const int nx = static_cast<int>(x) + d.dx, ny = static_cast<int>(y) + d.dy;
                if (nx < 0 || ny < 0 || nx >= static_cast<int>(w) || ny >= static_cast<int>(h)) continue;
                RouterIf& peer = *m_routers[node(static_cast<std::uint32_t>(nx), static_cast<std::uint32_t>(ny))];
                const std::string lname = xy_name("link", x, y) + "_" + port_name(d.out);
                const std::string path = std::string(this->name()) + "." + lname;
                stats.add_component(path, "link");
                stats::Counter* c = &stats.action(path, "link", "flit", "flits carried router to router");
                m_link_counters.push_back(c);
                auto l = std::make_unique<Link>(lname.c_str(), m_cfg.link_latency, m_cfg.link_latency, r, peer, c);
                r.connect_output(d.out, l.get());
                peer.connect_input(d.in, l.get());
                m_links.push_back(std::move(l));
            }
        }
    m_watchdog = std::make_unique<Watchdog>(this->name(), m_cfg.watchdog_cycles, m_shared,
                                            [this](Cycle now) { return dump_state(now); });
    sched.attach(*m_watchdog);
    m_shared.watchdog = m_watchdog.get();
}

Mesh::~Mesh() = default;

std::uint32_t Mesh::distance(NodeId a, NodeId b) const {
    return static_cast<std::uint32_t>(std::abs(static_cast<int>(x_of(a)) - static_cast<int>(x_of(b))) +
                                      std::abs(static_cast<int>(y_of(a)) - static_cast<int>(y_of(b))));
}

std::uint64_t Mesh::link_flits() const {
    std::uint64_t s = 0;
    for (const auto* c : m_link_counters) s += c->value();
    return s;
}

report::NocTotals Mesh::totals() const {
    report::NocTotals t;
    for (const auto& n : m_nis) {
        t.packets += n->packets_injected();
        t.deliveries += n->deliveries();
        t.hops_sum += n->hops_sum();
        t.latency_sum_cycles += n->latency_sum();
    }
    t.flit_hops = link_flits();
    return t;
}

std::string Mesh::dump_state(Cycle now) const {
    std::ostringstream os;
    for (const auto& r : m_routers) os << r->dump(now);
    for (const auto& n : m_nis) os << n->dump();
    std::string s = os.str();
    constexpr std::size_t kMax = 20000;
    if (s.size() > kMax) s = s.substr(0, kMax) + "  ... (truncated)\n";
    return s.empty() ? "  (no flit buffered: packets are held by refusing endpoints)\n" : s;
}

void Mesh::reset_arbiters() {
    for (auto& r : m_routers) r->reset_arbiters();
    for (auto& n : m_nis) n->reset_arbiters();
}

void Mesh::reset() {
    for (auto& r : m_routers) r->reset();
    for (auto& n : m_nis) n->reset();
    for (auto& l : m_links) l->reset();
    m_watchdog->reset();
    m_shared.packets.clear();
    m_shared.last_progress = 0;
}

}  // namespace spiketlm::noc
