#pragma once
// Statistics registry (gem5 style): every counter and histogram is declared with a name, unit
// and description. Action counters additionally name their component instance and class, so the
// energy model can price them (`<class>.<action>` in configs/energy/*.yaml). Models only count;
// averages, rates and energies are computed by the reporter.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace spiketlm::stats {

class Counter {
  public:
    void inc(std::uint64_t n = 1) { m_value += n; }
    std::uint64_t value() const { return m_value; }
    void reset() { m_value = 0; }

  private:
    std::uint64_t m_value = 0;
};

// Fixed-width bins from 0; values beyond the last bin land in an overflow bin.
class Histogram {
  public:
    Histogram(double bin_width, std::size_t bins);
    void add(double v, std::uint64_t n = 1);
    std::uint64_t count() const { return m_count; }
    double sum() const { return m_sum; }
    double min() const { return m_min; }
    double max() const { return m_max; }
    double bin_width() const { return m_bin_width; }
    const std::vector<std::uint64_t>& bins() const { return m_bins; }  // last = overflow
    void reset();
    // Adds every value `o` holds, as if they had been added here: bins and counts summed, min and
    // max combined, sums added (exact for integer values below 2^53, as every histogram the
    // simulator declares holds). Throws Error when the binning differs.
    void merge(const Histogram& o);

  private:
    friend class Registry;  // from_json restores the state
    double m_bin_width;
    std::vector<std::uint64_t> m_bins;
    std::uint64_t m_count = 0;
    double m_sum = 0, m_min = 0, m_max = 0;
};

struct StatInfo {
    std::string name;         // full dotted name, unique
    std::string unit;
    std::string description;
    std::string component;    // instance path for action counters, else ""
    std::string energy_key;   // "<class>.<action>" for action counters, else ""
    bool once = false;        // a setup counter (counts what happens once per chip, not per frame)
};

// Named numeric attributes of a component (Accelergy style): the design parameters an energy
// model prices it from, e.g. {words, width_bits, banks, ports} of an SRAM. Units are part of the
// name where not obvious (`width_bits`, `tile_pitch_mm`); docs/energy.md lists what each model reads.
using Attributes = std::map<std::string, double>;

struct Component {
    std::string path;        // instance, e.g. chip.pe_0_1.syn_sram
    std::string cls;         // class for energy lookup, e.g. sram_synapse
    std::string group;       // breakdown group, e.g. layer name ("" = none)
    Attributes attributes;   // design parameters (may be empty)
};

class Registry {
  public:
    Counter& counter(const std::string& name, const std::string& unit, const std::string& description);
    // A counter of work done once per simulated chip before any frame (e.g. NVM cells programmed):
    // a run split into shards counts it in every shard, so merge() keeps one value (the parts
    // must agree) instead of summing. stats.csv shows it as any counter.
    Counter& setup_counter(const std::string& name, const std::string& unit, const std::string& description);
    // An action that happens once per chip (e.g. programming NVM cells): priced like any action,
    // kept (not summed) when the statistics of several runs of one chip are merged.
    Counter& setup_action(const std::string& component, const std::string& cls, const std::string& action,
                          const std::string& description);
    // An energy-relevant action of component `component` (declared with add_component first, or
    // implicitly with class `cls`). Its name is `<component>.<action>`.
    Counter& action(const std::string& component, const std::string& cls, const std::string& action,
                    const std::string& description);
    Histogram& histogram(const std::string& name, const std::string& unit, const std::string& description,
                         double bin_width, std::size_t bins);
    // Declares a component instance with its class, breakdown group and attributes. Attribute
    // names are lower_snake_case identifiers, values finite; a bad one throws naming both.
    void add_component(const std::string& path, const std::string& cls, const std::string& group = "",
                       Attributes attributes = {});
    // Sets (or replaces) one attribute of a declared component; throws if the component is unknown.
    void set_attribute(const std::string& component, const std::string& name, double value);

    struct CounterEntry {
        StatInfo info;
        std::unique_ptr<Counter> counter;
    };
    struct HistogramEntry {
        StatInfo info;
        std::unique_ptr<Histogram> histogram;
    };
    const std::vector<CounterEntry>& counters() const { return m_counters; }
    const std::vector<HistogramEntry>& histograms() const { return m_histograms; }
    const std::vector<Component>& components() const { return m_components; }
    const Component* find_component(const std::string& path) const;
    const Counter* find_counter(const std::string& name) const;
    // Sum of every counter whose energy key or name ends with `suffix` (e.g. ".flit_hop").
    std::uint64_t total(const std::string& energy_key) const;

    // stats.csv: name,kind,value,unit,component,energy_key,description
    std::string to_csv() const;
    void reset();

    // Merging the statistics of runs of disjoint frame sets (frame-parallel and sharded runs):
    // to_json() holds everything (declarations, components with attributes, values) exactly, and
    // from_json() rebuilds an equal registry, so stats.csv and the energy priced from a rebuilt
    // registry are those of the original. merge() adds `o`'s counts (counters summed, histograms
    // merged bin by bin; setup counters must be equal and are kept); the two must declare the
    // same statistics and components in the same order (runs of one configuration do), else it
    // throws Error naming the first difference.
    nlohmann::json to_json() const;
    static Registry from_json(const nlohmann::json& j);
    void merge(const Registry& o);

  private:
    void check_new(const std::string& name) const;
    void index_last_counter() { m_counter_index.emplace(m_counters.back().info.name, m_counters.back().counter.get()); }
    std::vector<CounterEntry> m_counters;
    std::vector<HistogramEntry> m_histograms;
    std::vector<Component> m_components;
    // Name lookups (a 32x32 chip declares ~10^5 statistics: no linear scans).
    std::unordered_map<std::string, const Counter*> m_counter_index;
    std::unordered_set<std::string> m_histogram_names;
    std::unordered_map<std::string, std::size_t> m_component_index;
};

}  // namespace spiketlm::stats
