#pragma once
// Reading a training model file (YAML): the checks every spec loader of sw/train makes, with one
// wording. Every error is an InputError "<file>:<line>: <what>" naming the key, so that a typo
// or a value of the wrong type never falls back to a default silently.
#include <yaml-cpp/yaml.h>

#include <set>
#include <string>
#include <vector>

namespace spiketlm::train {
struct LayerSpec;  // sw/train/rate_conversion.h
}

namespace spiketlm::train::spec_yaml {

// The dotted name messages give `key` of `section` ("" for the top level of the file).
std::string key_path(const std::string& section, const std::string& key);

// Throws InputError "<source>:<line of n>: <what>" (line 1 when the node has no mark).
[[noreturn]] void fail(const std::string& source, const YAML::Node& n, const std::string& what);

// Fails unless `map` is a mapping whose keys are all in `allowed` (the message lists them).
void check_keys(const std::string& source, const YAML::Node& map, const std::string& section,
                const std::set<std::string>& allowed);

// How a value of the wrong type is reported: the key only, or the key and the value read.
enum class ShowValue { no, yes };

// The failure of get(): "'<section.key>' has the wrong type", then " (value '<v>')" for ShowValue::yes.
[[noreturn]] void wrong_type(const std::string& source, const YAML::Node& n, const std::string& section,
                             const char* key, ShowValue show);

// map[key] into `out` when the key is there (`out` keeps its default when not); a value that
// does not convert to T fails naming the key.
template <typename T>
void get(const std::string& source, const YAML::Node& map, const char* key, const std::string& section, T& out,
         ShowValue show = ShowValue::no) {
    const YAML::Node n = map[key];
    if (!n) return;
    try {
        out = n.as<T>();
    } catch (const YAML::Exception&) {
        wrong_type(source, n, section, key, show);
    }
}

// The `layers` list of a `network` mapping (conv, avgpool, dense: docs/conversion.md), each entry's
// keys checked for its type; the list must be non-empty and needs `network.input_shape`. The
// geometry is checked later (plan_layer_list).
std::vector<LayerSpec> parse_layer_list(const std::string& source, const YAML::Node& network);

}  // namespace spiketlm::train::spec_yaml
