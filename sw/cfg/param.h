#pragma once
// Parameters are declared where they are used, as namespace-scope objects in the .cpp of the
// module that reads them:
//
//   const cfg::Param<int> p_width{"chip.noc.width", 4, "routers", "mesh width", cfg::Range{1, 64}};
//   ... int w = p_width(config);
//
// Every declaration lands in the global ParamRegistry, which validates run configs (unknown keys,
// types, ranges) and feeds `spiketlm config dump` and docs/config.md.
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "sw/cfg/config.h"

namespace spiketlm::cfg {

struct Range {
    double min;
    double max;
};
struct Choices {
    std::vector<std::string> values;
};
struct Required {};

struct ParamSpec {
    std::string name;         // dotted, e.g. chip.noc.width
    ParamType type;
    std::optional<Value> default_value;  // empty: the parameter is required
    std::string unit;         // "" for dimensionless
    std::optional<Range> range;
    std::vector<std::string> choices;  // for strings: the allowed values
    std::string description;  // one line
};

class ParamRegistry {
  public:
    static ParamRegistry& global();
    void add(ParamSpec spec);  // throws Error on a duplicate or malformed declaration
    const ParamSpec* find(const std::string& name) const;
    std::vector<const ParamSpec*> all() const;  // sorted by name
    std::vector<std::string> names() const;
    // True when `prefix` is a strict dotted prefix of some declared name (a section).
    bool is_section(const std::string& prefix) const;

  private:
    std::vector<ParamSpec> m_specs;
};

template <class T>
struct ParamTypeOf;
template <> struct ParamTypeOf<std::int64_t> { static constexpr ParamType value = ParamType::Int; };
template <> struct ParamTypeOf<int> { static constexpr ParamType value = ParamType::Int; };
template <> struct ParamTypeOf<double> { static constexpr ParamType value = ParamType::Float; };
template <> struct ParamTypeOf<bool> { static constexpr ParamType value = ParamType::Bool; };
template <> struct ParamTypeOf<std::string> { static constexpr ParamType value = ParamType::String; };
template <> struct ParamTypeOf<std::vector<std::int64_t>> { static constexpr ParamType value = ParamType::IntList; };
template <> struct ParamTypeOf<std::vector<double>> { static constexpr ParamType value = ParamType::FloatList; };
template <> struct ParamTypeOf<std::vector<std::string>> { static constexpr ParamType value = ParamType::StringList; };

template <class T>
class Param {
  public:
    using Stored = std::conditional_t<std::is_same_v<T, int>, std::int64_t, T>;

    Param(std::string name, T def, std::string unit, std::string description,
          std::optional<Range> range = std::nullopt)
        : m_name(std::move(name)) {
        declare(Value(Stored(def)), std::move(unit), std::move(description), range, {});
    }
    Param(std::string name, T def, std::string unit, std::string description, Choices choices)
        : m_name(std::move(name)) {
        declare(Value(Stored(def)), std::move(unit), std::move(description), std::nullopt,
                std::move(choices.values));
    }
    Param(std::string name, Required, std::string unit, std::string description,
          std::optional<Range> range = std::nullopt)
        : m_name(std::move(name)) {
        declare(std::nullopt, std::move(unit), std::move(description), range, {});
    }

    T operator()(const Config& c) const { return static_cast<T>(c.get<Stored>(m_name)); }
    const std::string& name() const { return m_name; }

  private:
    void declare(std::optional<Value> def, std::string unit, std::string description,
                 std::optional<Range> range, std::vector<std::string> choices) {
        ParamRegistry::global().add(ParamSpec{m_name, ParamTypeOf<T>::value, std::move(def),
                                              std::move(unit), range, std::move(choices),
                                              std::move(description)});
    }
    std::string m_name;
};

}  // namespace spiketlm::cfg
