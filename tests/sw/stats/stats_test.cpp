#include <catch2/catch.hpp>

#include <cmath>

#include "sw/common/error.h"
#include "sw/stats/stats.h"

using namespace spiketlm;

TEST_CASE("stats: counters and action counters accumulate and export to CSV", "[unit]") {
    stats::Registry r;
    auto& a = r.counter("frames", "frames", "frames simulated");
    auto& rd = r.action("chip.pe_0.syn_sram", "sram", "read", "synapse word reads");
    auto& rd2 = r.action("chip.pe_1.syn_sram", "sram", "read", "synapse word reads");
    a.inc(3);
    rd.inc(10);
    rd2.inc(5);
    CHECK(r.total("sram.read") == 15);
    CHECK(r.find_component("chip.pe_1.syn_sram")->cls == "sram");
    const auto csv = r.to_csv();
    CHECK_THAT(csv, Catch::StartsWith("name,kind,value,unit,component,energy_key,description\n"));
    CHECK_THAT(csv, Catch::Contains("chip.pe_0.syn_sram.read,counter,10,events,chip.pe_0.syn_sram,sram.read,"));
    CHECK_THAT(csv, Catch::Contains("frames,counter,3,frames,,,frames simulated"));
    CHECK_THROWS_AS(r.counter("frames", "", ""), Error);
}

TEST_CASE("stats: histogram bins, overflow and extremes", "[unit]") {
    stats::Histogram h(10.0, 3);
    for (double v : {0.0, 9.9, 10.0, 25.0, 30.0, 1000.0}) h.add(v);
    REQUIRE(h.bins().size() == 4);
    CHECK(h.bins()[0] == 2);
    CHECK(h.bins()[1] == 1);
    CHECK(h.bins()[2] == 1);
    CHECK(h.bins()[3] == 2);  // overflow: 30 and 1000
    CHECK(h.count() == 6);
    CHECK(h.min() == 0.0);
    CHECK(h.max() == 1000.0);
    CHECK(h.sum() == Approx(1074.9));
}

TEST_CASE("stats: components carry named attributes, old three-argument declarations still work", "[unit]") {
    stats::Registry r;
    r.add_component("chip.pe_0.syn", "sram_synapse", "fc1", {{"words", 8192}, {"width_bits", 64}});
    r.add_component("chip.pe_0.fifo", "fifo", "fc1");
    r.set_attribute("chip.pe_0.syn", "banks", 2);
    r.set_attribute("chip.pe_0.syn", "words", 4096);  // replaces
    const auto* c = r.find_component("chip.pe_0.syn");
    REQUIRE(c != nullptr);
    CHECK(c->attributes.size() == 3);
    CHECK(c->attributes.at("words") == 4096);
    CHECK(c->attributes.at("banks") == 2);
    CHECK(r.find_component("chip.pe_0.fifo")->attributes.empty());
}

TEST_CASE("stats: a bad attribute name or value, or an undeclared component, is an error naming it", "[unit]") {
    stats::Registry r;
    CHECK_THROWS_WITH(r.add_component("a", "sram", "", {{"Width", 1}}),
                      Catch::Contains("'a'") && Catch::Contains("'Width'"));
    CHECK_THROWS_WITH(r.add_component("b", "sram", "", {{"words", std::nan("")}}),
                      Catch::Contains("'b'") && Catch::Contains("'words'") && Catch::Contains("finite"));
    CHECK_THROWS_WITH(r.set_attribute("nowhere", "words", 1), Catch::Contains("'nowhere'"));
}
