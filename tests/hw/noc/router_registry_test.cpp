// The router seam: a second router kind registered by name in the test (a minimal polled
// router, evaluated every cycle while it holds flits, as a Verilated RTL router would be) builds
// a mesh through chip.noc.router and carries packets with the zero-load timing of its own
// one-cycle pipeline; unknown kinds are input errors listing the registered ones.
#include <catch2/catch.hpp>

#include <deque>
#include <memory>

#include "hw/noc/link.h"
#include "hw/noc/mesh.h"
#include "hw/noc/router_if.h"
#include "hw/sim/cycle_scheduler.h"
#include "sw/cfg/config.h"
#include "sw/common/error.h"
#include "sw/stats/stats.h"

using namespace spiketlm;

namespace {

// One VC, unicast only, routes on the header's destination bits with the mesh's routing
// function (an RTL router sees the same bits); a flit that arrived in cycle a leaves
// in a + 1 at the earliest (one register), one flit per output per cycle, credits as the
// protocol says. It does not compute its next event: it polls itself every cycle while busy.
class PolledRouter final : public sc_core::sc_module, public noc::RouterIf {
  public:
    static int built;
    // flip_axon_bit: corrupts bit 0 of the axon field of every head flit it forwards (to check
    // that the destination NI's decode-and-compare catches bits that disagree with the packet).
    explicit PolledRouter(const noc::RouterParams& p, bool flip_axon_bit = false)
        : sc_core::sc_module(sc_core::sc_module_name(p.name.c_str())),
          m_flip(flip_axon_bit),
          m_id(p.id),
          m_cfg(p.cfg),
          m_fmt(p.shared.format),
          m_routing(p.routing) {
        ++built;
        reset();
    }
    void connect_input(noc::Port p, noc::Link* l) override { m_in[p] = l; }
    void connect_output(noc::Port p, noc::Link* l) override { m_out[p] = l; }
    noc::NodeId id() const override { return m_id; }
    bool empty() const override {
        for (const auto& b : m_buf)
            if (!b.empty()) return false;
        return true;
    }
    std::string dump(proto::Cycle) const override { return empty() ? "" : std::string(name()) + " busy\n"; }
    void reset() override {
        for (unsigned p = 0; p < noc::kPorts; ++p) {
            m_buf[p].clear();
            m_route[p] = -1;
            m_owner[p] = -1;
            m_credits[p] = static_cast<int>(m_cfg.buffer_depth);
        }
    }
    void evaluate(proto::Cycle now) override {
        for (unsigned p = 0; p < noc::kPorts; ++p) {
            proto::Flit f;
            if (m_in[p])
                while (m_in[p]->recv_flit(now, f)) m_buf[p].push_back({f, now});
            std::uint8_t vc;
            if (m_out[p])
                while (m_out[p]->recv_credit(now, vc)) ++m_credits[p];
        }
        bool out_used[noc::kPorts] = {};
        for (unsigned p = 0; p < noc::kPorts; ++p) {
            if (m_buf[p].empty() || m_buf[p].front().at >= now) continue;
            proto::Flit f = m_buf[p].front().f;
            if (m_route[p] < 0) {
                if (proto::get_bits(f.bits, m_fmt.pos_mcast(), 1)) throw Error("test_polled: unicast only");
                const auto dest = static_cast<noc::NodeId>(proto::get_bits(f.bits, m_fmt.pos_dest(), m_fmt.node_bits()));
                const unsigned o = output_for(dest, static_cast<noc::Port>(p));
                if (m_owner[o] >= 0) continue;
                m_owner[o] = static_cast<int>(p);
                m_route[p] = static_cast<int>(o);
            }
            const unsigned o = static_cast<unsigned>(m_route[p]);
            if (out_used[o] || m_credits[o] == 0) continue;
            out_used[o] = true;
            if (f.head() && o != noc::kLocal) ++f.hops;
            if (f.head() && m_flip)
                proto::set_bits(f.bits, m_fmt.pos_axon(), 1, proto::get_bits(f.bits, m_fmt.pos_axon(), 1) ^ 1);
            f.vc = 0;
            m_out[o]->send_flit(f, now);
            --m_credits[o];
            m_buf[p].pop_front();
            m_in[p]->send_credit(0, now);
            if (f.tail()) {
                m_owner[o] = -1;
                m_route[p] = -1;
            }
        }
        if (!empty()) wake(now + 1);
    }

  private:
    struct Entry {
        proto::Flit f;
        proto::Cycle at;
    };
    unsigned output_for(noc::NodeId dest, noc::Port in) const {
        if (dest == m_id) return noc::kLocal;
        const noc::RouteQuery q{static_cast<int>(m_id % m_cfg.width), static_cast<int>(m_id / m_cfg.width),
                                static_cast<int>(dest % m_cfg.width), static_cast<int>(dest / m_cfg.width),
                                static_cast<int>(m_cfg.width), static_cast<int>(m_cfg.height), in};
        return m_routing(q).ports[0];
    }
    bool m_flip;
    noc::NodeId m_id;
    const noc::NocConfig& m_cfg;
    const proto::PacketFormat& m_fmt;
    noc::RoutingFunction m_routing;
    noc::Link* m_in[noc::kPorts] = {};
    noc::Link* m_out[noc::kPorts] = {};
    std::deque<Entry> m_buf[noc::kPorts];
    int m_route[noc::kPorts], m_owner[noc::kPorts], m_credits[noc::kPorts];
};
int PolledRouter::built = 0;

const bool registered = noc::RouterRegistry::add(
    "test_polled", "test-only one-VC router polled every cycle while busy",
    [](const noc::RouterParams& p) -> std::unique_ptr<noc::RouterIf> { return std::make_unique<PolledRouter>(p); });

const bool registered_flip = noc::RouterRegistry::add(
    "test_polled_flip", "test-only: test_polled that corrupts one header bit",
    [](const noc::RouterParams& p) -> std::unique_ptr<noc::RouterIf> { return std::make_unique<PolledRouter>(p, true); });

}  // namespace

