// Energy models and the table's model/override rules. Expected values are computed here from the
// equations written in docs/energy.md (Horowitz ISSCC 2014 figures), not by calling the model.
#include <catch2/catch.hpp>

#include <cmath>

#include "hw/mem/sram.h"
#include "hw/pe/pe_config.h"
#include "sw/cfg/config.h"
#include "hw/power/energy_table.h"
#include "sw/common/error.h"
#include "sw/stats/stats.h"

using namespace spiketlm;

namespace {
const char* k_models = R"(name: t
technology: {node_nm: 45, vdd_v: 0.9}
models:
  sram_synapse: {model: sram}
  neuron: {model: neuron, state_bits: 24, decay_bits: 12, source: "test"}
  barrier: {model: barrier, tile_pitch_mm: 1.0, source: "test"}
leakage:
  neuron: {mw: 0, source: "test"}
  barrier: {mw: 0, source: "test"}
)";

// docs/energy.md, single bank: E_read = width * (10 pJ / 64) * sqrt(words * width / 65536) * sqrt(1 + 0.3 (ports - 1))
double doc_read_pj(double words, double width, double ports = 1) {
    return width * (10.0 / 64.0) * std::sqrt(words * width / 65536.0) * std::sqrt(1 + 0.3 * (ports - 1));
}
// docs/energy.md: leakage = bits * 97.7 pW * (6 + 2 (ports - 1)) / 6
double doc_leak_mw(double words, double width, double ports = 1) {
    return words * width * 97.7e-12 * (6 + 2 * (ports - 1)) / 6 * 1e3;
}

struct SynapseRun {
    double pj_per_read, pj_per_write, leak_mw;
};
SynapseRun run_synapse(std::uint32_t words, std::uint32_t banks, const std::string& table_text) {
    stats::Registry r;
    mem::SramConfig c;
    c.words = words;
    c.width_bits = 64;
    c.banks = banks;
    c.energy_class = "sram_synapse";
    mem::Sram s("chip.pe_0.synapse_sram", c, r, "fc1");
    for (std::uint32_t a = 0; a < 100; ++a) s.access(a, a, false);
    for (std::uint32_t a = 0; a < 10; ++a) s.access(1000 + a, a, true);
    const auto t = power::EnergyTable::parse(table_text, "t.yaml");
    const auto b = power::compute_energy(r, t, 1e-3);  // 1 ms
    return {b.by_action_pj.at("sram_synapse.read") / 100, b.by_action_pj.at("sram_synapse.write") / 10,
            b.leakage_pj * 1e-6};  // pJ over 1 ms -> mW
}
}  // namespace

TEST_CASE("doubling synapse_words raises pJ per synapse read by sqrt(2) and leakage by 2, as documented", "[unit]") {
    const auto a = run_synapse(8192, 1, k_models);
    const auto b = run_synapse(16384, 1, k_models);
    CHECK(a.pj_per_read == Approx(doc_read_pj(8192, 64)).epsilon(1e-9));
    CHECK(a.pj_per_read == Approx(10.0 * std::sqrt(8.0)).epsilon(1e-9));  // 64 KB: 28.28 pJ
    CHECK(b.pj_per_read / a.pj_per_read == Approx(std::sqrt(2.0)).epsilon(1e-9));
    CHECK(b.pj_per_write / a.pj_per_write == Approx(std::sqrt(2.0)).epsilon(1e-9));
    CHECK(a.leak_mw == Approx(doc_leak_mw(8192, 64)).epsilon(1e-9));
    CHECK(b.leak_mw / a.leak_mw == Approx(2.0).epsilon(1e-9));
}

TEST_CASE("sram model: H14's 8 KB and 32 KB points exactly, ports and banks as documented", "[unit]") {
    CHECK(power::sram_access_pj(1024, 64, 1, 1) == Approx(10.0));  // 8 KB
    CHECK(power::sram_access_pj(4096, 64, 1, 1) == Approx(20.0));  // 32 KB
    CHECK(power::sram_access_pj(256, 32, 1, 2) == Approx(doc_read_pj(256, 32, 2)));
    CHECK(power::sram_leakage_mw(256, 32, 2) == Approx(doc_leak_mw(256, 32, 2)));
    // 4 banks of 16384 x 64: one bank's array plus the data + address bits (64 + 16) crossing half
    // the macro side beyond a bank: 0.5 (sqrt(4 A) - sqrt(A)), A = bits * 0.346 um^2 / 0.7,
    // at 0.5 activity x 0.162 pJ/mm.
    const double bank_bits = 16384.0 * 64;
    const double a_mm2 = bank_bits * 0.346e-6 / 0.7;
    const double wire = (64 + 16) * 0.5 * 0.162 * 0.5 * (std::sqrt(4 * a_mm2) - std::sqrt(a_mm2));
    CHECK(power::sram_access_pj(65536, 64, 4, 1) == Approx(doc_read_pj(16384, 64) + wire).epsilon(1e-9));
    // banking lowers the energy of a large array (one small bank activated)
    CHECK(power::sram_access_pj(65536, 64, 4, 1) < power::sram_access_pj(65536, 64, 1, 1));
}

