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

// NVM crossbar array (docs/nvm.md, energy): physics of the cells and wires, not CMOS gates.
//   row_activation: cols x (V^2 G t_read  +  C_cell V^2)   (cell read currents of the row + row wire)
//   column_read:    rows x C_cell V^2 + sense_pj             (bit line + sense amplifier)
//   program:        pulses x V_w^2 G t_w                     (one cell, write-verify pulses)
// Units: V^2 x uS x ns = 1e-3 pJ, fF x V^2 = 1e-3 pJ.
class NvmArrayModel final : public ComponentModel {
  public:
    std::string name() const override { return "nvm_array"; }
    const std::vector<AttributeSpec>& attributes() const override {
        static const std::vector<AttributeSpec> a = {
            {"rows", std::nullopt, 1, "rows per array"},
            {"cols", std::nullopt, 1, "columns per array"},
            {"read_voltage_v", std::nullopt, 0, "row read voltage (V)"},
            {"g_mean_us", std::nullopt, 0, "mean cell conductance (uS)"},
            {"read_time_ns", 10.0, 0, "read pulse width (ns)"},
            {"cell_cap_ff", 0.2, 0, "wire capacitance per cell segment (fF)"},
            {"sense_pj", 0.0, 0, "sense amplifier / integrator per column read (pJ)"},
            {"write_voltage_v", 2.0, 0, "programming pulse voltage (V)"},
            {"write_time_ns", 100.0, 0, "programming pulse width (ns)"},
            {"write_pulses", 1.0, 1, "write-verify pulses per cell"}};
        return a;
    }
    std::vector<std::string> actions() const override { return {"row_activation", "column_read", "program"}; }
    double action_pj(const std::string& action, const Attributes& a) const override {
        const double v = a.at("read_voltage_v");
        if (action == "row_activation")
            return a.at("cols") * (v * v * a.at("g_mean_us") * a.at("read_time_ns") + a.at("cell_cap_ff") * v * v) * 1e-3;
        if (action == "column_read") return a.at("rows") * a.at("cell_cap_ff") * v * v * 1e-3 + a.at("sense_pj");
        const double vw = a.at("write_voltage_v");
        return a.at("write_pulses") * vw * vw * a.at("g_mean_us") * a.at("write_time_ns") * 1e-3;  // program
    }
    bool estimates_leakage() const override { return false; }
    double leakage_mw(const Attributes&) const override { return 0; }
};

// ADC by the Walden figure of merit: E = FOM x 2^bits per conversion (docs/nvm.md cites the
// FOM; default 5 fJ/conversion-step, a mid-range SAR ADC of B. Murmann's ADC survey).
class NvmAdcModel final : public ComponentModel {
  public:
    std::string name() const override { return "nvm_adc"; }
    const std::vector<AttributeSpec>& attributes() const override {
        static const std::vector<AttributeSpec> a = {{"bits", std::nullopt, 1, "ADC resolution (bits)"},
                                                     {"fom_fj", 5.0, 0, "Walden FOM (fJ per conversion step)"}};
        return a;
    }
    std::vector<std::string> actions() const override { return {"conversion"}; }
    double action_pj(const std::string&, const Attributes& a) const override {
        return a.at("fom_fj") * std::ldexp(1.0, static_cast<int>(a.at("bits"))) * 1e-3;
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
        m["nvm_array"] = std::make_unique<NvmArrayModel>();
        m["nvm_adc"] = std::make_unique<NvmAdcModel>();
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
