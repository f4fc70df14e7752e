#include "sw/train/spec_yaml.h"

#include "sw/common/error.h"

namespace spiketlm::train::spec_yaml {

std::string key_path(const std::string& section, const std::string& key) {
    return section.empty() ? key : section + "." + key;
}

void fail(const std::string& source, const YAML::Node& n, const std::string& what) {
    const int line = n.Mark().line >= 0 ? n.Mark().line + 1 : 1;
    throw InputError(source + ":" + std::to_string(line) + ": " + what);
}

void check_keys(const std::string& source, const YAML::Node& map, const std::string& section,
                const std::set<std::string>& allowed) {
    if (!map.IsMap()) fail(source, map, "'" + section + "' must be a mapping");
    for (const auto& kv : map) {
        const auto key = kv.first.as<std::string>();
        if (!allowed.count(key)) {
            std::string list;
            for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
            fail(source, kv.first, "unknown key '" + key_path(section, key) + "' (allowed: " + list + ")");
        }
    }
}

void wrong_type(const std::string& source, const YAML::Node& n, const std::string& section, const char* key,
                ShowValue show) {
    std::string what = "'" + key_path(section, key) + "' has the wrong type";
    if (show == ShowValue::yes)
        what += " (value '" + (n.IsScalar() ? n.Scalar() : std::string("<not a scalar>")) + "')";
    fail(source, n, what);
}

}  // namespace spiketlm::train::spec_yaml