TEST_CASE("technology scaling: dynamic ~ node x Vdd^2, leakage ~ node x Vdd", "[unit]") {
    std::string t28 = k_models;
    t28.replace(t28.find("{node_nm: 45, vdd_v: 0.9}"), 25, "{node_nm: 28, vdd_v: 0.55}");
    const auto a = run_synapse(8192, 1, k_models);
    const auto b = run_synapse(8192, 1, t28);
    CHECK(b.pj_per_read / a.pj_per_read == Approx((28.0 / 45) * (0.55 / 0.9) * (0.55 / 0.9)).epsilon(1e-9));
    CHECK(b.leak_mw / a.leak_mw == Approx((28.0 / 45) * (0.55 / 0.9)).epsilon(1e-9));
}

TEST_CASE("neuron.update carries no multiply, a LIF-like count costs exactly its multiplies more", "[unit]") {
    const double update_pj = 5 * 24 * (0.1 / 32);        // 5 adder-equivalents of 24 b (H14 add)
    const double mult_pj = 12 * 24 * (3.1 / (32 * 32));  // 12x24-b array multiplier (H14 mult)
    auto energy = [](std::uint64_t updates, std::uint64_t multiplies) {
        stats::Registry r;
        r.add_component("pe0.neuron_unit", "neuron", "fc1");
        r.action("pe0.neuron_unit", "neuron", "update", "").inc(updates);
        r.action("pe0.neuron_unit", "neuron", "multiply", "").inc(multiplies);
        return power::compute_energy(r, power::EnergyTable::parse(k_models, "t.yaml"), 0.0);
    };
    const auto relpsp = energy(1000, 0);  // IF / ReL-PSP: decays of 4096, no multiply counted
    const auto lif = energy(1000, 2000);  // LIF: two decays per update
    CHECK(relpsp.dynamic_pj == Approx(1000 * update_pj).epsilon(1e-12));
    CHECK(relpsp.action_pricing.at("neuron.update").max == Approx(0.375));
    CHECK(relpsp.action_pricing.at("neuron.update").from_model);
    CHECK(lif.dynamic_pj - relpsp.dynamic_pj == Approx(2000 * mult_pj).epsilon(1e-12));
    CHECK(lif.action_pricing.at("neuron.multiply").max == Approx(mult_pj));
}

TEST_CASE("component attributes override the table's model defaults", "[unit]") {
    stats::Registry r;
    r.add_component("pe0.neuron_unit", "neuron", "fc1", {{"state_bits", 16}});
    r.action("pe0.neuron_unit", "neuron", "multiply", "").inc(1);
    const auto b = power::compute_energy(r, power::EnergyTable::parse(k_models, "t.yaml"), 0.0);
    CHECK(b.dynamic_pj == Approx(12 * 16 * (3.1 / 1024)));
}

TEST_CASE("barrier sync energy follows the mesh: two spanning trees of wire plus per-node gates", "[unit]") {
    auto sync_pj = [](double w, double h) {
        stats::Registry r;
        r.add_component("chip.barrier", "barrier", "control", {{"mesh_width", w}, {"mesh_height", h}});
        r.action("chip.barrier", "barrier", "sync", "").inc(1);
        return power::compute_energy(r, power::EnergyTable::parse(k_models, "t.yaml"), 0.0).dynamic_pj;
    };
    auto doc = [](double n) { return 2 * (n - 1) * 1.0 * 0.2 * 0.81 + n * 2 * (0.1 / 32); };
    CHECK(sync_pj(4, 4) == Approx(doc(16)));
    CHECK(sync_pj(8, 8) == Approx(doc(64)));
    CHECK(sync_pj(1, 1) == Approx(2 * (0.1 / 32)));  // one tile: no wire
}

