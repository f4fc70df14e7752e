#include "hw/noc/traffic.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <deque>
#include <fstream>
#include <functional>
#include <sstream>

#include "sw/cfg/param.h"
#include "sw/common/error.h"
#include "sw/common/seed.h"

namespace spiketlm::noc {

namespace {
const cfg::Param<std::string> p_pattern{
    "noc.pattern", "uniform", "", "synthetic traffic pattern",
    cfg::Choices{{"uniform", "transpose", "bitcomp", "hotspot", "neighbor"}}};
const cfg::Param<std::vector<double>> p_rates{"noc.rates", std::vector<double>{0.1}, "flits/node/cycle",
                                              "offered injection rates of the sweep (--rates a:b:step overrides)"};
const cfg::Param<std::int64_t> p_flits{"noc.packet_flits", 4, "flits", "packet length of synthetic traffic",
                                       cfg::Range{1, 1024}};
const cfg::Param<std::vector<std::int64_t>> p_spots{"noc.hotspots", std::vector<std::int64_t>{}, "nodes",
                                                    "hotspot nodes (empty: the mesh centre)"};
const cfg::Param<double> p_frac{"noc.hotspot_fraction", 0.2, "", "share of hotspot-pattern packets sent to a hotspot",
                                cfg::Range{0, 1}};
const cfg::Param<std::int64_t> p_warm{"noc.warmup_cycles", 1000, "cycles", "warm-up before measuring",
                                      cfg::Range{0, 1e9}};
const cfg::Param<std::int64_t> p_meas{"noc.measure_cycles", 10000, "cycles",
                                      "measurement window (packets created in it are measured)", cfg::Range{1, 1e9}};
const cfg::Param<std::int64_t> p_drain{"noc.drain_cycles", 20000, "cycles",
                                       "longest drain for measured packets; beyond it the point is saturated",
                                       cfg::Range{0, 1e9}};

std::uint64_t splitmix(std::uint64_t& s) {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
double thread_cpu_s() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
double u01(std::uint64_t& s) { return static_cast<double>(splitmix(s) >> 11) * 0x1.0p-53; }
}  // namespace

Pattern parse_pattern(const std::string& n) {
    if (n == "uniform") return Pattern::Uniform;
    if (n == "transpose") return Pattern::Transpose;
    if (n == "bitcomp") return Pattern::BitComplement;
    if (n == "hotspot") return Pattern::Hotspot;
    if (n == "neighbor") return Pattern::Neighbor;
    throw InputError("noc.pattern: unknown pattern '" + n + "' (uniform, transpose, bitcomp, hotspot, neighbor)");
}

const char* pattern_name(Pattern p) {
    switch (p) {
        case Pattern::Uniform: return "uniform";
        case Pattern::Transpose: return "transpose";
        case Pattern::BitComplement: return "bitcomp";
        case Pattern::Hotspot: return "hotspot";
        case Pattern::Neighbor: return "neighbor";
    }
    return "?";
}

TrafficConfig TrafficConfig::from(const cfg::Config& c) {
    TrafficConfig t;
    t.pattern = parse_pattern(p_pattern(c));
    t.rates = p_rates(c);
    t.packet_flits = static_cast<std::uint32_t>(p_flits(c));
    t.hotspots = p_spots(c);
    t.hotspot_fraction = p_frac(c);
    t.warmup_cycles = static_cast<Cycle>(p_warm(c));
    t.measure_cycles = static_cast<Cycle>(p_meas(c));
    t.drain_cycles = static_cast<Cycle>(p_drain(c));
    t.seed = master_seed(c);
    for (double r : t.rates)
        if (!(r > 0 && r <= 1))
            throw ConfigError(c.origin(p_rates.name()).str(), p_rates.name(),
                              "rate " + std::to_string(r) + " outside (0, 1] flits/node/cycle");
    return t;
}

NodeId pattern_destination(Pattern p, NodeId src, std::uint32_t w, std::uint32_t h,
                           const std::vector<std::int64_t>& hotspots, double frac, double u_pick, double u_node) {
    const std::uint32_t n = w * h;
    const std::uint32_t x = src % w, y = src / w;
    auto uniform = [&] { return std::min<NodeId>(n - 1, static_cast<NodeId>(u_node * n)); };
    switch (p) {
        case Pattern::Uniform: return uniform();
        case Pattern::Transpose: return x * w + y;  // square meshes only (checked by the experiment)
        case Pattern::BitComplement: return (h - 1 - y) * w + (w - 1 - x);
        case Pattern::Neighbor: return y * w + (x + 1) % w;
        case Pattern::Hotspot: {
            if (u_pick < frac) {
                if (hotspots.empty()) return (h / 2) * w + w / 2;
                const auto k = std::min<std::size_t>(hotspots.size() - 1, static_cast<std::size_t>(u_node * hotspots.size()));
                return static_cast<NodeId>(hotspots[k]);
            }
            return uniform();
        }
    }
    return src;
}

// All sources of the mesh in one clocked component: a heap of next-creation cycles.
class TrafficExperiment::Source final : public sim::Clocked {
  public:
    Source(Mesh& mesh, const TrafficConfig& cfg) : m_mesh(mesh), m_cfg(cfg), m_nodes(mesh.nodes()) {
        mesh.scheduler().attach(*this);
        m_ordered = mesh.config().routing == "xy" || mesh.config().routing == "yx";
        for (NodeId n = 0; n < mesh.nodes(); ++n) {
            mesh.ni(n).set_ready_callback([this, n] {
                const Cycle now = scheduler().now();
                m_retry.push_back({n, now + 1});
                wake(now + 1);
            });
            mesh.ni(n).set_eject_handler([this](const Delivery& d) { return on_delivery(d); });
        }
    }

