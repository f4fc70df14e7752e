#pragma once
// The mapper: a fixed-point network (sw/snn) + the chip's PE capacities and mesh -> a mapped
// network: one neuron group per PE (partition.h), placed along the snake, with the memory images
// every PE needs (axon table, packed synapse words, routing table) and the multicast destination
// sets. The chip model (hw/chip) runs exactly these images, so a packing or routing bug shows up
// as a spike mismatch against the reference. File format: docs/mapping.md.
#include <cstdint>
#include <string>
#include <vector>

#include "sw/map/partition.h"

namespace spiketlm::snn {
struct Network;
}

namespace spiketlm::map {

// Routing-table entry of one local neuron: where its spike goes and which axon it is there.
struct Route {
    std::uint32_t dest_set = 0;  // index into MappedNetwork::dest_sets
    std::uint32_t axon = 0;      // axon id at every receiver (dense layers: the neuron's index in its layer)
};

// What one PE holds.
struct PeImage {
    std::uint32_t node = 0;          // mesh node (y * width + x)
    std::uint32_t layer = 0;         // layer index of the group
    std::uint32_t first_neuron = 0;  // first neuron of the layer held here
    std::uint32_t neurons = 0;
    // The axon table covers axon ids [axon_first, axon_first + axon_base.size()): the node's
    // network interface subtracts axon_first from an arriving spike's axon id (0 for dense layers).
    std::uint32_t axon_first = 0;
    std::uint32_t weight_bits = 8;
    std::uint32_t weights_per_word = 8;  // synapse_word_bits / weight_bits
    // Axon table, indexed by axon id - axon_first (the axon id of a source is its index in the
    // previous layer or the input index, offset for layers with recurrent synapses: docs/mapping.md):
    // first synapse word and word count of that axon's row (0 words: no synapse here).
    std::vector<std::uint32_t> axon_base;
    std::vector<std::uint32_t> axon_words;
    // Synapse SRAM: word k of axon a's row holds the weights of local neurons
    // k*wpw .. k*wpw + wpw - 1, lane j in bits [j*weight_bits, (j+1)*weight_bits), two's complement.
    // A row ends with the word of the axon's last local target (sparse, conv2d and recurrent
    // synapses: shorter rows); lanes without a synapse hold 0.
    std::vector<std::uint64_t> synapse;
    std::vector<Route> routes;  // one per local neuron
};

struct MappedNetwork {
    std::string network;          // network name
    std::uint32_t mesh_width = 0, mesh_height = 0;
    std::uint32_t host_node = 0;  // where the host interface injects inputs and collects outputs
    std::uint32_t synapse_word_bits = 64;
    std::uint32_t inputs = 0;     // encoded input size
    std::vector<std::uint32_t> layer_out;  // neurons per layer (for checks)
    std::vector<PeImage> pes;     // in placement order (layer order)
    // Multicast destination sets (sorted node lists). A set containing host_node with
    // `to_host` true means the host receives it (output layer).
    std::vector<std::vector<std::uint32_t>> dest_sets;
    std::uint32_t input_dest_set = 0;     // where host-injected input spikes go
    // Per input: its destination set, when inputs do not all go to the same PEs (sparse or
    // conv2d first layer); empty: every input goes to input_dest_set.
    std::vector<std::uint32_t> input_sets;
    std::vector<std::uint32_t> output_set_ids;  // dest sets that end at the host (output layer)

    const PeImage* pe_at(std::uint32_t node) const;
    std::uint32_t input_set(std::uint32_t input) const {
        return input_sets.empty() ? input_dest_set : input_sets[input];
    }
    // The largest axon id any route or input carries, plus one (sizes the packet's axon field).
    std::uint32_t axon_id_limit() const;
    std::uint32_t nodes() const { return mesh_width * mesh_height; }
    // Throws InputError (naming `what`) when images and shapes disagree.
    void validate(const std::string& what) const;
};

// Sign-extends lane `lane` of a packed synapse word (inline: the chip's COMPUTE calls it per weight).
inline std::int32_t unpack_weight(std::uint64_t word, std::uint32_t lane, std::uint32_t weight_bits) {
    const std::uint64_t mask = weight_bits >= 64 ? ~0ull : ((1ull << weight_bits) - 1);
    const std::uint64_t raw = (word >> (lane * weight_bits)) & mask;
    const std::uint64_t sign = 1ull << (weight_bits - 1);
    return static_cast<std::int32_t>(static_cast<std::int64_t>((raw ^ sign) - sign));
}

// Capacity of one PE from the chip configuration (chip.pe.*) and the mesh.
MappedNetwork map_network(const snn::Network& net, const PeCapacity& pe, const MeshShape& mesh);

// The mapped-network directory: manifest.yaml (shapes, placement, destination sets, memory use)
// and images.npz (per PE: axon table, synapse words, routing table). Written atomically.
void save_mapped(const std::string& dir, const MappedNetwork& m);
MappedNetwork load_mapped(const std::string& dir);
// Checks that a mapped network belongs to `net` (same layer shapes and weights).
void check_mapped_matches(const MappedNetwork& m, const snn::Network& net, const std::string& what);

}  // namespace spiketlm::map
