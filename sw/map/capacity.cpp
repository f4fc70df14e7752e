#include "sw/map/capacity.h"

#include "sw/cfg/config.h"
#include "sw/cfg/param.h"
#include "sw/common/error.h"

namespace spiketlm::map {

namespace {
using I = std::int64_t;
const cfg::Param<I> p_neurons{"chip.pe.neurons", 256, "neurons", "neuron-state entries per PE (neuron state SRAM words)",
                              cfg::Range{1, 1 << 20}};
const cfg::Param<I> p_syn_words{"chip.pe.synapse_words", 8192, "words", "synapse SRAM words per PE",
                                cfg::Range{1, 1 << 26}};
const cfg::Param<I> p_syn_bits{"chip.pe.synapse_word_bits", 64, "bits", "synapse SRAM word width (packed weights)",
                               cfg::Range{8, 64}};
const cfg::Param<I> p_axons{"chip.pe.axon_entries", 1024, "entries", "fan-in / axon table entries per PE",
                            cfg::Range{1, 1 << 24}};
const cfg::Param<I> p_routes{"chip.pe.route_entries", 256, "entries", "routing table entries per PE (one per local neuron)",
                             cfg::Range{1, 1 << 20}};
const cfg::Param<I> p_acc_slots{"chip.pe.acc_slots", 4, "slots",
                                "accumulator timestep slots per neuron (a layer with delivery delay d needs d + 2)",
                                cfg::Range{2, 64}};
const cfg::Param<I> p_acc_bits{"chip.pe.acc_bits", 32, "bits",
                               "accumulator width; the mapper checks the worst-case input sum of every neuron fits",
                               cfg::Range{8, 64}};
const cfg::Param<I> p_host{"chip.host_node", 0, "", "mesh node (y * width + x) whose router the host interface shares",
                           cfg::Range{0, 4095}};
}  // namespace

PeCapacity capacity_from(const cfg::Config& c) {
    PeCapacity p;
    p.neurons = static_cast<std::uint32_t>(p_neurons(c));
    p.synapse_words = static_cast<std::uint32_t>(p_syn_words(c));
    p.synapse_word_bits = static_cast<std::uint32_t>(p_syn_bits(c));
    p.axon_entries = static_cast<std::uint32_t>(p_axons(c));
    p.route_entries = static_cast<std::uint32_t>(p_routes(c));
    p.acc_slots = static_cast<std::uint32_t>(p_acc_slots(c));
    p.acc_bits = static_cast<std::uint32_t>(p_acc_bits(c));
    return p;
}

MeshShape mesh_from(const cfg::Config& c) {
    MeshShape m;
    m.width = static_cast<std::uint32_t>(c.get<std::int64_t>("chip.noc.width"));
    m.height = static_cast<std::uint32_t>(c.get<std::int64_t>("chip.noc.height"));
    m.host_node = static_cast<std::uint32_t>(p_host(c));
    if (m.host_node >= m.nodes())
        throw ConfigError(c.origin(p_host.name()).str(), p_host.name(),
                          "chip.host_node " + std::to_string(m.host_node) + " is outside the " + std::to_string(m.width) +
                              "x" + std::to_string(m.height) + " mesh");
    return m;
}

}  // namespace spiketlm::map