    void start(double rate, Cycle start, std::uint64_t seed) {
        m_p = std::min(1.0, rate / m_cfg.packet_flits);
        m_log1mp = m_p < 1 ? std::log1p(-m_p) : 0;
        m_creating = true;
        m_measure_begin = start + m_cfg.warmup_cycles;
        m_measure_end = m_measure_begin + m_cfg.measure_cycles;
        m_heap.clear();
        m_retry.clear();
        m_latencies.clear();
        m_hops_sum = m_measured_created = m_measured_delivered = m_accepted_flits = 0;
        m_delivered_flags.assign(m_nodes, {});
        // Order is promised only with one VC (packets of one pair on different VCs may overtake).
        const std::uint64_t keys = m_mesh.config().vcs == 1 ? std::uint64_t{m_nodes} * m_nodes : 0;
        m_last_seq.assign(keys <= (1u << 22) ? keys : 0, 0);  // order check off on huge meshes
        m_out_of_order = m_duplicates = 0;
        for (NodeId n = 0; n < m_nodes; ++n) {
            Node& s = m_node[n];
            s = Node{};
            s.rng = derive_seed(seed, "node", n);
            m_heap.push_back({start + gap(s.rng), n});
        }
        std::make_heap(m_heap.begin(), m_heap.end(), std::greater<Next>());
        if (!m_heap.empty()) wake(m_heap.front().at);
    }
    void ensure_nodes() { m_node.resize(m_nodes); }
    void stop_creating() { m_creating = false; }
    bool backlog_empty() const {
        for (const auto& s : m_node)
            if (!s.backlog.empty()) return false;
        return true;
    }
    std::uint64_t outstanding_measured() const { return m_measured_created - m_measured_delivered; }

    void evaluate(Cycle now) override {
        while (m_creating && !m_heap.empty() && m_heap.front().at <= now) {
            std::pop_heap(m_heap.begin(), m_heap.end(), std::greater<Next>());
            const NodeId n = m_heap.back().node;
            Node& s = m_node[n];
            const double u_pick = u01(s.rng), u_node = u01(s.rng);
            const NodeId dst = pattern_destination(m_cfg.pattern, n, m_mesh.config().width, m_mesh.config().height,
                                                   m_cfg.hotspots, m_cfg.hotspot_fraction, u_pick, u_node);
            s.backlog.push_back({dst, s.seq++, now});
            m_delivered_flags[n].push_back(0);
            if (now >= m_measure_begin && now < m_measure_end) ++m_measured_created;
            m_heap.back().at = now + 1 + gap(s.rng);
            std::push_heap(m_heap.begin(), m_heap.end(), std::greater<Next>());
            drain_backlog(n);
        }
        if (!m_retry.empty()) {
            std::size_t keep = 0;
            for (std::size_t i = 0; i < m_retry.size(); ++i) {
                if (m_retry[i].at <= now) drain_backlog(m_retry[i].node);
                else m_retry[keep++] = m_retry[i];
            }
            m_retry.resize(keep);
        }
        Cycle next = (m_creating && !m_heap.empty()) ? m_heap.front().at : proto::kNever;
        for (const auto& r : m_retry) next = std::min(next, r.at);
        if (next != proto::kNever) wake(std::max(next, now + 1));
    }

