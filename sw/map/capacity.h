#pragma once
// The PE capacities and mesh shape the mapper needs, read from the chip configuration
// (`chip.pe.*` capacities, `chip.noc.width/height`, `chip.host_node`). Declared here (sw/) so
// `spiketlm map` and the chip model read the same keys.
#include "sw/map/partition.h"

namespace spiketlm::cfg {
class Config;
}

namespace spiketlm::map {

PeCapacity capacity_from(const cfg::Config& c);
// Mesh width/height come from chip.noc.* (declared by hw/noc); the host node from chip.host_node.
MeshShape mesh_from(const cfg::Config& c);

}  // namespace spiketlm::map
