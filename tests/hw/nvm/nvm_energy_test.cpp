// The energy report of an NVM chip (issue 11, acceptance 5): `spiketlm run` on the `nvm` PE kind
// with the RRAM preset reports the parts array, adc, periphery, digital and noc, each equal to
// Σ count × price recomputed here from stats.csv (class -> part and the crossbar/ADC prices
// written out below from docs/nvm.md's equations, fixed entries read from the table with
// yaml-cpp), and the programming energy (cells × nvm_array.program) on its own, outside the
// energy per frame. Plus the same grouping on a hand-made registry with fixed prices.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "common/test_util.h"
#include "hw/power/energy_table.h"
#include "sw/io/model_file.h"
#include "sw/snn/random_network.h"
#include "sw/stats/stats.h"

using namespace spiketlm;
namespace fs = std::filesystem;

namespace {

// The parts as docs/energy.md ("Parts") defines them, written out independently of hw/power.
const std::map<std::string, std::string> k_part = {
    {"nvm_array", "array"}, {"nvm_adc", "adc"},       {"fifo", "periphery"}, {"adder", "periphery"},
    {"neuron", "digital"},  {"sram_state", "digital"}, {"sram_route", "digital"}, {"barrier", "digital"},
    {"router", "noc"},      {"link", "noc"},          {"ni", "noc"},         {"host", "noc"}};

struct Row {
    std::string name, component, key;
    double value = 0;
};

std::vector<Row> stats_rows(const std::string& csv_path) {
    std::istringstream csv(test::read_text(csv_path));
    std::string line;
    std::getline(csv, line);
    std::vector<Row> rows;
    while (std::getline(csv, line)) {
        std::vector<std::string> f;
        std::string cell;
        std::istringstream ls(line);
        for (int k = 0; k < 6 && std::getline(ls, cell, ','); ++k) f.push_back(cell);
        if (f.size() < 6 || f[5].empty()) continue;  // only action counters (plain numbers)
        rows.push_back({f[0], f[4], f[5], std::stod(f[2])});
    }
    return rows;
}

}  // namespace

TEST_CASE("nvm run: report parts array/adc/periphery/digital/noc equal counts x prices, programming on its own",
          "[system]") {
    const std::string dir = test::scratch_dir("nvm-energy");
    snn::RandomNetworkSpec spec;
    spec.sizes = {784, 60, 10};
    spec.kind = snn::NeuronKind::relpsp;
    spec.timesteps = 24;
    spec.encoding.kind = "ttfs";
    spec.encoding.steps = 16;
    spec.seed = 5;
    const snn::Network net = snn::random_network(spec);
    io::save_model(dir + "/model", net);
    test::fashion_mnist_data_dir(dir);
    const std::string src = test::source_dir();
    test::write_text(dir + "/run.yaml", "include: [" + src + "/configs/chips/yoso.yaml, " + src +
                                            "/configs/nvm/rram-neurosim.yaml]\n"
                                            "chip:\n  pe: {kind: nvm}\n  energy_table: " +
                                            src + "/configs/energy/default-45nm.yaml\n" + "run:\n  model: " + dir +
                                            "/model\n  data_dir: " + dir + "/data\n  frames: 8\n");
    const auto r = test::run_cli_ok("run --config " + dir + "/run.yaml --out " + dir + "/chip");
    const auto rep = test::read_json(dir + "/chip/report.json");
    const double frames = rep["frames"].get<double>();
    REQUIRE(frames == 8);

    // Prices: fixed entries from the table; the crossbar and ADC from docs/nvm.md's equations with
    // the preset's values (0.5 V, G = (1.1111 + 166.667)/2 µS, 128 x 128, 5-bit ADC, 5 fJ/step) and
    // the model fallbacks (10 ns read, 0.2 fF per cell, no sense energy, 2 V x 100 ns x 1 pulse).
    const YAML::Node table = YAML::LoadFile(src + "/configs/energy/default-45nm.yaml");
    const double v = 0.5, g = (1.1111 + 166.667) / 2;
    std::map<std::string, double> pj = {
        {"nvm_array.row_activation", 128 * (v * v * g * 10 + 0.2 * v * v) * 1e-3},
        {"nvm_array.column_read", 128 * 0.2 * v * v * 1e-3},
        {"nvm_array.program", 1 * 2.0 * 2.0 * g * 100 * 1e-3},
        {"nvm_adc.conversion", 5e-3 * 32}};
    for (const auto& kv : table["actions"]) pj[kv.first.Scalar()] = kv.second["pj"].as<double>();
    // The model-priced SRAMs and neuron unit: as the run priced them (their equations are checked in
    // tests/hw/power); every other price must match the values above.
    for (const auto& [k, p] : rep["energy_pricing"]["actions"].items()) {
        INFO(k);
        if (!pj.count(k)) {
            REQUIRE((k.rfind("sram_", 0) == 0 || k.rfind("neuron.", 0) == 0 || k.rfind("barrier.", 0) == 0));
            pj[k] = p["pj"].get<double>();
        } else {
            CHECK(p["pj"].get<double>() == Approx(pj[k]).epsilon(1e-12));
        }
    }

    std::map<std::string, double> expect;  // part -> pJ over the run
    double programming = 0, cells = 0;
    for (const auto& row : stats_rows(dir + "/chip/stats.csv")) {
        if (row.key.empty()) continue;
        INFO(row.name);
        REQUIRE(pj.count(row.key));
        if (row.key == "nvm_array.program") {
            programming += row.value * pj[row.key];
            cells += row.value;
            continue;
        }
        const std::string cls = row.key.substr(0, row.key.find('.'));
        REQUIRE(k_part.count(cls));
        expect[k_part.at(cls)] += row.value * pj[row.key];
    }
    // Cells programmed, counted by hand: per layer in x out x 2 cells x ceil(bits of max |w| / 2).
    double hand_cells = 0;
    for (const auto& L : net.layers) {
        int wmax = 0;
        for (auto w : L.weights) wmax = std::max(wmax, std::abs(w));
        int bits = 0;
        while (wmax >> bits) ++bits;
        hand_cells += double(L.in) * L.out * 2 * ((bits + 1) / 2);
    }
    CHECK(cells == hand_cells);

    const auto& parts = rep["energy_breakdown_by_part_nj"];
    for (const char* p : {"array", "adc", "periphery", "digital", "noc"}) {
        INFO(p);
        REQUIRE(parts.contains(p));
        CHECK(expect[p] > 0);
        CHECK(parts[p].get<double>() * 1000.0 * frames == Approx(expect[p]).epsilon(1e-9));
    }
    CHECK(!parts.contains("other"));
    // The parts and the leakage make up the energy per frame; programming is not in it.
    double sum = 0, dyn = 0;
    for (const auto& [k, e] : parts.items()) sum += e.get<double>(), dyn += k == "leakage" ? 0.0 : e.get<double>();
    CHECK(sum == Approx(rep["energy_nj_per_frame"].get<double>()).epsilon(1e-9));
    CHECK(dyn == Approx(rep["energy_dynamic_nj_per_frame"].get<double>()).epsilon(1e-9));
    CHECK(parts["leakage"].get<double>() == Approx(rep["energy_leakage_nj_per_frame"].get<double>()).epsilon(1e-9));
    REQUIRE(rep["energy_programming_nj"].is_number());
    CHECK(rep["energy_programming_nj"].get<double>() * 1000.0 == Approx(programming).epsilon(1e-9));
    CHECK(!rep["energy_breakdown_by_action_nj"].contains("nvm_array.program"));
    // report.md and the terminal summary show both.
    const std::string md = test::read_text(dir + "/chip/report.md");
    CHECK_THAT(md, Catch::Contains("## Energy by part (`energy_breakdown_by_part_nj`)"));
    CHECK_THAT(md, Catch::Contains("programming energy (once, not per frame)"));
    CHECK_THAT(r.output, Catch::Contains("energy parts        array "));
    CHECK_THAT(r.output, Catch::Contains("programming "));
}

