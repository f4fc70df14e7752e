#pragma once
// Energy models (Accelergy-style estimators): each prices the actions and the leakage of one kind
// of component from the component's attributes (stats::Attributes, registered by the model that
// counts). An energy table binds component classes to models under `models:`; a fixed table entry
// for an action or a class's leakage overrides the model. Models return values at the reference
// technology (45 nm, 0.9 V: the node of Horowitz ISSCC 2014, where the coefficients come from);
// Technology scales them. Equations, coefficients and their sources: docs/energy.md.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace spiketlm::power {

using Attributes = std::map<std::string, double>;

// Reference technology of every coefficient below.
constexpr double kRefNodeNm = 45.0;
constexpr double kRefVddV = 0.9;

// Coefficients at 45 nm, 0.9 V. "H14" = M. Horowitz, "Computing's energy problem (and what we can do
// about it)", ISSCC 2014, Fig. 1.1.9. Each is explained with its source in docs/energy.md.
namespace coef {
constexpr double sram_ref_bits = 65536.0;        // 8 KB: the smallest H14 SRAM point
constexpr double sram_read_pj_per_bit = 10.0 / 64;  // H14: 64-b read of an 8 KB SRAM = 10 pJ
constexpr double sram_write_over_read = 1.0;     // assumed (H14 gives reads only)
constexpr double sram_port_area = 0.30;          // extra cell area per extra port (8T vs 6T, assumed ~30 %)
constexpr double sram_cell_um2 = 0.346;          // 6T cell, Intel 45 nm (Mistry et al., IEDM 2007)
constexpr double sram_array_efficiency = 0.7;    // cell area / macro area, assumed
constexpr double sram_leak_pw_per_bit = 97.7;    // assumed: 0.8 uW per KB (45 nm low-power SRAM)
constexpr double wire_pj_per_mm = 0.162;         // C V^2 per mm, C = 0.2 pF/mm (assumed), V = 0.9 V
constexpr double data_activity = 0.5;            // transitions per data bit per access, random data
constexpr double add_pj_per_bit = 0.1 / 32;      // H14: 32-b integer add = 0.1 pJ
constexpr double mult_pj_per_pp = 3.1 / (32 * 32);  // H14: 32-b mult 3.1 pJ (8-b: 0.2 pJ/64, same)
constexpr double neuron_update_adds = 5;         // adder-equivalents per update (docs/energy.md)
constexpr double neuron_spike_adds = 3;          // adder-equivalents per spike (reset, header)
constexpr double noise_rounds = 3;               // SplitMix64 rounds per draw (the seed round is per run)
constexpr double barrier_node_gates = 2;         // AND gate + step flop per node, in full-adder-bit units
}  // namespace coef

struct Technology {
    double node_nm = 0;  // 0 = not stated (then no model can be used)
    double vdd_v = 0;
    bool stated() const { return node_nm > 0 && vdd_v > 0; }
    // Dynamic energy ~ C V^2 with C ~ feature size.
    double dynamic_scale() const { return (node_nm / kRefNodeNm) * (vdd_v / kRefVddV) * (vdd_v / kRefVddV); }
    // Leakage power ~ I_off V with I_off ~ device width ~ feature size (I_off per um held constant).
    double leakage_scale() const { return (node_nm / kRefNodeNm) * (vdd_v / kRefVddV); }
};

struct AttributeSpec {
    std::string name;
    std::optional<double> fallback;  // used when neither component nor table gives it; none = required
    double min = 0;                  // smallest allowed value
    std::string description;
};

class ComponentModel {
  public:
    virtual ~ComponentModel() = default;
    virtual std::string name() const = 0;
    virtual const std::vector<AttributeSpec>& attributes() const = 0;
    virtual std::vector<std::string> actions() const = 0;
    // pJ per event at 45 nm / 0.9 V; `a` holds every attribute (resolved and range-checked).
    virtual double action_pj(const std::string& action, const Attributes& a) const = 0;
    virtual bool estimates_leakage() const = 0;
    // mW per instance at 45 nm / 0.9 V (only called if estimates_leakage()).
    virtual double leakage_mw(const Attributes& a) const = 0;
};

// The registered models: "sram", "neuron", "barrier", "nvm_array", "nvm_adc". nullptr if unknown.
const ComponentModel* find_model(const std::string& name);
std::vector<std::string> model_names();

// The sram model's pieces (exposed for docs and tests).
double sram_access_pj(double words, double width_bits, double banks, double ports);  // read, 45 nm
double sram_leakage_mw(double words, double width_bits, double ports);               // 45 nm

}  // namespace spiketlm::power
