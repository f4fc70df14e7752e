// The RTL router (rtl/router.sv, Verilated, router kind `rtl`) against the TLM router (kind
// `iq_wormhole`), regression 2 of docs/rtl.md: pairs of meshes with the same configuration, one
// of each kind, run side by side in one SystemC elaboration under the same seeded random
// traffic (unicast and tree multicast, 1 to 5 flits per packet, every routing function, offered
// rates from light load to beyond saturation). Every observable must be equal: each delivery
// (packet, destination, cycle, hops, VC), each head flit's departure from each router (router,
// output port, cycle: the per-hop trace), the injection refusals, and every action count of
// routers, links and NIs (buffer writes and reads, crossbar traversals, arbitrations, link
// flits).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>

#include "common/test_util.h"
#include "hw/noc/link.h"
#include "hw/noc/mesh.h"
#include "hw/noc/rtl/rtl_router.h"
#include "hw/sim/cycle_scheduler.h"
#include "hw/sim/trace_sink.h"
#include "sw/common/error.h"
#include "sw/stats/stats.h"

using namespace spiketlm;
using proto::Cycle;

namespace {

// A routing function the RTL does not implement (registered for the error check only).
noc::RouteChoice route_custom(const noc::RouteQuery& q) {
    noc::RouteChoice r;
    r.add(q.dest_x > q.x ? noc::kEast : q.dest_x < q.x ? noc::kWest : q.dest_y > q.y ? noc::kSouth : noc::kNorth);
    return r;
}
const bool reg_custom = noc::RoutingRegistry::add("rtl_test_custom", &route_custom, "xy under another name (test)");

// Per-hop events of one mesh (the routers' trace calls).
struct HopLog final : sim::TraceSink {
    std::vector<std::string> events;
    void frame_begin(std::uint64_t, std::uint64_t) override {}
    void frame_end(std::uint64_t, std::uint64_t) override {}
    void step_start(std::uint32_t, std::uint64_t) override {}
    void barrier(std::uint32_t, std::uint64_t, std::uint64_t) override {}
    void pe_interval(std::uint32_t, PeStage, std::uint64_t, std::uint64_t, std::uint32_t) override {}
    void packet(std::uint32_t, std::uint32_t, std::uint64_t, std::uint64_t, std::uint32_t, std::uint32_t, bool) override {}
    void injection_queue(std::uint32_t, std::uint64_t, int) override {}
    void hop(std::uint32_t router, unsigned port, std::uint32_t src, std::uint64_t injected, std::uint64_t cycle) override {
        std::ostringstream s;
        s << "@" << cycle << " router " << router << " port " << port << " src " << src << " injected " << injected;
        events.push_back(s.str());
    }
};

struct Side {
    stats::Registry stats;
    std::unique_ptr<noc::Mesh> mesh;
    HopLog hops;
    std::vector<std::string> log;  // deliveries and refusals
    std::vector<std::deque<proto::SpikePacket>> backlog;
};

// One test configuration: a TLM mesh and an RTL mesh fed the same packets.
struct Pair {
    std::string label;
    noc::NocConfig cfg;
    double rate = 0.1;        // flits/node/cycle offered
    double mcast = 0.0;       // share of multicast packets
    std::uint32_t max_flits = 4;
    std::mt19937_64 rng;
    Side side[2];
    std::uint64_t created = 0, multicast = 0;
};

class Driver final : public sim::Clocked {
  public:
    Driver(std::vector<std::unique_ptr<Pair>>& pairs, Cycle end) : m_pairs(pairs), m_end(end) {}
    void evaluate(Cycle now) override {
        for (auto& pp : m_pairs) {
            Pair& P = *pp;
            const std::uint32_t nodes = P.cfg.nodes();
            std::uniform_real_distribution<double> u(0, 1);
            for (proto::NodeId n = 0; n < nodes; ++n) {
                const double avg_flits = (1 + P.max_flits) / 2.0;
                if (u(P.rng) >= P.rate / avg_flits) continue;
                proto::SpikePacket p;
                p.kind = proto::PacketKind::Synthetic;
                p.src = n;
                p.flits = static_cast<std::uint16_t>(1 + P.rng() % P.max_flits);
                p.tag = P.created++;
                p.src_neuron = static_cast<std::uint32_t>(p.tag);
                if (u(P.rng) < P.mcast) {
                    std::set<proto::NodeId> d;
                    const unsigned k = 2 + static_cast<unsigned>(P.rng() % 5);
                    while (d.size() < std::min<unsigned>(k, nodes)) d.insert(static_cast<proto::NodeId>(P.rng() % nodes));
                    p.dests.assign(d.begin(), d.end());
                    ++P.multicast;
                } else {
                    p.dst = static_cast<proto::NodeId>(P.rng() % nodes);
                }
                for (auto& s : P.side) s.backlog[n].push_back(p);
            }
            for (auto& s : P.side)
                for (proto::NodeId n = 0; n < nodes; ++n) {
                    auto& q = s.backlog[n];
                    while (!q.empty() && s.mesh->ni(n).can_inject()) {
                        REQUIRE(s.mesh->ni(n).inject(q.front()));
                        q.pop_front();
                    }
                    if (!q.empty()) s.log.push_back("@" + std::to_string(now) + " node " + std::to_string(n) + " refuses");
                }
        }
        if (now + 1 < m_end) wake(now + 1);
    }

