// Multicast: each destination exactly once; tree replication never uses more link traversals
// than source replication and exactly the edges of the union of the XY paths.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <random>
#include <set>

#include "hw/noc/mesh.h"
#include "hw/sim/cycle_scheduler.h"
#include "sw/stats/stats.h"

using namespace spiketlm;

namespace {

struct Net {
    noc::NocConfig cfg;
    std::unique_ptr<noc::Mesh> mesh;
    std::map<std::pair<std::uint64_t, proto::NodeId>, int> got;  // (tag, node) -> deliveries
    std::map<std::pair<std::uint64_t, proto::NodeId>, proto::Cycle> latency;
};

std::unique_ptr<Net> make(const char* name, noc::Multicast m, sim::CycleScheduler& s, stats::Registry& st,
                          std::uint32_t k = 8) {
    auto n = std::make_unique<Net>();
    n->cfg.width = n->cfg.height = k;
    n->cfg.multicast = m;
    n->cfg.flit_width_bits = 128;  // an 8x8 node bitmask (64 bits) + the other header fields
    n->cfg.vcs = 2;
    n->cfg.buffer_depth = 4;
    n->cfg.watchdog_cycles = 5000;
    n->mesh = std::make_unique<noc::Mesh>(name, n->cfg, s, st);
    Net* np = n.get();
    for (proto::NodeId i = 0; i < n->mesh->nodes(); ++i)
        n->mesh->ni(i).set_eject_handler([np](const noc::Delivery& d) {
            ++np->got[{d.packet.tag, d.node}];
            np->latency[{d.packet.tag, d.node}] = d.now - d.injected;
            return true;
        });
    return n;
}

// Directed links of the XY path from a to b on a k-wide mesh.
std::set<std::pair<proto::NodeId, proto::NodeId>> xy_edges(proto::NodeId a, proto::NodeId b, std::uint32_t k) {
    std::set<std::pair<proto::NodeId, proto::NodeId>> e;
    int x = static_cast<int>(a % k), y = static_cast<int>(a / k);
    const int bx = static_cast<int>(b % k), by = static_cast<int>(b / k);
    auto id = [&](int xx, int yy) { return static_cast<proto::NodeId>(yy * static_cast<int>(k) + xx); };
    while (x != bx) {
        const int nx = x + (bx > x ? 1 : -1);
        e.insert({id(x, y), id(nx, y)});
        x = nx;
    }
    while (y != by) {
        const int ny = y + (by > y ? 1 : -1);
        e.insert({id(x, y), id(x, ny)});
        y = ny;
    }
    return e;
}

}  // namespace

