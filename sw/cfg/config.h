#pragma once
// A validated run configuration: YAML files (with `include:`), then `--set key=value` overrides,
// checked against the declared parameters. Values keep their origin (file:line) for messages and
// for the effective configuration written into every run directory.
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace spiketlm::cfg {

enum class ParamType { Int, Float, Bool, String, IntList, FloatList, StringList };
const char* type_name(ParamType t);

using Value = std::variant<std::int64_t, double, bool, std::string, std::vector<std::int64_t>,
                           std::vector<double>, std::vector<std::string>>;
std::string value_to_yaml(const Value& v);

struct Origin {
    std::string file;  // a path, "--set" or "default"
    int line = 0;      // 1-based; 0 when not from a file
    std::string str() const;
};

class ParamRegistry;

class Config {
  public:
    // Defaults only (every declared parameter at its default).
    Config();
    explicit Config(const ParamRegistry& registry);

    // Loads `path` (and what it includes) on top of the current values. Throws ConfigError.
    void load_file(const std::string& path);
    // Applies one `key=value` override; `index` is its 1-based position on the command line.
    void apply_set(const std::string& assignment, int index = 1);
    // Parses YAML text as if it were a file called `name` (tests, embedded presets).
    void load_string(const std::string& yaml, const std::string& name);

    template <class T>
    T get(const std::string& name) const;
    bool is_set(const std::string& name) const { return m_values.count(name) != 0; }
    Origin origin(const std::string& name) const;
    // Throws ConfigError if any of these (required) parameters has no value.
    void require(const std::vector<std::string>& names) const;

    // The effective configuration: every declared parameter, nested YAML, origin as comment.
    std::string effective_yaml() const;
    // Stable hash of the effective values (not origins).
    std::string hash() const;
    const std::string& main_file() const { return m_main_file; }

  private:
    struct Entry {
        Value value;
        Origin origin;
    };
    const Value& lookup(const std::string& name) const;
    void load_file_impl(const std::string& path, std::vector<std::string>& stack);
    void set_value(const std::string& name, Value v, Origin o) { m_values[name] = {std::move(v), std::move(o)}; }
    friend struct ConfigLoader;

    const ParamRegistry* m_registry;
    std::map<std::string, Entry> m_values;  // explicitly set values only
    std::string m_main_file;
};

extern template std::int64_t Config::get<std::int64_t>(const std::string&) const;
extern template double Config::get<double>(const std::string&) const;
extern template bool Config::get<bool>(const std::string&) const;
extern template std::string Config::get<std::string>(const std::string&) const;
extern template std::vector<std::int64_t> Config::get<std::vector<std::int64_t>>(const std::string&) const;
extern template std::vector<double> Config::get<std::vector<double>>(const std::string&) const;
extern template std::vector<std::string> Config::get<std::vector<std::string>>(const std::string&) const;

}  // namespace spiketlm::cfg
