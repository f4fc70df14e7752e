#include <map>

#include "hw/noc/iq_router.h"
#include "hw/noc/router_if.h"
#include "sw/common/error.h"

namespace spiketlm::noc {

namespace {
struct Entry {
    RouterFactory factory;
    std::string description;
};
std::map<std::string, Entry>& table() {
    static std::map<std::string, Entry> t = [] {
        std::map<std::string, Entry> m;
        // Built-in kinds are registered here, not by static objects in their own files, so a
        // static library cannot drop them.
        m["iq_wormhole"] = {[](const RouterParams& p) -> std::unique_ptr<RouterIf> { return std::make_unique<IqRouter>(p); },
                            "input-queued VC wormhole router, RC/VA/SA/ST pipeline, credits (hw/noc/iq_router.h)"};
        return m;
    }();
    return t;
}
}  // namespace

bool RouterRegistry::add(const std::string& name, const std::string& description, RouterFactory factory) {
    if (name.empty() || !factory) throw Error("RouterRegistry::add: empty name or factory");
    if (table().count(name)) throw Error("router kind '" + name + "' registered twice");
    table()[name] = {std::move(factory), description};
    return true;
}

const RouterFactory* RouterRegistry::find(const std::string& name) {
    auto it = table().find(name);
    return it == table().end() ? nullptr : &it->second.factory;
}

std::vector<std::string> RouterRegistry::names() {
    std::vector<std::string> n;
    for (const auto& e : table()) n.push_back(e.first);
    return n;
}

std::string RouterRegistry::names_joined() {
    std::string s;
    for (const auto& n : names()) s += (s.empty() ? "" : ", ") + n;
    return s;
}

std::unique_ptr<RouterIf> RouterRegistry::create(const std::string& name, const RouterParams& p) {
    const RouterFactory* f = find(name);
    if (!f) throw InputError("chip.noc.router: unknown router kind '" + name + "' (registered: " + names_joined() + ")");
    return (*f)(p);
}

}  // namespace spiketlm::noc
