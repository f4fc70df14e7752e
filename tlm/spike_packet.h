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

// Packet kind, carried in the header bits (tlm/packet_format.h).
enum class PacketKind : std::uint8_t { Spike = 0, OutputSpike = 1, Synthetic = 2 };

struct SpikePacket {
    NodeId src = 0;                   // source node (PE)
    std::uint32_t src_neuron = 0;     // source neuron / axon id (what the receiver looks up)
    std::uint32_t timestep = 0;       // timestep in which the spike was emitted
    // Destinations: `dests` non-empty means multicast to every listed node (each exactly once);
    // otherwise unicast to `dst`; dst == kNoNode: no destination (the source's route is an empty
    // destination set: the sending node's NI drops it, nothing enters the network).
    NodeId dst = 0;
    std::vector<NodeId> dests;
    std::vector<std::uint32_t> payload;  // extra 32-bit words (weights, graded spikes, ...)
    std::uint16_t flits = 0;          // 0: the NI packetizes from header + payload bits
    std::uint64_t tag = 0;            // free for the endpoint, not carried in bits (traffic: creation cycle)
    PacketKind kind = PacketKind::Spike;

    static constexpr NodeId kNoNode = ~NodeId{0};
    bool has_destination() const { return !dests.empty() || dst != kNoNode; }
    bool is_multicast() const { return !dests.empty(); }
    std::size_t destination_count() const { return dests.empty() ? 1 : dests.size(); }
};

// Packetization (header and payload bits -> flits): tlm/packet_format.h.

}  // namespace spiketlm::proto
