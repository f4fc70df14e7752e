#pragma once
// State shared by the components of one mesh: the packet format, packets in flight (flits refer
// to them by handle: a cache for statistics and delivery), in-flight counters for the barrier
// and the watchdog's progress mark. Plain C++.
#include <cstdint>
#include <functional>
#include <vector>

#include "tlm/packet_format.h"
#include "tlm/spike_packet.h"

namespace spiketlm::sim {
class TraceSink;
}

namespace spiketlm::noc {

using proto::Cycle;
using proto::NodeId;

struct PacketRecord {
    proto::SpikePacket packet;
    Cycle injected = 0;           // cycle of NetworkInterface::inject()
    std::uint32_t pending = 0;    // deliveries still to make
    std::uint16_t flits = 1;
};

class PacketStore {
  public:
    std::uint32_t add(proto::SpikePacket&& p, Cycle injected, std::uint16_t flits) {
        std::uint32_t h;
        if (!m_free.empty()) {
            h = m_free.back();
            m_free.pop_back();
        } else {
            h = static_cast<std::uint32_t>(m_records.size());
            m_records.emplace_back();
        }
        PacketRecord& r = m_records[h];
        r.packet = std::move(p);
        r.injected = injected;
        r.pending = static_cast<std::uint32_t>(r.packet.destination_count());
        r.flits = flits;
        ++m_in_flight;
        return h;
    }
    PacketRecord& operator[](std::uint32_t h) { return m_records[h]; }
    const PacketRecord& operator[](std::uint32_t h) const { return m_records[h]; }
    // One delivery of packet `h` done; frees it after the last one. Returns true when freed.
    bool delivered(std::uint32_t h) {
        PacketRecord& r = m_records[h];
        if (--r.pending) return false;
        r.packet.dests.clear();
        r.packet.payload.clear();
        m_free.push_back(h);
        --m_in_flight;
        return true;
    }
    std::uint64_t in_flight() const { return m_in_flight; }
    void clear() {
        m_records.clear();
        m_free.clear();
        m_in_flight = 0;
    }

  private:
    std::vector<PacketRecord> m_records;
    std::vector<std::uint32_t> m_free;
    std::uint64_t m_in_flight = 0;
};

struct NocShared {
    proto::PacketFormat format;              // the bits flits carry (set by the mesh)
    PacketStore packets;
    Cycle last_progress = 0;                 // last cycle a flit was ejected (watchdog)
    std::uint64_t flits_in_network = 0;      // flits sent by NIs and not yet ejected
    class Watchdog* watchdog = nullptr;
    sim::TraceSink* trace = nullptr;         // per-hop trace events (null: none)
    std::function<void(Cycle)> on_quiescent;  // the last packet in flight was delivered
};

}  // namespace spiketlm::noc
