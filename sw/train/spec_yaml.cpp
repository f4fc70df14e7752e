#include "sw/train/spec_yaml.h"

#include "sw/common/error.h"
#include "sw/train/rate_conversion.h"

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

std::vector<LayerSpec> parse_layer_list(const std::string& source, const YAML::Node& network) {
    const YAML::Node ls = network["layers"];
    if (!ls.IsSequence() || ls.size() == 0) fail(source, ls, "'network.layers' must be a non-empty list");
    if (!network["input_shape"]) fail(source, ls, "'network.layers' needs 'network.input_shape' ([C, H, W])");
    std::vector<LayerSpec> layers;
    for (std::size_t i = 0; i < ls.size(); ++i) {
        const YAML::Node l = ls[i];
        const std::string sec = "network.layers[" + std::to_string(i) + "]";
        if (!l.IsMap() || !l["type"]) fail(source, l, "'" + sec + "' must be a mapping with a 'type' (conv, avgpool, dense)");
        LayerSpec ly;
        ly.line = l.Mark().line + 1;
        get(source, l, "type", sec, ly.type);
        if (ly.type == "conv")
            check_keys(source, l, sec, {"type", "channels", "kernel", "stride", "padding", "groups"});
        else if (ly.type == "avgpool")
            check_keys(source, l, sec, {"type", "kernel", "stride"});
        else if (ly.type == "dense")
            check_keys(source, l, sec, {"type", "units"});
        else
            fail(source, l["type"], "unknown layer type '" + ly.type + "' in '" + sec + ".type' (valid: conv, avgpool, dense)");
        ly.stride = 0;  // not given: 1 for conv, the kernel for avgpool
        get(source, l, "channels", sec, ly.channels);
        get(source, l, "kernel", sec, ly.kernel);
        get(source, l, "stride", sec, ly.stride);
        get(source, l, "padding", sec, ly.padding);
        get(source, l, "groups", sec, ly.groups);
        get(source, l, "units", sec, ly.units);
        if (l["stride"] && ly.stride < 1) fail(source, l["stride"], "'" + sec + ".stride' must be >= 1");
        if ((ly.type == "conv" || ly.type == "avgpool") && !l["kernel"]) fail(source, l, "'" + sec + "' needs 'kernel'");
        layers.push_back(ly);
    }
    return layers;
}

}  // namespace spiketlm::train::spec_yaml
