#include <catch2/catch.hpp>

#include "hw/mem/sram.h"
#include "sw/common/error.h"
#include "sw/stats/stats.h"

using namespace spiketlm;

TEST_CASE("sram: read latency and one access per port per cycle without conflicts", "[unit]") {
    stats::Registry r;
    mem::SramConfig c;
    c.words = 64;
    c.banks = 4;
    c.read_latency_cycles = 2;
    mem::Sram s("pe0.syn", c, r);
    // four consecutive addresses hit four banks: all issue in cycle 10
    for (std::uint32_t a = 0; a < 4; ++a) CHECK(s.access(10, a, false) == 12);
    CHECK(s.conflicts() == 0);
    CHECK(r.total("sram.read") == 4);
}

TEST_CASE("sram: a bank conflict costs one extra cycle per excess access and is counted", "[unit]") {
    stats::Registry r;
    mem::SramConfig c;
    c.words = 64;
    c.banks = 4;
    c.read_latency_cycles = 1;
    mem::Sram s("pe0.syn", c, r);
    // addresses 0, 4, 8 share bank 0: issue at 5, 6, 7
    CHECK(s.access(5, 0, false) == 6);
    CHECK(s.access(5, 4, false) == 7);
    CHECK(s.access(5, 8, false) == 8);
    CHECK(s.conflicts() == 2);
    CHECK(s.stall_cycles() == 2);
    // a dual-ported bank takes two per cycle
    stats::Registry r2;
    c.ports_per_bank = 2;
    mem::Sram d("pe0.syn", c, r2);
    CHECK(d.access(5, 0, false) == 6);
    CHECK(d.access(5, 4, false) == 6);
    CHECK(d.access(5, 8, true) == 7);
    CHECK(d.conflicts() == 1);
    CHECK(r2.total("sram.write") == 1);
}

TEST_CASE("sram: out-of-range address and bad geometry are errors", "[unit]") {
    stats::Registry r;
    mem::SramConfig c;
    c.words = 16;
    mem::Sram s("x", c, r);
    CHECK_THROWS_WITH(s.access(0, 16, false), Catch::Contains("'x'") && Catch::Contains("address 16"));
    c.banks = 0;
    stats::Registry r2;
    CHECK_THROWS_AS(mem::Sram("y", c, r2), InputError);
}

TEST_CASE("sram: registers its geometry as component attributes for the energy model", "[unit]") {
    stats::Registry r;
    mem::SramConfig c;
    c.words = 2048;
    c.width_bits = 32;
    c.banks = 4;
    c.ports_per_bank = 2;
    c.energy_class = "sram_axon";
    mem::Sram s("pe0.axon", c, r, "fc1");
    const auto* comp = r.find_component("pe0.axon");
    REQUIRE(comp != nullptr);
    CHECK(comp->cls == "sram_axon");
    CHECK(comp->group == "fc1");
    CHECK(comp->attributes == stats::Attributes{{"words", 2048}, {"width_bits", 32}, {"banks", 4}, {"ports", 2}});
}