    PointResult result(double rate) {
        PointResult r;
        r.offered_rate = rate;
        r.accepted_rate = static_cast<double>(m_accepted_flits) / (static_cast<double>(m_nodes) * m_cfg.measure_cycles);
        r.measured_packets = m_measured_created;
        r.measured_delivered = m_measured_delivered;
        r.saturated = m_measured_delivered < m_measured_created;
        if (!m_latencies.empty()) {
            double sum = 0;
            for (auto l : m_latencies) sum += l;
            r.latency_avg = sum / m_latencies.size();
            r.hops_avg = static_cast<double>(m_hops_sum) / m_latencies.size();
            auto pct = [&](double q) {
                const std::size_t k = std::min(m_latencies.size() - 1,
                                               static_cast<std::size_t>(std::ceil(q * m_latencies.size())) - 1);
                std::nth_element(m_latencies.begin(), m_latencies.begin() + static_cast<std::ptrdiff_t>(k),
                                 m_latencies.end());
                return static_cast<double>(m_latencies[k]);
            };
            r.latency_p50 = pct(0.50);
            r.latency_p99 = pct(0.99);
        }
        return r;
    }

    Conservation conservation() const {
        Conservation c;
        for (NodeId n = 0; n < m_nodes; ++n) {
            c.created += m_node[n].seq;
            for (auto f : m_delivered_flags[n]) {
                if (f) ++c.delivered;
                else ++c.missing;
            }
        }
        c.duplicates = m_duplicates;
        c.out_of_order = m_out_of_order;
        return c;
    }

  private:
    struct Pending {
        NodeId dst;
        std::uint32_t seq;
        Cycle created;
    };
    struct Node {
        std::uint64_t rng = 0;
        std::uint32_t seq = 0;
        std::deque<Pending> backlog;
    };
    struct Next {
        Cycle at;
        NodeId node;
        bool operator>(const Next& o) const { return at != o.at ? at > o.at : node > o.node; }
    };
    struct Retry {
        NodeId node;
        Cycle at;
    };

    Cycle gap(std::uint64_t& rng) const {
        if (m_p >= 1) return 0;
        double u = u01(rng);
        if (u <= 0) u = 0x1.0p-53;
        return static_cast<Cycle>(std::floor(std::log(u) / m_log1mp));
    }

    void drain_backlog(NodeId n) {
        Node& s = m_node[n];
        NetworkInterface& ni = m_mesh.ni(n);
        while (!s.backlog.empty()) {
            const Pending& p = s.backlog.front();
            proto::SpikePacket pk;
            pk.src = n;
            pk.dst = p.dst;
            pk.src_neuron = p.seq;
            pk.tag = p.created;
            pk.kind = proto::PacketKind::Synthetic;
            pk.flits = static_cast<std::uint16_t>(m_cfg.packet_flits);
            if (!ni.inject(std::move(pk))) break;  // the NI's ready callback brings us back
            s.backlog.pop_front();
        }
    }

    bool on_delivery(const Delivery& d) {
        const proto::SpikePacket& p = d.packet;
        const Cycle created = p.tag;
        if (created >= m_measure_begin && created < m_measure_end) {
            ++m_measured_delivered;
            m_latencies.push_back(static_cast<std::uint32_t>(d.now - created));
            m_hops_sum += d.hops;
        }
        if (d.now >= m_measure_begin && d.now < m_measure_end) m_accepted_flits += d.flits;
        auto& flag = m_delivered_flags[p.src][p.src_neuron];
        if (flag) ++m_duplicates;
        flag = 1;
        if (m_ordered && !m_last_seq.empty()) {
            auto& last = m_last_seq[static_cast<std::uint64_t>(p.src) * m_nodes + d.node];
            if (last > p.src_neuron + 1u) ++m_out_of_order;  // stored as seq + 1, 0 = none yet
            last = p.src_neuron + 1u;
        }
        return true;
    }

