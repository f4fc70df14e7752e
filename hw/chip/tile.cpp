#include "hw/chip/tile.h"

#include "hw/chip/host_interface.h"
#include "hw/noc/network_interface.h"
#include "sw/common/error.h"
#include "sw/stats/stats.h"

namespace spiketlm::chip {

Tile::Tile(sc_core::sc_module_name name, noc::NetworkInterface& ni, stats::Registry& stats)
    : sc_module(name), m_ni(ni) {
    use_commit();
    m_refusals = &stats.counter(std::string(this->name()) + ".eject_refusals", "packets",
                                "deliveries the PE's input FIFO refused (the NI kept them: back-pressure)");
}

Tile::~Tile() = default;

bool Tile::deliver_to_pe(Cycle now, std::uint32_t axon, std::uint32_t emit_step) {
    if (!m_pe->in_ready(now)) {
        m_refused = true;
        m_refusals->inc();
        wake(now + 1);
        return false;
    }
    if (axon < m_axon_first)
        throw Error(std::string(name()) + ": spike for axon " + std::to_string(axon) + " below the PE's axon table (first entry " +
                    std::to_string(m_axon_first) + ")");
    m_pe->in_push(now, axon - m_axon_first, emit_step);
    return true;
}

void Tile::commit(Cycle now) {
    if (m_pe) m_pe->tick(now);
    Cycle next = proto::kNever;
    // The host writes after the PE: the PE's spikes of a cycle go first.
    if (m_host) next = m_host->inject(now);
    if (m_refused && m_pe->in_ready(now + 1)) {
        m_refused = false;
        m_ni.resume_ejection();
    }
    if (m_pe && on_done && m_pe->done(now + 1)) on_done(now);
    if (next != proto::kNever) wake(next);
}

std::uint32_t Tile::out_credits() const {
    const std::size_t space = m_ni.injection_space();
    return space > m_reserved ? static_cast<std::uint32_t>(space - m_reserved) : 0;
}

void Tile::out_reserve(std::uint32_t n) {
    if (n > out_credits())
        throw Error(std::string(name()) + ": PE claimed " + std::to_string(n) + " injection slots, " +
                    std::to_string(out_credits()) + " free (PE model bug)");
    m_reserved += n;
}

void Tile::out_push(proto::SpikePacket&& p) {
    if (m_reserved == 0) throw Error(std::string(name()) + ": PE pushed a packet without a claimed slot (PE model bug)");
    --m_reserved;
    if (!p.has_destination()) return;  // an empty destination set: the NI drops the spike
    if (!m_ni.inject(std::move(p))) throw Error(std::string(name()) + ": NI refused a packet into a claimed slot (model bug)");
}

}  // namespace spiketlm::chip
