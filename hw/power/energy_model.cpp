#include "hw/power/energy_model.h"

#include <cmath>
#include <memory>

#include "sw/common/error.h"

namespace spiketlm::power {

double sram_access_pj(double words, double width_bits, double banks, double ports) {
    const double cell_area = 1.0 + coef::sram_port_area * (ports - 1);  // relative to a 1-port cell
    const double bank_bits = std::ceil(words / banks) * width_bits;
    // Bitline + wordline + sense energy per accessed bit grows with the side of the activated
    // array: sqrt(bits per bank), and with the cell pitch: sqrt(cell area). Fit to H14 (8 KB, 32 KB
    // exact; 1 MB +13 %).
    const double array = width_bits * coef::sram_read_pj_per_bit * std::sqrt(bank_bits / coef::sram_ref_bits) *
                         std::sqrt(cell_area);
    if (banks <= 1) return array;
    // Banking: data and address bits also cross the rest of the macro (half its side beyond a bank).
    const double bank_mm2 = bank_bits * coef::sram_cell_um2 * cell_area / coef::sram_array_efficiency * 1e-6;
    const double extra_mm = 0.5 * (std::sqrt(banks * bank_mm2) - std::sqrt(bank_mm2));
    const double addr_bits = std::max(1.0, std::ceil(std::log2(words)));
    return array + (width_bits + addr_bits) * coef::data_activity * coef::wire_pj_per_mm * extra_mm;
}

double sram_leakage_mw(double words, double width_bits, double ports) {
    const double transistors = (6.0 + 2.0 * (ports - 1)) / 6.0;  // 6T cell plus 2 per extra port
    return words * width_bits * coef::sram_leak_pw_per_bit * transistors * 1e-9;  // pW -> mW
}

namespace {

class SramModel final : public ComponentModel {
  public:
    std::string name() const override { return "sram"; }
    const std::vector<AttributeSpec>& attributes() const override {
        static const std::vector<AttributeSpec> a = {
            {"words", std::nullopt, 1, "words"},
            {"width_bits", std::nullopt, 1, "bits per word (one access moves one word)"},
            {"banks", 1.0, 1, "banks, one activated per access"},
            {"ports", 1.0, 1, "ports per bank"}};
        return a;
    }
    std::vector<std::string> actions() const override { return {"read", "write"}; }
    double action_pj(const std::string& action, const Attributes& a) const override {
        const double read = sram_access_pj(a.at("words"), a.at("width_bits"), a.at("banks"), a.at("ports"));
        return action == "write" ? read * coef::sram_write_over_read : read;
    }
    bool estimates_leakage() const override { return true; }
    double leakage_mw(const Attributes& a) const override {
        return sram_leakage_mw(a.at("words"), a.at("width_bits"), a.at("ports"));
    }
};

class NeuronModel final : public ComponentModel {
  public:
    std::string name() const override { return "neuron"; }
    const std::vector<AttributeSpec>& attributes() const override {
        static const std::vector<AttributeSpec> a = {
            {"state_bits", std::nullopt, 2, "width of i and v (adders, compare)"},
            {"decay_bits", std::nullopt, 1, "width of a decay factor (multiplier operand)"}};
        return a;
    }
    std::vector<std::string> actions() const override { return {"update", "multiply", "noise_draw", "spike"}; }
    double action_pj(const std::string& action, const Attributes& a) const override {
        const double bits = a.at("state_bits");
        if (action == "update") return coef::neuron_update_adds * bits * coef::add_pj_per_bit;
        if (action == "multiply") return a.at("decay_bits") * bits * coef::mult_pj_per_pp;
        if (action == "noise_draw")  // per round: two 64x64-b multiplies and one 64-b add (xor-shifts free)
            return coef::noise_rounds * (2 * 64 * 64 * coef::mult_pj_per_pp + 64 * coef::add_pj_per_bit);
        return coef::neuron_spike_adds * bits * coef::add_pj_per_bit;  // spike
    }
    bool estimates_leakage() const override { return false; }
    double leakage_mw(const Attributes&) const override { return 0; }
};

class BarrierModel final : public ComponentModel {
  public:
    std::string name() const override { return "barrier"; }
    const std::vector<AttributeSpec>& attributes() const override {
        static const std::vector<AttributeSpec> a = {
            {"mesh_width", std::nullopt, 1, "mesh columns"},
            {"mesh_height", std::nullopt, 1, "mesh rows"},
            {"tile_pitch_mm", std::nullopt, 0, "distance between neighbouring tiles (mm)"}};
        return a;
    }
    std::vector<std::string> actions() const override { return {"sync"}; }
    double action_pj(const std::string&, const Attributes& a) const override {
        const double nodes = a.at("mesh_width") * a.at("mesh_height");
        // A done-tree and a broadcast tree, each spanning the mesh with (nodes - 1) links of one
        // tile pitch; each wire rises and falls once per barrier (C V^2), plus gates per node.
        const double wire_mm = 2 * (nodes - 1) * a.at("tile_pitch_mm");
        return wire_mm * coef::wire_pj_per_mm + nodes * coef::barrier_node_gates * coef::add_pj_per_bit;
    }
    bool estimates_leakage() const override { return false; }
    double leakage_mw(const Attributes&) const override { return 0; }
};

const std::map<std::string, std::unique_ptr<ComponentModel>>& registry() {
    static const auto r = [] {
        std::map<std::string, std::unique_ptr<ComponentModel>> m;
        m["sram"] = std::make_unique<SramModel>();
        m["neuron"] = std::make_unique<NeuronModel>();
        m["barrier"] = std::make_unique<BarrierModel>();
        return m;
    }();
    return r;
}

}  // namespace

const ComponentModel* find_model(const std::string& name) {
    auto it = registry().find(name);
    return it == registry().end() ? nullptr : it->second.get();
}

std::vector<std::string> model_names() {
    std::vector<std::string> n;
    for (const auto& kv : registry()) n.push_back(kv.first);
    return n;
}

}  // namespace spiketlm::power
