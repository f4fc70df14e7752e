#pragma once
// Routing functions, registered by name (config `chip.noc.routing`). A routing function sees the
// current router, the destination and the input port and returns one output port (deterministic)
// or two (adaptive: the router picks the one whose VC is free with the most credits). It is only
// asked for destinations other than the current router (those go to the local port).
//
// Mesh coordinates: node = y * width + x; East is x + 1, South is y + 1.
// New functions: a .cpp with `const bool reg = RoutingRegistry::add("name", &fn, "description");`.
#include <cstdint>
#include <string>
#include <vector>

namespace spiketlm::noc {

enum Port : std::uint8_t { kLocal = 0, kNorth = 1, kEast = 2, kSouth = 3, kWest = 4, kPorts = 5 };
const char* port_name(unsigned p);

struct RouteQuery {
    int x, y;            // current router
    int dest_x, dest_y;  // destination router (never equal to the current one)
    int width, height;
    Port in_port;        // port the packet arrived on (kLocal at the source)
};

struct RouteChoice {
    std::uint8_t count = 0;
    Port ports[2] = {kLocal, kLocal};
    void add(Port p) { ports[count++] = p; }
};

using RoutingFunction = RouteChoice (*)(const RouteQuery&);

class RoutingRegistry {
  public:
    static bool add(const std::string& name, RoutingFunction fn, const std::string& description);
    static RoutingFunction find(const std::string& name);  // nullptr when unknown
    static std::vector<std::string> names();
    static std::string names_joined();
};

}  // namespace spiketlm::noc