  private:
    std::vector<std::unique_ptr<Pair>>& m_pairs;
    Cycle m_end;
};

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

// Action counters of one mesh, keyed by their name without the mesh's own name.
std::map<std::string, std::uint64_t> counters(const stats::Registry& r) {
    std::map<std::string, std::uint64_t> m;
    for (const auto& e : r.counters()) {
        const auto dot = e.info.name.find('.');
        m[e.info.name.substr(dot == std::string::npos ? 0 : dot + 1)] = e.counter->value();
    }
    return m;
}

// Builds `n` seeded random pairs; `stress` favours small buffers, one or two VCs and high rates;
// `large`: 9x9, 5x6 and 8x4 meshes with 128-bit flits (multicast bitmasks across word boundaries).
std::vector<std::unique_ptr<Pair>> make_pairs(sim::CycleScheduler& sched, unsigned n, std::uint64_t seed,
                                              bool stress, bool large) {
    static const char* routings[] = {"xy", "yx", "west_first"};
    std::vector<std::unique_ptr<Pair>> pairs;
    std::mt19937_64 g(seed);
    for (unsigned k = 0; k < n; ++k) {
        auto P = std::make_unique<Pair>();
        noc::NocConfig& c = P->cfg;
        c.width = 3 + static_cast<std::uint32_t>(g() % 2);
        c.height = 3 + static_cast<std::uint32_t>(g() % 2);
        c.routing = routings[k % 3];
        c.vcs = stress ? 1 + static_cast<std::uint32_t>(g() % 2) : 1 + static_cast<std::uint32_t>(g() % 4);
        c.buffer_depth = stress ? 1 + static_cast<std::uint32_t>(g() % 2) : 1 + static_cast<std::uint32_t>(g() % 8);
        if (g() % 2) {
            c.router_pipeline = 1 + static_cast<std::uint32_t>(g() % 5);
        } else {
            c.explicit_stages = true;
            c.rc_cycles = static_cast<std::uint32_t>(g() % 3);
            c.va_cycles = static_cast<std::uint32_t>(g() % 3);
            c.sa_cycles = 1 + static_cast<std::uint32_t>(g() % 2);
            c.st_cycles = static_cast<std::uint32_t>(g() % 2);
        }
        c.link_latency = 1 + static_cast<std::uint32_t>(g() % 2);
        c.flit_width_bits = 64;
        if (large) {
            static const std::uint32_t dims[][2] = {{9, 9}, {5, 6}, {8, 4}};
            c.width = dims[k % 3][0];
            c.height = dims[k % 3][1];
            c.flit_width_bits = 128;
        }
        c.multicast = noc::Multicast::Tree;
        c.injection_queue_depth = 1 + static_cast<std::uint32_t>(g() % 6);
        c.ni_packets_in_flight = 1 + static_cast<std::uint32_t>(g() % c.vcs);
        c.watchdog_cycles = 1000000000;  // a multicast deadlock stops both sides alike; no error
        P->rate = stress ? 0.3 + 0.5 * static_cast<double>(g() % 1000) / 1000.0
                         : 0.02 + 0.6 * static_cast<double>(g() % 1000) / 1000.0;
        P->mcast = (g() % 3 == 0) ? 0.0 : 0.1 + 0.4 * static_cast<double>(g() % 1000) / 1000.0;
        P->max_flits = 1 + static_cast<std::uint32_t>(g() % 5);
        P->rng.seed(g());
        std::ostringstream lbl;
        lbl << "pair " << k << ": " << c.width << "x" << c.height << " routing " << c.routing << " vcs " << c.vcs
            << " depth " << c.buffer_depth << " stages " << c.stages().rc << "/" << c.stages().va << "/"
            << c.stages().sa << "/" << c.stages().st << " link " << c.link_latency << " inj queue "
            << c.injection_queue_depth << " in flight " << c.ni_packets_in_flight << " rate " << P->rate
            << " multicast " << P->mcast << " flits 1-" << P->max_flits;
        P->label = lbl.str();
        for (int s = 0; s < 2; ++s) {
            Side& S = P->side[s];
            noc::NocConfig cs = c;
            cs.router = s == 0 ? "iq_wormhole" : "rtl";
            // A failing comparison can be re-run with VCDs of the RTL routers (docs/rtl.md).
            if (const char* vcd = std::getenv("SPIKETLM_RTL_ROUTER_VCD"); vcd && s == 1) {
                cs.rtl_trace = true;
                cs.rtl_trace_dir = vcd;
            }
            S.mesh = std::make_unique<noc::Mesh>(((s == 0 ? "tlm" : "rtl") + std::to_string(seed) + "_" + std::to_string(k)).c_str(),
                                                 cs, sched, S.stats);
            S.mesh->set_trace_sink(&S.hops);
            S.backlog.resize(c.nodes());
            Side* sp = &S;
            for (proto::NodeId i = 0; i < c.nodes(); ++i)
                S.mesh->ni(i).set_eject_handler([sp](const noc::Delivery& d) {
                    std::ostringstream e;
                    e << "@" << d.now << " packet " << d.packet.tag << " src " << d.packet.src << " at " << d.node
                      << " hops " << d.hops << " vc " << unsigned{d.vc} << " flits " << d.flits << " injected "
                      << d.injected;
                    sp->log.push_back(e.str());
                    return true;
                });
        }
        pairs.push_back(std::move(P));
    }
    return pairs;
}

// A failing case is run again in a child process of this test binary with
// SPIKETLM_RTL_ROUTER_VCD set (one elaboration per process: this one cannot build its meshes
// again), so that the VCD of every RTL router of the case is there when the failure is reported.
std::string rerun_with_vcd() {
    if (std::getenv("SPIKETLM_RTL_ROUTER_VCD")) return "";  // this is the re-run
    const std::string dir = std::filesystem::absolute(test::scratch_dir("rtl-router-vcd")).string();
    std::string spec;  // the test name as a Catch test spec: ',', '[', ']' and '\\' escaped
    for (char ch : Catch::getResultCapture().getCurrentTestName()) {
        if (ch == ',' || ch == '[' || ch == ']' || ch == '\\') spec += '\\';
        spec += ch;
    }
    auto q = [](const std::string& x) {  // single-quoted for the shell
        std::string r = "'";
        for (char ch : x) r += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
        return r + "'";
    };
    const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    const std::string cmd =
        "SPIKETLM_RTL_ROUTER_VCD=" + q(dir) + " " + q(self) + " " + q(spec) + " > " + q(dir + "/rerun.log") + " 2>&1";
    (void)std::system(cmd.c_str());
    return dir;
}

void run_and_compare(unsigned n, std::uint64_t seed, bool stress, Cycle cycles, bool large = false) {
    sim::CycleScheduler sched("clk", sc_core::sc_time(1, sc_core::SC_NS));
    auto pairs = make_pairs(sched, n, seed, stress, large);
    Driver driver(pairs, cycles);
    sched.attach(driver);
    driver.wake(0);
    sched.run_until(cycles + 400);
    std::uint64_t deliveries = 0, multicast = 0, refusals = 0;
    bool differs = std::getenv("SPIKETLM_TEST_FORCE_RERUN") != nullptr;
    for (auto& pp : pairs)
        differs |= sorted(pp->side[0].log) != sorted(pp->side[1].log) ||
                   sorted(pp->side[0].hops.events) != sorted(pp->side[1].hops.events);
    const std::string vcd_dir = differs ? rerun_with_vcd() : "";
    for (auto& pp : pairs) {
        Pair& P = *pp;
        INFO(P.label << " (mesh " << P.side[1].mesh->name() << "; VCDs of this case's RTL routers: "
                     << (vcd_dir.empty() ? std::string("SPIKETLM_RTL_ROUTER_VCD=<dir> writes them") : vcd_dir) << ")");
        const auto a = sorted(P.side[0].log), b = sorted(P.side[1].log);
        REQUIRE(a.size() == b.size());
        for (std::size_t i = 0; i < a.size(); ++i) {
            INFO("first difference at sorted event " << i);
            REQUIRE(a[i] == b[i]);
        }
        const auto ha = sorted(P.side[0].hops.events), hb = sorted(P.side[1].hops.events);
        REQUIRE(ha.size() == hb.size());
        for (std::size_t i = 0; i < ha.size(); ++i) REQUIRE(ha[i] == hb[i]);
        const auto ca = counters(P.side[0].stats), cb = counters(P.side[1].stats);
        REQUIRE(ca == cb);
        for (const auto& e : a) {
            if (e.find(" packet ") != std::string::npos) ++deliveries;
            else ++refusals;
        }
        multicast += P.multicast;
        REQUIRE(P.side[1].mesh->totals().deliveries > 0);
        auto* rtl = dynamic_cast<noc::RtlRouter*>(&P.side[1].mesh->router(0));
        REQUIRE(rtl);  // the second mesh really is the Verilated one
        REQUIRE(rtl->model_cycles() > 0);
    }
    // The traffic must have exercised what the comparison claims.
    CHECK(deliveries > 1000);
    CHECK(multicast > 50);
    CHECK(refusals > 0);
}

}  // namespace

