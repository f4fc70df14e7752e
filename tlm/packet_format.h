#pragma once
// The packet format in bits: what a flit carries on a link, as an RTL router or NI would see it.
// Plain C++ (no SystemC). Layout and width formulas: docs/noc.md ("Packet format").
//
// A packet is a bit string of H + P bits cut into flits of F = chip.noc.flit_width_bits bits
// (bit 0 = least significant bit of word 0). The header starts at bit 0 of the head flit:
//
//   field   width                                   meaning
//   kind    2                                       0 spike to a PE, 1 output spike to the host,
//                                                   2 synthetic traffic, 3 reserved
//   mcast   1                                       0: dest is a node id, 1: dest is a node bitmask
//   dest    D = nodes (tree multicast) or N         destination node id, or one bit per node
//   src     N = max(1, ceil(log2(nodes)))           source node
//   axon    A (endpoint)                            axon / source neuron id the receiver looks up
//   step    S (endpoint)                            timestep (or delay slot) of the spike
//   payload P = payload words x W (endpoint)        payload words (output layer: membrane value),
//                                                   packed from bit H on, spilling into body flits
//
// H = 2 + 1 + D + N + A + S must fit one flit (H <= F); the packet has max(1, ceil((H + P) / F))
// flits. The receiver reads every complete W-bit word slot after the header as a payload word
// (a sender pads with zero words; endpoints know how many they use: an output spike, one).
// Besides the F data bits a link carries the usual sideband of a wormhole router: head and tail
// marks and the VC number (tlm/flit.h). Synthetic packets carry no endpoint fields (their axon
// and step bits are 0; the traffic generator's sequence numbers stay in the simulator).
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sw/common/error.h"
#include "tlm/spike_packet.h"

namespace spiketlm::proto {

// Bits carried per flit (inline in the flit): chip.noc.flit_width_bits is at most this.
constexpr std::uint32_t kMaxFlitBits = 128;
constexpr std::uint32_t kFlitWords = kMaxFlitBits / 64;

// Field widths the endpoints need (the chip passes its own; these defaults suit synthetic
// traffic and small chips).
struct EndpointFields {
    std::uint32_t axon_bits = 16;     // axon / source neuron id
    std::uint32_t step_bits = 16;     // timestep or delay slot
    std::uint32_t payload_bits = 32;  // width of one payload word (e.g. a membrane value)
};

// The decoded header of a packet (what the routers and the destination NI read).
struct Header {
    PacketKind kind = PacketKind::Spike;
    bool multicast = false;
    NodeId dest = 0;                          // unicast
    std::uint64_t dest_mask[kFlitWords] = {};  // multicast: bit n = node n
    NodeId src = 0;
    std::uint32_t axon = 0;
    std::uint32_t step = 0;
};

// Reads / writes `width` (<= 64) bits at bit position `pos` of a little-endian word array.
inline std::uint64_t get_bits(const std::uint64_t* w, std::uint32_t pos, std::uint32_t width) {
    if (width == 0) return 0;
    const std::uint32_t i = pos / 64, o = pos % 64;
    std::uint64_t v = w[i] >> o;
    if (o + width > 64) v |= w[i + 1] << (64 - o);
    return width == 64 ? v : v & ((std::uint64_t{1} << width) - 1);
}
inline void set_bits(std::uint64_t* w, std::uint32_t pos, std::uint32_t width, std::uint64_t v) {
    if (width == 0) return;
    const std::uint64_t mask = width == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1;
    v &= mask;
    const std::uint32_t i = pos / 64, o = pos % 64;
    w[i] = (w[i] & ~(mask << o)) | (v << o);
    if (o + width > 64) {
        const std::uint32_t hi = o + width - 64;
        const std::uint64_t hmask = (std::uint64_t{1} << hi) - 1;
        w[i + 1] = (w[i + 1] & ~hmask) | (v >> (64 - o));
    }
}

class PacketFormat {
  public:
    PacketFormat() = default;
    // Field widths from the mesh (nodes, flit width, tree multicast or not) and the endpoints.
    // Throws InputError naming the first field that does not fit the flit, the widths, and the
    // fixes.
    PacketFormat(std::uint32_t nodes, std::uint32_t flit_bits, bool tree_multicast, const EndpointFields& ep);

