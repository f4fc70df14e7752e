#include "hw/noc/routing.h"

#include <map>

#include "sw/common/error.h"

namespace spiketlm::noc {

const char* port_name(unsigned p) {
    static const char* n[] = {"local", "north", "east", "south", "west"};
    return p < kPorts ? n[p] : "?";
}

namespace {
struct Entry {
    RoutingFunction fn;
    std::string description;
};
std::map<std::string, Entry>& table() {
    static std::map<std::string, Entry> t;
    return t;
}

// Dimension-order routing: X first, then Y. Deadlock-free on a mesh with any number of VCs.
RouteChoice route_xy(const RouteQuery& q) {
    RouteChoice r;
    if (q.dest_x != q.x) r.add(q.dest_x > q.x ? kEast : kWest);
    else r.add(q.dest_y > q.y ? kSouth : kNorth);
    return r;
}

// Y first, then X.
RouteChoice route_yx(const RouteQuery& q) {
    RouteChoice r;
    if (q.dest_y != q.y) r.add(q.dest_y > q.y ? kSouth : kNorth);
    else r.add(q.dest_x > q.x ? kEast : kWest);
    return r;
}

// West-first turn model (Glass & Ni): all westward hops first (deterministic), then minimal
// adaptive among east / north / south. No turn into west is ever taken, so it is deadlock-free
// without extra virtual channels.
RouteChoice route_west_first(const RouteQuery& q) {
    RouteChoice r;
    if (q.dest_x < q.x) {
        r.add(kWest);
        return r;
    }
    if (q.dest_x > q.x) r.add(kEast);
    if (q.dest_y != q.y) r.add(q.dest_y > q.y ? kSouth : kNorth);
    return r;
}

const bool reg_xy = RoutingRegistry::add("xy", &route_xy, "dimension order, X then Y (deterministic)");
const bool reg_yx = RoutingRegistry::add("yx", &route_yx, "dimension order, Y then X (deterministic)");
const bool reg_wf =
    RoutingRegistry::add("west_first", &route_west_first, "west-first turn model, minimal adaptive (no order promise)");
}  // namespace

bool RoutingRegistry::add(const std::string& name, RoutingFunction fn, const std::string& description) {
    if (table().count(name)) throw Error("routing function '" + name + "' registered twice");
    table()[name] = {fn, description};
    return true;
}

RoutingFunction RoutingRegistry::find(const std::string& name) {
    auto it = table().find(name);
    return it == table().end() ? nullptr : it->second.fn;
}

std::vector<std::string> RoutingRegistry::names() {
    std::vector<std::string> n;
    for (const auto& [k, v] : table()) n.push_back(k);
    return n;
}

std::string RoutingRegistry::names_joined() {
    std::string s;
    for (const auto& n : names()) s += (s.empty() ? "" : ", ") + n;
    return s;
}

}  // namespace spiketlm::noc
