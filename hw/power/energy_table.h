#pragma once
// Energy reference table (Accelergy style): action -> energy per event (pJ), component class ->
// leakage power (mW), every number with its source. The model only counts actions; this turns
// counts into energy. A counted action or a component class without an entry is an error,
// never a silent zero.
#include <map>
#include <string>

namespace spiketlm::stats {
class Registry;
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

class EnergyTable {
  public:
    // Loads configs/energy/*.yaml. Throws InputError naming file:line on malformed entries.
    static EnergyTable load(const std::string& path);
    static EnergyTable parse(const std::string& yaml, const std::string& name);

    const std::string& name() const { return m_name; }
    const std::string& technology() const { return m_technology; }
    const std::string& file() const { return m_file; }
    const std::map<std::string, TableEntry>& actions() const { return m_actions; }
    const std::map<std::string, TableEntry>& leakage() const { return m_leakage; }

  private:
    std::string m_name, m_technology, m_file;
    std::map<std::string, TableEntry> m_actions;   // "<class>.<action>"
    std::map<std::string, TableEntry> m_leakage;   // "<class>"
};

struct EnergyBreakdown {
    double dynamic_pj = 0;
    double leakage_pj = 0;
    double total_pj() const { return dynamic_pj + leakage_pj; }
    std::map<std::string, double> by_action_pj;     // "<class>.<action>" -> pJ
    std::map<std::string, double> by_class_pj;      // component class -> pJ (dynamic + leakage)
    std::map<std::string, double> by_group_pj;      // component group (e.g. layer) -> pJ
    std::map<std::string, double> by_component_pj;  // instance path -> pJ
};

// The table a run uses (`chip.energy_table`; relative paths are the caller's to resolve).
std::string energy_table_path(const cfg::Config& c);

// energy = Σ count × pJ(action) + Σ leakage_mW(class) × seconds, per component.
// Throws InputError if a declared action counter or component class has no table entry.
EnergyBreakdown compute_energy(const stats::Registry& stats, const EnergyTable& table, double seconds);

}  // namespace spiketlm::power