    std::uint32_t flit_bits() const { return m_flit; }
    std::uint32_t header_bits() const { return m_header; }
    std::uint32_t node_bits() const { return m_node; }
    std::uint32_t dest_bits() const { return m_dest; }
    const EndpointFields& endpoint() const { return m_ep; }
    // Field positions (first bit) in the head flit.
    std::uint32_t pos_kind() const { return 0; }
    std::uint32_t pos_mcast() const { return 2; }
    std::uint32_t pos_dest() const { return 3; }
    std::uint32_t pos_src() const { return 3 + m_dest; }
    std::uint32_t pos_axon() const { return 3 + m_dest + m_node; }
    std::uint32_t pos_step() const { return pos_axon() + m_ep.axon_bits; }

    // Flits of a packet with `payload_words` payload words.
    std::uint16_t flits(std::size_t payload_words) const;
    // The header of packet `p` sent to unicast destination `dest`, or (multicast) to p.dests.
    // Throws Error naming the field when a value does not fit its width.
    Header header_of(const SpikePacket& p, bool multicast, NodeId dest) const;
    // The bits of flit `seq` of the packet with header `h` and payload `payload`.
    void encode_flit(const Header& h, const std::vector<std::uint32_t>& payload, std::uint32_t seq,
                     std::uint64_t out[kFlitWords]) const;
    Header decode_header(const std::uint64_t bits[kFlitWords]) const;
    // Rewrites the destination of a head flit (a multicast branch's subset, or a unicast node).
    void set_dest(std::uint64_t bits[kFlitWords], bool multicast, NodeId dest, const std::uint64_t* mask) const;
    // The payload word slots of a packet whose flits' bits are `flits` (in order).
    std::vector<std::uint32_t> decode_payload(const std::vector<std::array<std::uint64_t, kFlitWords>>& flits) const;

