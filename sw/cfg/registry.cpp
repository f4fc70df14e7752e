#include <algorithm>
#include <cctype>

#include "sw/cfg/param.h"
#include "sw/common/error.h"

namespace spiketlm::cfg {

ParamRegistry& ParamRegistry::global() {
    static ParamRegistry registry;
    return registry;
}

void ParamRegistry::add(ParamSpec spec) {
    const auto& n = spec.name;
    bool ok = !n.empty() && n.front() != '.' && n.back() != '.' && n.find("..") == std::string::npos;
    for (char c : n) ok = ok && (std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '.');
    if (!ok) throw Error("parameter name '" + n + "' is malformed (lower_snake_case segments joined by '.')");
    if (find(n)) throw Error("parameter '" + n + "' is declared twice");
    if (is_section(n)) throw Error("parameter '" + n + "' is also a section of other parameters");
    for (const auto& s : m_specs)
        if (n.compare(0, s.name.size() + 1, s.name + ".") == 0)
            throw Error("parameter '" + n + "' lies below parameter '" + s.name + "'");
    m_specs.push_back(std::move(spec));
}

const ParamSpec* ParamRegistry::find(const std::string& name) const {
    for (const auto& s : m_specs)
        if (s.name == name) return &s;
    return nullptr;
}

std::vector<const ParamSpec*> ParamRegistry::all() const {
    std::vector<const ParamSpec*> out;
    for (const auto& s : m_specs) out.push_back(&s);
    std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->name < b->name; });
    return out;
}

std::vector<std::string> ParamRegistry::names() const {
    std::vector<std::string> out;
    for (const auto& s : m_specs) out.push_back(s.name);
    std::sort(out.begin(), out.end());
    return out;
}

bool ParamRegistry::is_section(const std::string& prefix) const {
    const std::string p = prefix + ".";
    return std::any_of(m_specs.begin(), m_specs.end(),
                       [&](const ParamSpec& s) { return s.name.compare(0, p.size(), p) == 0; });
}

}  // namespace spiketlm::cfg
