#include <map>

#include "hw/pe/pe_if.h"
#include "sw/common/error.h"

namespace spiketlm::pe {

namespace {
struct Entry {
    PeFactory factory;
    std::string description;
};
std::map<std::string, Entry>& table() {
    static std::map<std::string, Entry> t;
    return t;
}
}  // namespace

bool PeRegistry::add(const std::string& name, const std::string& description, PeFactory f) {
    if (table().count(name)) throw Error("PE kind '" + name + "' registered twice");
    table()[name] = {std::move(f), description};
    return true;
}

const PeFactory* PeRegistry::find(const std::string& name) {
    auto it = table().find(name);
    return it == table().end() ? nullptr : &it->second.factory;
}

std::vector<std::string> PeRegistry::names() {
    std::vector<std::string> n;
    for (const auto& [k, v] : table()) n.push_back(k);
    return n;
}

std::string PeRegistry::names_joined() {
    std::string s;
    for (const auto& n : names()) s += (s.empty() ? "" : ", ") + n;
    return s;
}

std::unique_ptr<ProcessingElement> PeRegistry::create(const std::string& name, const PeContext& ctx) {
    const PeFactory* f = find(name);
    if (!f) throw InputError("chip.pe.kind: unknown PE kind '" + name + "' (registered: " + names_joined() + ")");
    auto pe = (*f)(ctx);
    if (!pe) throw Error("PE kind '" + name + "' built nothing for " + ctx.path);
    return pe;
}

}  // namespace spiketlm::pe
