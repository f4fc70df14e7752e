#pragma once
// The spike packet: what a PE (or the host interface, or a traffic generator) hands to its network
// interface. Plain data, no SystemC: the NoC moves flits that refer to it, the destination NI hands
// it back to the receiving endpoint. Multicast packets name a destination set; the NoC replicates
// them (in the routers along a tree, or at the source NI, see docs/noc.md).
#include <cstdint>
#include <vector>

namespace spiketlm::proto {

using NodeId = std::uint32_t;   // mesh node (router + NI + endpoint), row-major: y * width + x
using Cycle = std::uint64_t;    // clock cycles of the owning clock domain
constexpr Cycle kNever = ~Cycle{0};

struct SpikePacket {
    NodeId src = 0;                   // source node (PE)
    std::uint32_t src_neuron = 0;     // source neuron / axon id (what the receiver looks up)
    std::uint32_t timestep = 0;       // timestep in which the spike was emitted
    // Destinations: `dests` non-empty means multicast to every listed node (each exactly once);
    // otherwise unicast to `dst`.
    NodeId dst = 0;
    std::vector<NodeId> dests;
    std::vector<std::uint32_t> payload;  // extra 32-bit words (weights, graded spikes, ...)
    std::uint16_t flits = 0;          // 0: the NI packetizes from header + payload bits
    std::uint64_t tag = 0;            // free for the endpoint (traffic generators: sequence number)

    bool is_multicast() const { return !dests.empty(); }
    std::size_t destination_count() const { return dests.empty() ? 1 : dests.size(); }
};

// Header bits a packet carries in its head flit before payload (routing + source + timestep);
// see docs/noc.md (packetization).
constexpr std::uint32_t kHeaderBits = 32;

// Flits of a packet with `payload_words` 32-bit words on `flit_width_bits`-wide links.
inline std::uint16_t packet_flits(std::size_t payload_words, std::uint32_t flit_width_bits) {
    const std::uint64_t bits = kHeaderBits + 32ull * payload_words;
    const std::uint64_t f = (bits + flit_width_bits - 1) / flit_width_bits;
    return static_cast<std::uint16_t>(f == 0 ? 1 : f);
}

}  // namespace spiketlm::proto