TEST_CASE("noc: a router kind registered by name builds the mesh and carries packets", "[system]") {
    REQUIRE(registered);
    cfg::Config c;
    c.load_string("chip:\n  noc:\n    width: 3\n    height: 3\n    vcs: 1\n    buffer_depth: 4\n    router: test_polled\n",
                  "test.yaml");
    const noc::NocConfig cfg = noc::NocConfig::from(c);
    REQUIRE(cfg.router == "test_polled");
    sim::CycleScheduler sched("clk", sc_core::sc_time(1, sc_core::SC_NS));
    stats::Registry stats;
    noc::Mesh mesh("noc", cfg, sched, stats);
    CHECK(PolledRouter::built == 9);
    CHECK(dynamic_cast<PolledRouter*>(&mesh.router(4)) != nullptr);

    proto::Cycle latency = 0;
    std::uint16_t hops = 0;
    int delivered = 0;
    for (noc::NodeId n = 0; n < 9; ++n)
        mesh.ni(n).set_eject_handler([&](const noc::Delivery& d) {
            latency = d.now - d.injected;
            hops = d.hops;
            ++delivered;
            CHECK(d.node == d.packet.dst);
            return true;
        });
    // Every pair alone: its one-cycle register makes it a router_pipeline = 1 router.
    noc::NocConfig p1 = cfg;
    p1.router_pipeline = 1;
    for (noc::NodeId s = 0; s < 9; ++s)
        for (noc::NodeId d = 0; d < 9; ++d) {
            proto::SpikePacket p;
            p.src = s;
            p.dst = d;
            p.flits = 3;
            REQUIRE(mesh.ni(s).inject(p));
            sched.run_while_busy(sched.now() + 500);
            REQUIRE(mesh.quiescent());
            CHECK(hops == mesh.distance(s, d));
            CHECK(latency == noc::zero_load_latency(p1, mesh.distance(s, d), 3));
        }
    CHECK(delivered == 81);
    // and all at once, through contention and credits
    for (noc::NodeId s = 0; s < 9; ++s)
        for (noc::NodeId d = 0; d < 9; ++d) {
            proto::SpikePacket p;
            p.src = s;
            p.dst = d;
            p.flits = 5;
            while (!mesh.ni(s).inject(p)) sched.run_until(sched.now() + 1);
        }
    sched.run_while_busy(sched.now() + 100000);
    CHECK(mesh.quiescent());
    CHECK(delivered == 162);
}

TEST_CASE("noc: an unknown router kind is an input error listing the registered kinds", "[unit]") {
    cfg::Config c;
    c.load_string("chip:\n  noc:\n    router: rtl_someday\n", "bad.yaml");
    CHECK_THROWS_AS(noc::NocConfig::from(c), ConfigError);
    CHECK_THROWS_WITH(noc::NocConfig::from(c), Catch::Contains("bad.yaml:3") && Catch::Contains("rtl_someday") &&
                                                  Catch::Contains("iq_wormhole") && Catch::Contains("test_polled"));
    noc::NocConfig n;
    n.router = "rtl_someday";
    CHECK_THROWS_WITH(n.validate(), Catch::Contains("chip.noc.router") && Catch::Contains("iq_wormhole"));
}

TEST_CASE("noc: the destination NI catches flit bits that disagree with the packet record", "[system]") {
    REQUIRE(registered_flip);
    noc::NocConfig cfg;
    cfg.width = 2;
    cfg.height = 1;
    cfg.vcs = 1;
    cfg.router = "test_polled_flip";
    sim::CycleScheduler sched("clk", sc_core::sc_time(1, sc_core::SC_NS));
    stats::Registry stats;
    noc::Mesh mesh("noc", cfg, sched, stats);
    proto::SpikePacket p;
    p.src = 0;
    p.dst = 1;
    p.src_neuron = 6;  // axon bit 0 flipped once per router: two routers -> 6; one more hop would not
    p.timestep = 3;
    REQUIRE(mesh.ni(0).inject(p));
    // two routers flip the bit twice: the bits agree again
    CHECK_NOTHROW(sched.run_while_busy(sched.now() + 100));
    CHECK(mesh.quiescent());
    p.dst = 0;  // one router (the source's own): flipped once
    REQUIRE(mesh.ni(0).inject(p));
    CHECK_THROWS_WITH(sched.run_while_busy(sched.now() + 100),
                      Catch::Contains("noc.ni_0_0") && Catch::Contains("disagree") && Catch::Contains("axon id 7 vs 6"));
}