  private:
    std::uint32_t m_flit = 64, m_node = 1, m_dest = 1, m_header = 0;
    EndpointFields m_ep;
};

// ---- implementation (header-only: tlm/ is an interface library) ----


namespace detail {
inline std::uint32_t bits_for(std::uint32_t n) {  // ceil(log2(n)), at least 1
    std::uint32_t b = 1;
    while ((std::uint64_t{1} << b) < n) ++b;
    return b;
}
}  // namespace detail

inline PacketFormat::PacketFormat(std::uint32_t nodes, std::uint32_t flit_bits, bool tree_multicast, const EndpointFields& ep)
    : m_flit(flit_bits), m_node(detail::bits_for(nodes)), m_ep(ep) {
    m_dest = tree_multicast ? std::max(m_node, nodes) : m_node;
    m_header = 3 + m_dest + m_node + ep.axon_bits + ep.step_bits;
    if (flit_bits > kMaxFlitBits || flit_bits < 8)
        throw InputError("chip.noc.flit_width_bits: " + std::to_string(flit_bits) + " bits; the model carries 8 to " +
                         std::to_string(kMaxFlitBits) + " bits per flit");
    if (ep.axon_bits > 32 || ep.step_bits > 32 || ep.payload_bits < 1 || ep.payload_bits > 32)
        throw InputError("packet format: endpoint widths axon " + std::to_string(ep.axon_bits) + ", step " +
                         std::to_string(ep.step_bits) + ", payload " + std::to_string(ep.payload_bits) +
                         " bits: axon and step at most 32, payload words 1 to 32");
    if (m_header > flit_bits) {
        const struct {
            const char* name;
            std::uint32_t width;
        } fields[] = {{"kind", 2},
                      {"multicast flag", 1},
                      {tree_multicast ? "destination (node bitmask, tree multicast)" : "destination (node id)", m_dest},
                      {"source node", m_node},
                      {"axon id", ep.axon_bits},
                      {"timestep", ep.step_bits}};
        std::uint32_t end = 0;
        std::string culprit;
        std::uint32_t culprit_width = 0;
        for (const auto& f : fields) {
            end += f.width;
            if (end > flit_bits && culprit.empty()) {
                culprit = f.name;
                culprit_width = f.width;
            }
        }
        std::string msg = "packet format: the " + culprit + " field (" + std::to_string(culprit_width) +
                          " bits) does not fit the " + std::to_string(flit_bits) +
                          "-bit flit (chip.noc.flit_width_bits); the header needs " + std::to_string(m_header) +
                          " bits = kind 2 + multicast flag 1 + destination " + std::to_string(m_dest) + " + source " +
                          std::to_string(m_node) + " + axon id " + std::to_string(ep.axon_bits) + " + timestep " +
                          std::to_string(ep.step_bits) + ". Use chip.noc.flit_width_bits >= " +
                          std::to_string(m_header);
        if (tree_multicast && m_dest > m_node)
            msg += " (at most " + std::to_string(kMaxFlitBits) + "), or chip.noc.multicast: source (destination " +
                   std::to_string(m_dest) + " -> " + std::to_string(m_node) + " bits: header " +
                   std::to_string(m_header - m_dest + m_node) + " bits)";
        throw InputError(msg);
    }
}

inline std::uint16_t PacketFormat::flits(std::size_t payload_words) const {
    const std::uint64_t bits = m_header + std::uint64_t{m_ep.payload_bits} * payload_words;
    const std::uint64_t f = (bits + m_flit - 1) / m_flit;
    return static_cast<std::uint16_t>(std::max<std::uint64_t>(1, f));
}

inline Header PacketFormat::header_of(const SpikePacket& p, bool multicast, NodeId dest) const {
    Header h;
    h.kind = p.kind;
    h.multicast = multicast;
    h.src = p.src;
    if (multicast) {
        for (NodeId d : p.dests) h.dest_mask[d / 64] |= std::uint64_t{1} << (d % 64);
    } else {
        h.dest = dest;
    }
    if (p.kind != PacketKind::Synthetic) {  // synthetic packets carry no endpoint fields
        auto fits = [](std::uint64_t v, std::uint32_t width) { return width >= 64 || v < (std::uint64_t{1} << width); };
        if (!fits(p.src_neuron, m_ep.axon_bits))
            throw Error("packet format: axon id " + std::to_string(p.src_neuron) + " of a packet from node " +
                        std::to_string(p.src) + " does not fit the " + std::to_string(m_ep.axon_bits) +
                        "-bit axon field (endpoint widths)");
        if (!fits(p.timestep, m_ep.step_bits))
            throw Error("packet format: timestep " + std::to_string(p.timestep) + " of a packet from node " +
                        std::to_string(p.src) + " does not fit the " + std::to_string(m_ep.step_bits) +
                        "-bit timestep field (endpoint widths)");
        for (std::uint32_t w : p.payload)
            if (!fits(w, m_ep.payload_bits))
                throw Error("packet format: payload word " + std::to_string(w) + " of a packet from node " +
                            std::to_string(p.src) + " does not fit the " + std::to_string(m_ep.payload_bits) +
                            "-bit payload word (endpoint widths)");
        h.axon = p.src_neuron;
        h.step = p.timestep;
    }
    return h;
}

inline void PacketFormat::encode_flit(const Header& h, const std::vector<std::uint32_t>& payload, std::uint32_t seq,
                               std::uint64_t out[kFlitWords]) const {
    for (std::uint32_t i = 0; i < kFlitWords; ++i) out[i] = 0;
    if (seq == 0) {
        set_bits(out, pos_kind(), 2, static_cast<std::uint64_t>(h.kind));
        set_bits(out, pos_mcast(), 1, h.multicast ? 1 : 0);
        set_dest(out, h.multicast, h.dest, h.dest_mask);
        set_bits(out, pos_src(), m_node, h.src);
        set_bits(out, pos_axon(), m_ep.axon_bits, h.axon);
        set_bits(out, pos_step(), m_ep.step_bits, h.step);
    }
    if (payload.empty()) return;
    // Payload word i occupies packet bits [H + i*W, H + (i+1)*W); this flit holds [seq*F, (seq+1)*F).
    const std::uint64_t lo = std::uint64_t{seq} * m_flit, hi = lo + m_flit;
    const std::uint32_t w = m_ep.payload_bits;
    for (std::size_t i = 0; i < payload.size(); ++i) {
        const std::uint64_t a = m_header + i * w, b = a + w;
        if (b <= lo || a >= hi) continue;
        const std::uint64_t from = std::max(a, lo), to = std::min(b, hi);
        const std::uint64_t part = (std::uint64_t{payload[i]} >> (from - a)) & ((std::uint64_t{1} << (to - from)) - 1);
        set_bits(out, static_cast<std::uint32_t>(from - lo), static_cast<std::uint32_t>(to - from), part);
    }
}

inline void PacketFormat::set_dest(std::uint64_t bits[kFlitWords], bool multicast, NodeId dest, const std::uint64_t* mask) const {
    set_bits(bits, pos_mcast(), 1, multicast ? 1 : 0);
    if (!multicast) {
        set_bits(bits, pos_dest(), m_dest > 64 ? 64 : m_dest, 0);
        if (m_dest > 64) set_bits(bits, pos_dest() + 64, m_dest - 64, 0);
        set_bits(bits, pos_dest(), m_node, dest);
        return;
    }
    for (std::uint32_t done = 0; done < m_dest; done += 64)
        set_bits(bits, pos_dest() + done, std::min<std::uint32_t>(64, m_dest - done), mask[done / 64]);
}

inline Header PacketFormat::decode_header(const std::uint64_t bits[kFlitWords]) const {
    Header h;
    h.kind = static_cast<PacketKind>(get_bits(bits, pos_kind(), 2));
    h.multicast = get_bits(bits, pos_mcast(), 1) != 0;
    if (h.multicast) {
        for (std::uint32_t done = 0; done < m_dest; done += 64)
            h.dest_mask[done / 64] = get_bits(bits, pos_dest() + done, std::min<std::uint32_t>(64, m_dest - done));
    } else {
        h.dest = static_cast<NodeId>(get_bits(bits, pos_dest(), m_node));
    }
    h.src = static_cast<NodeId>(get_bits(bits, pos_src(), m_node));
    h.axon = static_cast<std::uint32_t>(get_bits(bits, pos_axon(), m_ep.axon_bits));
    h.step = static_cast<std::uint32_t>(get_bits(bits, pos_step(), m_ep.step_bits));
    return h;
}

inline std::vector<std::uint32_t> PacketFormat::decode_payload(
    const std::vector<std::array<std::uint64_t, kFlitWords>>& flits) const {
    std::vector<std::uint32_t> words;
    const std::uint64_t total = std::uint64_t{m_flit} * flits.size();
    const std::uint32_t w = m_ep.payload_bits;
    for (std::uint64_t a = m_header; a + w <= total; a += w) {
        std::uint64_t v = 0;
        for (std::uint64_t got = 0; got < w;) {
            const std::uint64_t pos = a + got;
            const std::size_t k = static_cast<std::size_t>(pos / m_flit);
            const std::uint32_t off = static_cast<std::uint32_t>(pos % m_flit);
            const std::uint32_t n = static_cast<std::uint32_t>(std::min<std::uint64_t>(w - got, m_flit - off));
            v |= get_bits(flits[k].data(), off, n) << got;
            got += n;
        }
        words.push_back(static_cast<std::uint32_t>(v));
    }
    return words;
}

}  // namespace spiketlm::proto