TEST_CASE("energy parts: each part is the sum of its classes' count x entry, programming kept apart", "[unit]") {
    stats::Registry r;
    r.add_component("pe.crossbar", "nvm_array", "fc1");
    r.add_component("pe.adc", "nvm_adc", "fc1");
    r.add_component("pe.shift_add", "adder", "fc1");
    r.add_component("pe.neuron_unit", "neuron", "fc1");
    r.add_component("router0", "router");
    r.add_component("pe.mystery", "widget");
    r.action("pe.crossbar", "nvm_array", "row_activation", "").inc(10);
    r.action("pe.crossbar", "nvm_array", "column_read", "").inc(100);
    r.action("pe.crossbar", "nvm_array", "program", "").inc(1000);
    r.action("pe.adc", "nvm_adc", "conversion", "").inc(100);
    r.action("pe.shift_add", "adder", "synop", "").inc(100);
    r.action("pe.neuron_unit", "neuron", "update", "").inc(7);
    r.action("router0", "router", "crossbar", "").inc(3);
    r.action("pe.mystery", "widget", "spin", "").inc(2);
    const auto t = power::EnergyTable::parse(R"(name: parts
technology: "hand"
actions:
  nvm_array.row_activation: {pj: 2.0, source: hand}
  nvm_array.column_read: {pj: 0.5, source: hand}
  nvm_array.program: {pj: 3.0, source: hand}
  nvm_adc.conversion: {pj: 0.25, source: hand}
  adder.synop: {pj: 0.125, source: hand}
  neuron.update: {pj: 1.0, source: hand}
  router.crossbar: {pj: 4.0, source: hand}
  widget.spin: {pj: 8.0, source: hand}
leakage:
  nvm_array: {mw: 0.0, source: hand}
  nvm_adc: {mw: 0.0, source: hand}
  adder: {mw: 0.001, source: hand}
  neuron: {mw: 0.0, source: hand}
  router: {mw: 0.002, source: hand}
  widget: {mw: 0.0, source: hand}
)",
                                             "parts.yaml");
    const auto b = power::compute_energy(r, t, 1e-6);
    CHECK(b.by_part_pj.at("array") == Approx(10 * 2.0 + 100 * 0.5));  // 70 pJ, programming not in it
    CHECK(b.by_part_pj.at("adc") == Approx(25.0));
    CHECK(b.by_part_pj.at("periphery") == Approx(12.5));
    CHECK(b.by_part_pj.at("digital") == Approx(7.0));
    CHECK(b.by_part_pj.at("noc") == Approx(12.0));
    CHECK(b.by_part_pj.at("other") == Approx(16.0));              // an unknown class is shown, not dropped
    CHECK(b.by_part_pj.at("leakage") == Approx((0.001 + 0.002) * 1e-3 * 1e-6 * 1e12));  // 3 pJ
    CHECK(b.dynamic_pj == Approx(70 + 25 + 12.5 + 7 + 12 + 16));
    CHECK(b.programmed);
    CHECK(b.programming_pj == Approx(3000.0));
    CHECK(b.by_action_pj.count("nvm_array.program") == 0);
    CHECK(b.by_class_pj.at("nvm_array") == Approx(70.0));
    CHECK(power::energy_part("sram_synapse") == "array");
    CHECK(power::energy_part("sram_acc") == "periphery");
}
