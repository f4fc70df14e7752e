#include <catch2/catch.hpp>

#include "hw/power/energy_table.h"
#include "sw/common/error.h"
#include "sw/stats/stats.h"

using namespace spiketlm;

namespace {
const char* k_table = R"(name: test
technology: "28 nm"
actions:
  sram.read: {pj: 2.5, source: "hand"}
  sram.write: {pj: 3.0, source: "hand"}
  router.flit_hop: {pj: 0.5, source: "hand"}
leakage:
  sram: {mw: 0.1, source: "hand"}
  router: {mw: 0.0, source: "hand"}
)";
}

TEST_CASE("energy equals sum of counts times table entries plus leakage times time", "[unit]") {
    stats::Registry r;
    r.add_component("pe0.syn", "sram", "fc1");
    r.action("pe0.syn", "sram", "read", "").inc(100);
    r.action("pe0.syn", "sram", "write", "").inc(10);
    r.action("r0", "router", "flit_hop", "").inc(8);
    const auto t = power::EnergyTable::parse(k_table, "t.yaml");
    const auto b = power::compute_energy(r, t, 1e-6);  // 1 us
    // dynamic: 100*2.5 + 10*3 + 8*0.5 = 284 pJ; leakage: 0.1 mW * 1 us = 100 pJ
    CHECK(b.dynamic_pj == Approx(284.0));
    CHECK(b.leakage_pj == Approx(100.0));
    CHECK(b.by_class_pj.at("sram") == Approx(380.0));
    CHECK(b.by_group_pj.at("fc1") == Approx(380.0));
    CHECK(b.by_action_pj.at("router.flit_hop") == Approx(4.0));
}

TEST_CASE("a counted action missing from the energy table is an error, not a zero", "[unit]") {
    stats::Registry r;
    r.action("pe0.syn", "sram", "read", "");
    r.action("pe0.neu", "neuron", "update", "");
    const auto t = power::EnergyTable::parse(k_table, "t.yaml");
    CHECK_THROWS_WITH(power::compute_energy(r, t, 0.0),
                      Catch::Contains("no entry for action 'neuron.update'") && Catch::Contains("t.yaml"));
}

TEST_CASE("a component class without a leakage entry is an error", "[unit]") {
    stats::Registry r;
    r.add_component("x", "fifo");
    const auto t = power::EnergyTable::parse(k_table, "t.yaml");
    CHECK_THROWS_WITH(power::compute_energy(r, t, 0.0), Catch::Contains("leakage entry for component class 'fifo'"));
}

TEST_CASE("energy table entries need a number and a source", "[unit]") {
    CHECK_THROWS_WITH(power::EnergyTable::parse("actions:\n  a.b: {pj: 1}\n", "e.yaml"),
                      Catch::Contains("e.yaml:2") && Catch::Contains("no 'source'"));
    CHECK_THROWS_WITH(power::EnergyTable::parse("actions:\n  a.b: {pj: x, source: s}\n", "e.yaml"),
                      Catch::Contains("e.yaml:2") && Catch::Contains("must be a number"));
    CHECK_THROWS_WITH(power::EnergyTable::parse("actoins: {}\n", "e.yaml"),
                      Catch::Contains("e.yaml:1") && Catch::Contains("unknown key 'actoins'"));
}
