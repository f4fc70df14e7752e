#include <catch2/catch.hpp>

#include <cmath>

#include <nlohmann/json.hpp>

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

TEST_CASE("stats: histograms of two halves merged equal one histogram of all values", "[unit]") {
    const std::vector<double> values = {3, 17, 250, 12, 0, 99, 41, 41, 7, 1000, 5};
    stats::Histogram all(10.0, 20), a(10.0, 20), b(10.0, 20), empty(10.0, 20);
    for (std::size_t k = 0; k < values.size(); ++k) {
        all.add(values[k]);
        (k < 5 ? a : b).add(values[k]);
    }
    a.merge(b);
    a.merge(empty);  // merging nothing changes nothing (min/max stay)
    CHECK(a.bins() == all.bins());
    CHECK(a.count() == all.count());
    CHECK(a.sum() == all.sum());
    CHECK(a.min() == 0.0);
    CHECK(a.max() == 1000.0);
    empty.merge(b);  // into an empty one: b's extremes (0 is not among b's values)
    CHECK(empty.min() == 5.0);
    CHECK(empty.max() == 1000.0);
    stats::Histogram other(5.0, 20);
    CHECK_THROWS_AS(a.merge(other), Error);
}

namespace {
// The same declarations as a chip run makes (a component with attributes, action and plain
// counters, a histogram), with values from `k`.
void declare(stats::Registry& r, std::uint64_t k) {
    r.add_component("chip.pe_0.sram", "sram", "fc1", {{"words", 4096}, {"width_bits", 32}});
    r.action("chip.pe_0.sram", "sram", "read", "reads, with, commas").inc(10 * k);
    r.counter("chip.cycles", "cycles", "cycles \"quoted\"").inc(1000 + k);
    auto& h = r.histogram("chip.frame_cycles", "cycles", "cycles per frame", 100, 4);
    h.add(static_cast<double>(150 * k));
    h.add(7);
}
}  // namespace

TEST_CASE("stats: a registry survives to_json and from_json unchanged", "[unit]") {
    stats::Registry r;
    declare(r, 2);
    const stats::Registry back = stats::Registry::from_json(r.to_json());
    CHECK(back.to_csv() == r.to_csv());
    REQUIRE(back.find_component("chip.pe_0.sram"));
    CHECK(back.find_component("chip.pe_0.sram")->attributes.at("words") == 4096);
    CHECK(back.find_component("chip.pe_0.sram")->group == "fc1");
    CHECK(back.total("sram.read") == 20);
    CHECK(back.to_json() == r.to_json());
}

TEST_CASE("stats: merging registries sums counters and merges histograms bin by bin", "[unit]") {
    stats::Registry a, b;
    declare(a, 1);
    declare(b, 3);
    a.merge(b);
    CHECK(a.find_counter("chip.cycles")->value() == 1001 + 1003);
    CHECK(a.total("sram.read") == 40);
    const auto& h = *a.histograms().at(0).histogram;
    CHECK(h.count() == 4);
    CHECK(h.bins()[0] == 2);  // the two 7s
    CHECK(h.bins()[1] == 1);  // 150
    CHECK(h.bins()[4] == 1);  // 450: overflow
    CHECK(h.sum() == 7 + 7 + 150 + 450);
    CHECK(h.min() == 7);
    CHECK(h.max() == 450);
}

TEST_CASE("stats: registries that declare different statistics are not merged", "[unit]") {
    stats::Registry a, b, c;
    declare(a, 1);
    declare(b, 1);
    b.counter("extra", "x", "one more");
    CHECK_THROWS_WITH(a.merge(b), Catch::Contains("different numbers"));
    c.add_component("chip.pe_0.sram", "sram", "fc1", {{"words", 2048}, {"width_bits", 32}});  // other attributes
    c.action("chip.pe_0.sram", "sram", "read", "reads");
    c.counter("chip.cycles", "cycles", "cycles");
    c.histogram("chip.frame_cycles", "cycles", "cycles per frame", 100, 4);
    CHECK_THROWS_WITH(a.merge(c), Catch::Contains("chip.pe_0.sram"));
    // Nothing changed by the refused merges.
    CHECK(a.find_counter("chip.cycles")->value() == 1001);
}

TEST_CASE("stats: a setup counter is kept, not summed, when registries merge", "[unit]") {
    stats::Registry a, b;
    for (auto* r : {&a, &b}) {
        r->setup_counter("pe.cells_programmed", "cells", "programmed once").inc(4096);
        r->counter("pe.events", "events", "per frame").inc(10);
    }
    CHECK(stats::Registry::from_json(a.to_json()).to_json() == a.to_json());  // the kind survives
    a.merge(b);
    CHECK(a.find_counter("pe.cells_programmed")->value() == 4096);
    CHECK(a.find_counter("pe.events")->value() == 20);
    CHECK_THAT(a.to_csv(), Catch::Contains("pe.cells_programmed,counter,4096,cells"));
    stats::Registry c;
    c.setup_counter("pe.cells_programmed", "cells", "programmed once").inc(2048);
    c.counter("pe.events", "events", "per frame").inc(10);
    CHECK_THROWS_WITH(a.merge(c), Catch::Contains("setup counter 'pe.cells_programmed'"));
    stats::Registry d;  // the same name as a plain counter: declared differently
    d.counter("pe.cells_programmed", "cells", "programmed once").inc(4096);
    d.counter("pe.events", "events", "per frame").inc(10);
    CHECK_THROWS_AS(a.merge(d), Error);
}