TEST_CASE("noc: multicast delivers once per destination, tree uses the union of XY paths, fewer links than source",
          "[system]") {
    sim::CycleScheduler sched("clk", sc_core::sc_time(1, sc_core::SC_NS));
    stats::Registry stats;
    auto tree = make("tree", noc::Multicast::Tree, sched, stats);
    auto source = make("source", noc::Multicast::Source, sched, stats);
    const std::uint32_t k = 8;
    const std::uint16_t flits = 3;

    auto send = [&](Net& n, proto::NodeId src, const std::vector<proto::NodeId>& dests, std::uint64_t tag) {
        proto::SpikePacket p;
        p.src = src;
        p.dests = dests;
        p.flits = flits;
        p.tag = tag;
        const auto before = n.mesh->link_flits();
        REQUIRE(n.mesh->ni(src).inject(p));
        sched.run_while_busy(sched.now() + 100000);
        REQUIRE(n.mesh->quiescent());
        return n.mesh->link_flits() - before;
    };

    // Overlapping paths: (0,0) -> the east column. Tree: 7 + 7 links; source: 7 + 10 + 14.
    const std::vector<proto::NodeId> col{7, 3 * 8 + 7, 7 * 8 + 7};
    const auto t_links = send(*tree, 0, col, 1);
    const auto s_links = send(*source, 0, col, 1);
    CHECK(t_links == 14u * flits);
    CHECK(s_links == 31u * flits);
    CHECK(t_links < s_links);
    for (auto d : col) {
        CHECK(tree->got[{1, d}] == 1);
        CHECK(source->got[{1, d}] == 1);
        // tree branches proceed independently: each destination sees its unicast zero-load latency
        CHECK(tree->latency[{1, d}] == noc::zero_load_latency(tree->cfg, tree->mesh->distance(0, d), flits));
    }

    // Random destination sets (including the source itself): exact link counts.
    std::mt19937 rng(3);
    for (std::uint64_t tag = 2; tag < 40; ++tag) {
        const proto::NodeId src = rng() % 64;
        std::set<proto::NodeId> ds;
        const unsigned count = 1 + rng() % 20;
        while (ds.size() < count) ds.insert(rng() % 64);
        const std::vector<proto::NodeId> dests(ds.begin(), ds.end());
        std::set<std::pair<proto::NodeId, proto::NodeId>> uni;
        std::uint64_t path_sum = 0;
        for (auto d : dests) {
            const auto e = xy_edges(src, d, k);
            uni.insert(e.begin(), e.end());
            path_sum += e.size();
        }
        const auto tl = send(*tree, src, dests, tag);
        const auto sl = send(*source, src, dests, tag);
        INFO("tag " << tag << " src " << src << " |D| " << dests.size());
        CHECK(tl == uni.size() * flits);
        CHECK(sl == path_sum * flits);
        CHECK(tl <= sl);
        for (auto d : dests) {
            CHECK(tree->got[{tag, d}] == 1);
            CHECK(source->got[{tag, d}] == 1);
        }
    }
    // nobody received anything it was not sent
    std::size_t total = 0;
    for (const auto& [key, n] : tree->got) total += static_cast<std::size_t>(n);
    std::size_t expected = 3;
    std::mt19937 rng2(3);
    for (std::uint64_t tag = 2; tag < 40; ++tag) {
        rng2();
        std::set<proto::NodeId> ds;
        const unsigned count = 1 + rng2() % 20;
        while (ds.size() < count) ds.insert(rng2() % 64);
        expected += ds.size();
    }
    CHECK(total == expected);
}

TEST_CASE("noc: multicast under load (tree and source) loses and duplicates nothing", "[system]") {
    sim::CycleScheduler sched("clk", sc_core::sc_time(1, sc_core::SC_NS));
    stats::Registry stats;
    auto tree = make("tree", noc::Multicast::Tree, sched, stats, 4);
    auto source = make("source", noc::Multicast::Source, sched, stats, 4);
    for (Net* n : {tree.get(), source.get()}) {
        std::mt19937 rng(11);
        std::map<std::pair<std::uint64_t, proto::NodeId>, int> expect;
        std::uint64_t tag = 0;
        for (int round = 0; round < 30; ++round) {
            // every node injects until its queue is full: unicast and multicast mixed, 1 to 4 flits
            for (proto::NodeId s = 0; s < 16; ++s)
                while (n->mesh->ni(s).can_inject()) {
                    proto::SpikePacket p;
                    p.src = s;
                    p.flits = static_cast<std::uint16_t>(1 + rng() % 4);
                    p.tag = ++tag;
                    if (rng() % 3 == 0) {
                        p.dst = rng() % 16;
                        expect[{tag, p.dst}] = 1;
                    } else {
                        std::set<proto::NodeId> ds;
                        const unsigned c = 2 + rng() % 8;
                        while (ds.size() < c) ds.insert(rng() % 16);
                        p.dests.assign(ds.begin(), ds.end());
                        for (auto d : ds) expect[{tag, d}] = 1;
                    }
                    REQUIRE(n->mesh->ni(s).inject(p));
                }
            sched.run_until(sched.now() + 40);  // let them collide before the next round
        }
        sched.run_while_busy(sched.now() + 1000000);
        CHECK(n->mesh->quiescent());
        CHECK(n->got == expect);
    }
}
