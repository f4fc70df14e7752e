#pragma once
// Energy reference table (Accelergy style). A component class is priced either by an energy
// model bound to it under `models:` (pJ per action and leakage derived from the component's
// attributes, e.g. an SRAM's geometry; hw/power/energy_model.h), or by fixed entries: action ->
// pJ per event, class -> leakage mW, every number with its source. A fixed entry overrides the
// model for that action or that leakage. The chip model only counts actions; this turns counts into
// energy. A counted action or a component class that neither a fixed entry nor a model prices is
// an error, never a silent zero. Format and equations: docs/energy.md.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hw/power/energy_model.h"

namespace spiketlm::stats {
class Registry;
struct Component;
}
namespace spiketlm::cfg {
class Config;
}

namespace spiketlm::power {

struct TableEntry {
    double value = 0;    // pJ per event (actions) or mW (leakage)
    std::string source;  // where the number comes from
    int line = 0;        // line in the table file (for messages)
};

struct ModelBinding {
    std::string model;      // registered model name (energy_model.h)
    Attributes defaults;    // attribute values the table supplies (components' own values win)
    std::string source;     // source of those values
    int line = 0;
};

// How one action or one class's leakage was priced.
struct Price {
    double value = 0;        // pJ per event, or mW per instance, at the table's technology
    bool from_model = false; // false: fixed table entry (override)
    std::string model;       // model name when from_model
    std::string source;      // the entry's source, or the model's
};

class EnergyTable {
  public:
    // Loads configs/energy/*.yaml. Throws InputError naming file:line on malformed entries.
    static EnergyTable load(const std::string& path);
    static EnergyTable parse(const std::string& yaml, const std::string& name);

    const std::string& name() const { return m_name; }
    const std::string& technology() const { return m_technology; }  // description
    const Technology& tech() const { return m_tech; }                // node and Vdd (for models)
    // Technology the fixed entries are stated at (`fixed_entries_technology:`); not stated = the
    // table's own, no scaling. Otherwise fixed entries scale like the models' values.
    const Technology& fixed_tech() const { return m_fixed_tech; }
    const std::string& file() const { return m_file; }
    const std::map<std::string, TableEntry>& actions() const { return m_actions; }
    const std::map<std::string, TableEntry>& leakage() const { return m_leakage; }
    const std::map<std::string, ModelBinding>& models() const { return m_models; }

    // pJ of one `action` of component `c` (fixed entry `<class>.<action>` first, then the class's
    // model at this table's technology). Throws InputError naming the action, the component and
    // the table if neither prices it, or if the model lacks the action or an attribute.
    Price action_price(const stats::Component& c, const std::string& action) const;
    // Leakage mW of component `c` (fixed entry for its class first, then its model).
    Price leakage_price(const stats::Component& c) const;

  private:
    Attributes resolve(const stats::Component& c, const ModelBinding& b, const ComponentModel& m) const;
    std::string m_name, m_technology, m_file;
    Technology m_tech, m_fixed_tech;
    std::map<std::string, ModelBinding> m_models;  // component class -> model
    std::map<std::string, TableEntry> m_actions;   // "<class>.<action>"
    std::map<std::string, TableEntry> m_leakage;   // "<class>"
};

// Parts of a chip's energy (docs/energy.md, "Parts"): every component class belongs to one of
// "array" (synapse storage: NVM crossbars, synapse SRAM), "adc", "periphery" (between the spike
// input and the neuron currents: input/word FIFOs, axon table, accumulators, adders/shift-add),
// "digital" (neuron datapath, state and routing SRAMs, barrier), "noc" (routers, links, network
// interfaces, host interface); a class not listed is "other".
std::string energy_part(const std::string& cls);
// The parts in report order (the dynamic parts, then "other", then "leakage").
const std::vector<std::string>& energy_parts();
// Actions done once before inference, not per frame (writing the weights: `nvm_array.program`).
// They are priced like any action but summed into EnergyBreakdown::programming_pj only.
bool is_programming_action(const std::string& energy_key);

struct EnergyBreakdown {
    double dynamic_pj = 0;  // inference: every action counter except programming ones
    double leakage_pj = 0;
    double total_pj() const { return dynamic_pj + leakage_pj; }
    // Programming (one-off): Σ count × pJ of the programming actions; not in dynamic_pj or any
    // breakdown below. `programmed` = some component counted a programming action.
    double programming_pj = 0;
    bool programmed = false;
    std::map<std::string, double> programming_by_action_pj;
    // energy_parts() -> pJ: each dynamic part Σ count × pJ of its classes' actions; "leakage" the
    // leakage of every component. Sums to total_pj().
    std::map<std::string, double> by_part_pj;
    std::map<std::string, double> by_action_pj;     // "<class>.<action>" -> pJ
    std::map<std::string, double> by_class_pj;      // component class -> pJ (dynamic + leakage)
    std::map<std::string, double> by_group_pj;      // component group (e.g. layer) -> pJ
    std::map<std::string, double> by_component_pj;  // instance path -> pJ
    // How each priced key was priced: "<class>.<action>" for actions, "<class>" for leakage.
    struct Pricing {
        bool from_model = false;
        std::string model, source;
        double min = 0, max = 0;  // per event (pJ) or per instance (mW) over the instances
        std::size_t instances = 0;
    };
    std::map<std::string, Pricing> action_pricing;
    std::map<std::string, Pricing> leakage_pricing;
};

// The table a run uses (`chip.energy_table`; relative paths are the caller's to resolve).
std::string energy_table_path(const cfg::Config& c);

// energy = Σ count × pJ(action) + Σ leakage_mW(class) × seconds, per component.
// Throws InputError if a declared action counter or component class has no table entry.
EnergyBreakdown compute_energy(const stats::Registry& stats, const EnergyTable& table, double seconds);

}  // namespace spiketlm::power

namespace spiketlm::power {
// report.json's `energy_pricing`: per priced action (pJ/event) and class leakage (mW/instance)
// whether a model ("origin": "model") or a fixed table entry ("origin": "table") priced it.
nlohmann::json pricing_json(const EnergyBreakdown& b, const EnergyTable& t);
}  // namespace spiketlm::power
