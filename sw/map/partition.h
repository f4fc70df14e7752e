#pragma once
// Partitioning and placement (first version): each layer's neurons are split into groups that
// fit one PE (neurons, synapse words, fan-in entries, routing entries), and the groups are placed
// on the mesh in layer order along a snake (boustrophedon) path. A network that does not fit
// raises InputError naming the layer and the required versus available capacity.
#include <cstdint>
#include <string>
#include <vector>

namespace spiketlm::map {

struct PeCapacity {
    std::uint32_t neurons = 256;            // neuron state entries
    std::uint32_t synapse_words = 8192;     // synapse SRAM words
    std::uint32_t synapse_word_bits = 64;   // synapse SRAM word width
    std::uint32_t axon_entries = 1024;      // fan-in / axon table entries
    std::uint32_t route_entries = 256;      // routing table entries (one per local neuron)
    std::uint32_t acc_slots = 4;            // accumulator timestep slots per neuron (layer delay + 2 needed)
    std::uint32_t acc_bits = 32;            // accumulator width (the worst-case input sum must fit)
};

struct MeshShape {
    std::uint32_t width = 4, height = 4;
    std::uint32_t host_node = 0;  // the node whose router the host interface shares
    std::uint32_t nodes() const { return width * height; }
};

struct LayerShape {
    std::string name;
    std::uint32_t in = 0, out = 0;
    std::uint32_t weight_bits = 8;
};

// A layer's split into groups computed by the mapper from its synapses (sparse, conv2d and
// recurrent layers; each group checked to fit a PE there). Empty: the dense rule below.
struct FixedSplit {
    std::vector<std::uint32_t> sizes;
    std::vector<std::uint32_t> words;  // synapse words of each group
};

struct Group {
    std::uint32_t layer = 0;         // index into the layer list
    std::uint32_t first_neuron = 0;  // first neuron of the layer held by this group
    std::uint32_t neurons = 0;
    std::uint32_t node = 0;          // mesh node (y * width + x)
    std::uint32_t synapse_words = 0; // words used: in * ceil(neurons / weights_per_word)
};

struct Placement {
    std::vector<Group> groups;                      // in layer order
    std::vector<std::vector<std::uint32_t>> layer_groups;  // per layer: indices into groups
};

// Largest group size of a layer on one PE (0 if not even one neuron fits, with `why` set).
std::uint32_t max_group_neurons(const LayerShape& l, const PeCapacity& pe, std::string* why = nullptr);

// The i-th node of the snake path: row 0 left to right, row 1 right to left, ...
std::uint32_t snake_node(std::uint32_t i, const MeshShape& mesh);

// `splits`: empty, or one per layer (an empty FixedSplit: the dense rule).
Placement partition_and_place(const std::vector<LayerShape>& layers, const PeCapacity& pe, const MeshShape& mesh,
                              const std::vector<FixedSplit>& splits = {});

}  // namespace spiketlm::map