TEST_CASE("a fixed table entry overrides the model, and the pricing says which is which", "[unit]") {
    std::string text = k_models;
    text += "actions:\n  sram_synapse.read: {pj: 7.0, source: \"measured\"}\n";
    text.replace(text.find("leakage:\n"), 9, "leakage:\n  sram_synapse: {mw: 0.5, source: \"measured\"}\n");
    stats::Registry r;
    mem::SramConfig c;
    c.words = 8192;
    c.energy_class = "sram_synapse";
    mem::Sram s("pe0.syn", c, r);
    s.access(0, 0, false);
    s.access(1, 1, true);
    const auto b = power::compute_energy(r, power::EnergyTable::parse(text, "t.yaml"), 1e-6);
    CHECK(b.by_action_pj.at("sram_synapse.read") == Approx(7.0));
    CHECK_FALSE(b.action_pricing.at("sram_synapse.read").from_model);
    CHECK(b.action_pricing.at("sram_synapse.read").source == "measured");
    CHECK(b.by_action_pj.at("sram_synapse.write") == Approx(doc_read_pj(8192, 64)));
    CHECK(b.action_pricing.at("sram_synapse.write").from_model);
    CHECK(b.action_pricing.at("sram_synapse.write").model == "sram");
    CHECK(b.leakage_pj == Approx(0.5e-3 * 1e-6 * 1e12));
    CHECK_FALSE(b.leakage_pricing.at("sram_synapse").from_model);
}

TEST_CASE("unpriced actions, unknown models and attributes are errors naming the culprit", "[unit]") {
    const auto t = power::EnergyTable::parse(k_models, "t.yaml");
    SECTION("an action of a class with neither entry nor model") {
        stats::Registry r;
        r.action("pe0.wf", "fifo", "push", "").inc(1);
        CHECK_THROWS_WITH(power::compute_energy(r, t, 0.0),
                          Catch::Contains("no entry for action 'fifo.push'") && Catch::Contains("'pe0.wf'") &&
                              Catch::Contains("t.yaml"));
    }
    SECTION("an action the bound model does not price") {
        stats::Registry r;
        r.action("pe0.neuron_unit", "neuron", "divide", "").inc(1);
        CHECK_THROWS_WITH(power::compute_energy(r, t, 0.0),
                          Catch::Contains("'neuron.divide'") && Catch::Contains("model 'neuron'"));
    }
    SECTION("a required attribute nobody gives") {
        stats::Registry r;
        r.action("chip.barrier", "barrier", "sync", "").inc(1);
        CHECK_THROWS_WITH(power::compute_energy(r, t, 0.0),
                          Catch::Contains("'chip.barrier'") && Catch::Contains("no attribute 'mesh_width'") &&
                              Catch::Contains("t.yaml:6"));
    }
    SECTION("a component attribute the model does not know") {
        stats::Registry r;
        r.add_component("pe0.syn", "sram_synapse", "", {{"words", 64}, {"width_bits", 8}, {"depth", 3}});
        CHECK_THROWS_WITH(power::compute_energy(r, t, 0.0),
                          Catch::Contains("'pe0.syn'") && Catch::Contains("unknown attribute 'depth'"));
    }
    SECTION("a leakage the model does not estimate and the table does not give") {
        stats::Registry r;
        r.add_component("pe0.neuron_unit", "neuron");
        const auto t2 = power::EnergyTable::parse("technology: {node_nm: 45, vdd_v: 0.9}\nmodels:\n  neuron: {model: neuron}\n", "u.yaml");
        CHECK_THROWS_WITH(power::compute_energy(r, t2, 0.0),
                          Catch::Contains("no leakage entry for component class 'neuron'") &&
                              Catch::Contains("does not estimate leakage"));
    }
    SECTION("table errors name file:line") {
        CHECK_THROWS_WITH(power::EnergyTable::parse("technology: {node_nm: 45, vdd_v: 0.9}\nmodels:\n  x: {model: cacti}\n", "e.yaml"),
                          Catch::Contains("e.yaml:3") && Catch::Contains("unknown model 'cacti'"));
        CHECK_THROWS_WITH(
            power::EnergyTable::parse("technology: {node_nm: 45, vdd_v: 0.9}\nmodels:\n  x: {model: sram, wrods: 4, source: s}\n", "e.yaml"),
            Catch::Contains("e.yaml:3") && Catch::Contains("unknown attribute 'wrods'"));
        CHECK_THROWS_WITH(power::EnergyTable::parse("technology: {node_nm: 45, vdd_v: 0.9}\nmodels:\n  x: {model: sram, words: 4}\n", "e.yaml"),
                          Catch::Contains("e.yaml:3") && Catch::Contains("without a 'source'"));
        CHECK_THROWS_WITH(power::EnergyTable::parse("technology: \"45 nm\"\nmodels:\n  x: {model: sram}\n", "e.yaml"),
                          Catch::Contains("e.yaml:3") && Catch::Contains("node_nm"));
        CHECK_THROWS_WITH(power::EnergyTable::parse("technology: {node_nm: 45}\n", "e.yaml"),
                          Catch::Contains("e.yaml:1") && Catch::Contains("both node_nm and vdd_v"));
        CHECK_THROWS_WITH(power::EnergyTable::parse("technology: {node_nm: 45, vdd: 0.9}\n", "e.yaml"),
                          Catch::Contains("e.yaml:1") && Catch::Contains("'technology.vdd'"));
    }
}