TEST_CASE("rtl router: seeded random unicast and multicast traffic under every routing function gives the TLM router's "
          "deliveries, hops and action counts",
          "[rtl]") {
    run_and_compare(12, 1, false, 2500);
}

TEST_CASE("rtl router: one or two VCs with one- and two-flit buffers beyond saturation give the TLM router's "
          "deliveries, hops and action counts",
          "[rtl]") {
    run_and_compare(9, 2, true, 2500);
}

TEST_CASE("rtl router: 9x9, 5x6 and 8x4 meshes with 128-bit flits and bitmasks across word boundaries give the TLM "
          "router's deliveries, hops and action counts",
          "[rtl]") {
    run_and_compare(3, 3, false, 1500, true);
}

TEST_CASE("rtl router: configurations beyond the Verilated sizes and routing functions without RTL are config errors "
          "naming the key",
          "[rtl]") {
    sim::CycleScheduler sched("clk", sc_core::sc_time(1, sc_core::SC_NS));
    stats::Registry st;
    const noc::RtlRouterLimits& L = noc::RtlRouterLimits::compiled();
    noc::NocConfig c;
    c.router = "rtl";
    c.width = c.height = 3;
    c.vcs = L.vcs + 1;
    c.ni_packets_in_flight = 1;
    REQUIRE_THROWS_WITH(noc::Mesh("m1", c, sched, st), Catch::Contains("chip.noc.vcs") && Catch::Contains("VC_MAX"));
    c.vcs = 2;
    c.buffer_depth = L.depth + 1;
    REQUIRE_THROWS_WITH(noc::Mesh("m2", c, sched, st),
                        Catch::Contains("chip.noc.buffer_depth") && Catch::Contains("DEPTH_MAX"));
    c.buffer_depth = 4;
    c.routing = "rtl_test_custom";
    REQUIRE(reg_custom);
    REQUIRE_THROWS_WITH(noc::Mesh("m3", c, sched, st),
                        Catch::Contains("chip.noc.routing") && Catch::Contains("rtl_test_custom"));
}