    Mesh& m_mesh;
    const TrafficConfig& m_cfg;
    std::uint32_t m_nodes;
    bool m_ordered = true;
    double m_p = 0, m_log1mp = 0;
    bool m_creating = false;
    Cycle m_measure_begin = 0, m_measure_end = 0;
    std::vector<Node> m_node;
    std::vector<Next> m_heap;
    std::vector<Retry> m_retry;
    std::vector<std::uint32_t> m_latencies;
    std::uint64_t m_hops_sum = 0, m_measured_created = 0, m_measured_delivered = 0, m_accepted_flits = 0;
    std::vector<std::vector<std::uint8_t>> m_delivered_flags;
    std::vector<std::uint32_t> m_last_seq;  // per (source, destination), one VC only: last sequence + 1
    std::uint64_t m_out_of_order = 0, m_duplicates = 0;
};

std::vector<ReferencePoint> read_reference_curve(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw InputError(path + ": cannot open the reference curve");
    std::vector<ReferencePoint> pts;
    std::string line;
    int col_off = -1, col_acc = -1, col_lat = -1;
    for (int ln = 1; std::getline(in, line); ++ln) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> f;
        std::stringstream ss(line);
        for (std::string t; std::getline(ss, t, ',');) f.push_back(t);
        if (col_off < 0) {
            for (std::size_t i = 0; i < f.size(); ++i) {
                if (f[i] == "offered") col_off = static_cast<int>(i);
                if (f[i] == "accepted") col_acc = static_cast<int>(i);
                if (f[i] == "latency_avg") col_lat = static_cast<int>(i);
            }
            if (col_off < 0 || col_acc < 0 || col_lat < 0)
                throw InputError(path + ":" + std::to_string(ln) +
                                 ": header must name the columns offered, accepted and latency_avg");
            continue;
        }
        const int need = std::max({col_off, col_acc, col_lat});
        if (static_cast<int>(f.size()) <= need)
            throw InputError(path + ":" + std::to_string(ln) + ": expected " + std::to_string(need + 1) +
                             " columns, found " + std::to_string(f.size()));
        try {
            pts.push_back({std::stod(f[static_cast<std::size_t>(col_off)]), std::stod(f[static_cast<std::size_t>(col_acc)]),
                           std::stod(f[static_cast<std::size_t>(col_lat)])});
        } catch (const std::exception&) {
            throw InputError(path + ":" + std::to_string(ln) + ": not a number in '" + line + "'");
        }
    }
    if (pts.empty()) throw InputError(path + ": no data rows");
    return pts;
}

TrafficExperiment::TrafficExperiment(Mesh& mesh, TrafficConfig cfg) : m_mesh(mesh), m_cfg(std::move(cfg)) {
    if (m_cfg.pattern == Pattern::Transpose && mesh.config().width != mesh.config().height)
        throw InputError("noc.pattern: transpose needs a square mesh (chip.noc.width == chip.noc.height)");
    for (auto h : m_cfg.hotspots)
        if (h < 0 || h >= static_cast<std::int64_t>(mesh.nodes()))
            throw InputError("noc.hotspots: node " + std::to_string(h) + " outside the " + std::to_string(mesh.nodes()) +
                             "-node mesh");
    m_source = std::make_unique<Source>(mesh, m_cfg);
    m_source->ensure_nodes();
}

TrafficExperiment::~TrafficExperiment() = default;

PointResult TrafficExperiment::run_point(double rate) {
    auto& sched = m_mesh.scheduler();
    sched.reset();
    m_mesh.reset();
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = thread_cpu_s();
    const std::uint64_t act0 = sched.active_cycles(), ev0 = sched.evaluations();
    const Cycle start = sched.now();
    m_source->start(rate, start, derive_seed(m_cfg.seed, "noc.traffic", static_cast<std::uint64_t>(std::llround(rate * 1e9))));
    const Cycle measure_end = start + m_cfg.warmup_cycles + m_cfg.measure_cycles;
    sched.run_until(measure_end);
    const Cycle limit = measure_end + m_cfg.drain_cycles;
    Cycle now = measure_end;
    while (m_source->outstanding_measured() && now < limit) {
        now = std::min(limit, now + 256);
        sched.run_until(now);
    }
    PointResult r = m_source->result(rate);
    r.cycles = now - start;
    r.active_cycles = sched.active_cycles() - act0;
    r.evaluations = sched.evaluations() - ev0;
    r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.cpu_s = thread_cpu_s() - c0;
    return r;
}

Conservation TrafficExperiment::flush_and_check(Cycle limit) {
    auto& sched = m_mesh.scheduler();
    m_source->stop_creating();
    const Cycle end = sched.now() + limit;
    while (!(m_mesh.quiescent() && m_source->backlog_empty()) && sched.now() < end)
        sched.run_until(std::min(end, sched.now() + 1024));
    Conservation c = m_source->conservation();
    for (NodeId n = 0; n < m_mesh.nodes(); ++n) {
        c.flits_sent += m_mesh.ni(n).flits_sent();
        c.flits_received += m_mesh.ni(n).flits_received();
    }
    return c;
}

}  // namespace spiketlm::noc
