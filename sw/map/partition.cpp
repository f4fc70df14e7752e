#include "sw/map/partition.h"

#include <algorithm>

#include "sw/common/error.h"

namespace spiketlm::map {

namespace {
std::uint32_t ceil_div(std::uint32_t a, std::uint32_t b) { return (a + b - 1) / b; }
}  // namespace

std::uint32_t max_group_neurons(const LayerShape& l, const PeCapacity& pe, std::string* why) {
    auto fail = [&](const std::string& w) -> std::uint32_t {
        if (why) *why = w;
        return 0;
    };
    if (l.weight_bits == 0 || l.weight_bits > pe.synapse_word_bits)
        return fail("weights of " + std::to_string(l.weight_bits) + " bits do not fit a " +
                    std::to_string(pe.synapse_word_bits) + "-bit synapse word");
    if (l.in > pe.axon_entries)
        return fail("fan-in " + std::to_string(l.in) + " needs " + std::to_string(l.in) +
                    " axon-table entries, a PE has " + std::to_string(pe.axon_entries));
    const std::uint32_t wpw = pe.synapse_word_bits / l.weight_bits;
    const std::uint32_t words_per_axon_budget = l.in ? pe.synapse_words / l.in : pe.synapse_words;
    if (words_per_axon_budget == 0)
        return fail("fan-in " + std::to_string(l.in) + " needs at least " + std::to_string(l.in) +
                    " synapse words for one neuron, a PE has " + std::to_string(pe.synapse_words));
    const std::uint32_t by_syn = words_per_axon_budget * wpw;
    return std::min({pe.neurons, pe.route_entries, by_syn});
}

std::uint32_t snake_node(std::uint32_t i, const MeshShape& mesh) {
    const std::uint32_t y = i / mesh.width;
    const std::uint32_t x = (y % 2 == 0) ? i % mesh.width : mesh.width - 1 - i % mesh.width;
    return y * mesh.width + x;
}

Placement partition_and_place(const std::vector<LayerShape>& layers, const PeCapacity& pe, const MeshShape& mesh,
                              const std::vector<FixedSplit>& splits) {
    if (mesh.width == 0 || mesh.height == 0) throw InputError("mesh has no nodes");
    static const FixedSplit kNone;
    const auto split = [&](std::size_t li) -> const FixedSplit& { return li < splits.size() ? splits[li] : kNone; };
    Placement p;
    std::uint32_t needed = 0;
    std::vector<std::uint32_t> groups_per_layer;
    for (std::size_t li = 0; li < layers.size(); ++li) {
        const auto& l = layers[li];
        if (l.out == 0) throw InputError("layer '" + l.name + "' has no neurons");
        if (!split(li).sizes.empty()) {
            groups_per_layer.push_back(static_cast<std::uint32_t>(split(li).sizes.size()));
            needed += groups_per_layer.back();
            continue;
        }
        std::string why;
        const std::uint32_t cap = max_group_neurons(l, pe, &why);
        if (cap == 0) throw InputError("layer '" + l.name + "' does not fit a PE: " + why);
        groups_per_layer.push_back(ceil_div(l.out, cap));
        needed += groups_per_layer.back();
    }
    if (needed > mesh.nodes()) {
        // Name the first layer that no longer fits.
        std::uint32_t used = 0;
        for (std::size_t li = 0; li < layers.size(); ++li) {
            used += groups_per_layer[li];
            if (used > mesh.nodes())
                throw InputError("network does not fit the chip: layer '" + layers[li].name + "' needs " +
                                 std::to_string(groups_per_layer[li]) + " PEs (" +
                                 (split(li).sizes.empty()
                                      ? std::to_string(max_group_neurons(layers[li], pe))
                                      : "up to " + std::to_string(*std::max_element(split(li).sizes.begin(),
                                                                                   split(li).sizes.end()))) +
                                 " neurons each), the network " +
                                 std::to_string(needed) + " PEs in total, the " + std::to_string(mesh.width) + "x" +
                                 std::to_string(mesh.height) + " mesh has " + std::to_string(mesh.nodes()));
        }
    }
    std::uint32_t slot = 0;
    for (std::uint32_t li = 0; li < layers.size(); ++li) {
        const auto& l = layers[li];
        const std::uint32_t g = groups_per_layer[li];
        const std::uint32_t wpw = pe.synapse_word_bits / l.weight_bits;
        p.layer_groups.emplace_back();
        if (!split(li).sizes.empty()) {
            const FixedSplit& f = split(li);
            std::uint32_t first = 0;
            for (std::size_t k = 0; k < f.sizes.size(); ++k) {
                p.layer_groups.back().push_back(static_cast<std::uint32_t>(p.groups.size()));
                p.groups.push_back(Group{li, first, f.sizes[k], snake_node(slot++, mesh), f.words[k]});
                first += f.sizes[k];
            }
            continue;
        }
        // Balanced split: the first (out % g) groups take one neuron more.
        const std::uint32_t base = l.out / g, extra = l.out % g;
        std::uint32_t first = 0;
        for (std::uint32_t k = 0; k < g; ++k) {
            const std::uint32_t n = base + (k < extra ? 1 : 0);
            p.layer_groups.back().push_back(static_cast<std::uint32_t>(p.groups.size()));
            p.groups.push_back(Group{li, first, n, snake_node(slot++, mesh), l.in * ceil_div(n, wpw)});
            first += n;
        }
    }
    return p;
}

}  // namespace spiketlm::map