TEST_CASE("every energy table in configs/energy parses and states its technology", "[unit]") {
    for (const char* f : {"default-45nm.yaml", "odin-28nm.yaml", "reckon-28nm.yaml"}) {
        const auto t = power::EnergyTable::load(std::string(SPIKETLM_SOURCE_DIR) + "/configs/energy/" + f);
        CHECK(t.tech().stated());
        CHECK(t.models().count("sram_synapse") == 1);
    }
}

TEST_CASE("fixed entries stated at another technology scale like the models, otherwise they are used as is", "[unit]") {
    const char* text = R"(technology: {node_nm: 28, vdd_v: 0.5}
fixed_entries_technology: {node_nm: 45, vdd_v: 0.9, source: "the default table's entries"}
actions:
  fifo.push: {pj: 0.3, source: "45 nm estimate"}
leakage:
  fifo: {mw: 0.001, source: "45 nm estimate"}
)";
    stats::Registry r;
    r.action("pe0.f", "fifo", "push", "").inc(10);
    const auto b = power::compute_energy(r, power::EnergyTable::parse(text, "t.yaml"), 1e-3);
    CHECK(b.dynamic_pj == Approx(10 * 0.3 * (28.0 / 45) * (0.5 / 0.9) * (0.5 / 0.9)).epsilon(1e-12));
    CHECK(b.leakage_pj == Approx(0.001 * (28.0 / 45) * (0.5 / 0.9) * 1e-3 * 1e-3 * 1e12).epsilon(1e-12));
    CHECK_THAT(b.action_pricing.at("fifo.push").source, Catch::Contains("scaled from 45 nm, 0.9 V"));
    std::string plain = text;
    plain.erase(plain.find("fixed_entries_technology"), plain.find("actions:") - plain.find("fixed_entries_technology"));
    CHECK(power::compute_energy(r, power::EnergyTable::parse(plain, "t.yaml"), 0.0).dynamic_pj == Approx(3.0));
    CHECK_THROWS_WITH(power::EnergyTable::parse("technology: {node_nm: 28, vdd_v: 0.5}\nfixed_entries_technology: {node_nm: 45}\n", "e.yaml"),
                      Catch::Contains("e.yaml:2") && Catch::Contains("needs both node_nm and vdd_v"));
}

TEST_CASE("neuron model: spike and noise-draw prices as documented", "[unit]") {
    stats::Registry r;
    r.add_component("pe0.neuron_unit", "neuron", "fc1");
    r.action("pe0.neuron_unit", "neuron", "spike", "").inc(1);
    r.action("pe0.neuron_unit", "neuron", "noise_draw", "").inc(1);
    const auto b = power::compute_energy(r, power::EnergyTable::parse(k_models, "t.yaml"), 0.0);
    CHECK(b.by_action_pj.at("neuron.spike") == Approx(3 * 24 * (0.1 / 32)));
    // three SplitMix64 rounds, each two 64x64-b multiplies and a 64-b add
    CHECK(b.by_action_pj.at("neuron.noise_draw") == Approx(3 * (2 * 64 * 64 * (3.1 / 1024) + 64 * (0.1 / 32))));
}

TEST_CASE("chip.pe.synapse_words doubled on the default chip and table: sqrt(2) per read, 2x leakage", "[unit]") {
    const std::string src = SPIKETLM_SOURCE_DIR;
    const auto table = power::EnergyTable::load(src + "/configs/energy/default-45nm.yaml");
    auto price = [&](const char* words) {
        cfg::Config c;
        c.load_file(src + "/configs/chips/yoso.yaml");
        c.apply_set(std::string("chip.pe.synapse_words=") + words);
        const pe::PeConfig p = pe::PeConfig::from(c);
        stats::Registry r;
        mem::Sram s("chip.pe.synapse_sram", p.synapse, r, "fc1");
        const stats::Component& comp = *r.find_component("chip.pe.synapse_sram");
        return std::make_pair(table.action_price(comp, "read"), table.leakage_price(comp));
    };
    const auto [read8k, leak8k] = price("8192");
    const auto [read16k, leak16k] = price("16384");
    CHECK(read8k.from_model);
    CHECK(leak8k.from_model);
    CHECK(read8k.value == Approx(doc_read_pj(8192, 64)));  // yoso.yaml: 64-b words, one bank, one port
    CHECK(read16k.value / read8k.value == Approx(std::sqrt(2.0)).epsilon(1e-9));
    CHECK(leak8k.value == Approx(doc_leak_mw(8192, 64)));
    CHECK(leak16k.value / leak8k.value == Approx(2.0).epsilon(1e-9));
}
