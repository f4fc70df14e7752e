#pragma once
// What every PE kind built on the neuron datapath does the same way around an update: which
// decay multiplies an update executes (energy action neuron.multiply), whether the group's
// spikes go to the host, and the spike packet a firing neuron sends (docs/pe.md, STORE).
#include <cstdint>

#include "sw/map/mapper.h"
#include "sw/snn/network.h"
#include "sw/snn/neuron.h"
#include "tlm/spike_packet.h"

namespace spiketlm::pe {

// Decay multiplies of one update of a neuron with `p`: a decay of 0 or 1.0 needs none, and `v`
// is not decayed while refractory (docs/neuron.md).
inline std::uint32_t decay_multiplies(const snn::NeuronParams& p, bool refractory) {
    auto real = [](std::int32_t d) { return d != 0 && d != snn::kDecayOne ? 1u : 0u; };
    return real(p.decay_i) + (refractory ? 0u : real(p.decay_v));
}

// True when the group's routes end at the host (the output layer).
inline bool routes_to_host(const map::MappedNetwork& mapped, const map::PeImage& image) {
    for (auto id : mapped.output_set_ids)
        if (!image.routes.empty() && image.routes.front().dest_set == id) return true;
    return false;
}

// The packet of local neuron `n`'s spike in `step`: to the next layer's PEs (multicast to the
// destination set), or to the host with the membrane value at firing as a state_bits
// two's-complement payload word (output ties).
// `r` is the routing entry the PE read for the neuron (image.routes[n] in the SRAM).
inline proto::SpikePacket spike_packet(const map::MappedNetwork& mapped, const map::PeImage& image,
                                       const snn::Layer& layer, const map::Route& r, std::uint32_t step,
                                       std::int32_t vfire, bool to_host) {
    proto::SpikePacket p;
    p.src = image.node;
    p.src_neuron = r.axon;
    p.timestep = step;
    const auto& set = mapped.dest_sets[r.dest_set];
    if (set.empty())
        p.dst = proto::SpikePacket::kNoNode;  // no receiver: the NI drops it (docs/mapping.md)
    else if (set.size() == 1)
        p.dst = set[0];
    else
        p.dests = set;
    p.kind = to_host ? proto::PacketKind::OutputSpike : proto::PacketKind::Spike;
    if (to_host) {
        const std::uint32_t bits = static_cast<std::uint32_t>(layer.neuron.state_bits);
        const std::uint32_t mask = bits >= 32 ? ~0u : ((1u << bits) - 1);
        p.payload.push_back(static_cast<std::uint32_t>(vfire) & mask);
    }
    return p;
}

inline proto::SpikePacket spike_packet(const map::MappedNetwork& mapped, const map::PeImage& image,
                                       const snn::Layer& layer, std::uint32_t n, std::uint32_t step,
                                       std::int32_t vfire, bool to_host) {
    return spike_packet(mapped, image, layer, image.routes[n], step, vfire, to_host);
}

}  // namespace spiketlm::pe
