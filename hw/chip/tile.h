#pragma once
// One mesh node's endpoint: its network interface, the PE the mapper placed there (of the kind
// `chip.pe.kind` names, behind hw/pe/pe_if.h) and, at the host node, the host interface.
//
// The tile is the PE's environment (pe::PeEnv): it clocks the PE in its commit phase (after the
// NI's evaluate of the same cycle, so the injection-queue space the PE sees is well defined),
// turns NI deliveries into PE input pushes (a refused push leaves the packet in the NI: ejection
// back-pressure), keeps the PE's claims on injection-queue slots, and lets the host write after
// the PE in each cycle. When the PE is done after a cycle, it tells the controller.
#include <cstdint>
#include <functional>
#include <memory>

#include <systemc>

#include "hw/pe/pe_if.h"
#include "hw/sim/cycle_scheduler.h"

namespace spiketlm {
namespace noc {
class NetworkInterface;
struct Delivery;
}  // namespace noc
namespace stats {
class Counter;
class Registry;
}  // namespace stats
}  // namespace spiketlm

namespace spiketlm::chip {

class HostInterface;
using proto::Cycle;

class Tile final : public sc_core::sc_module, public sim::Clocked, public pe::PeEnv {
  public:
    Tile(sc_core::sc_module_name name, noc::NetworkInterface& ni, stats::Registry& stats);
    ~Tile() override;

    // `axon_first`: the PE image's first axon-table entry; the tile's network interface
    // subtracts it from arriving axon ids (docs/mapping.md).
    void set_pe(std::unique_ptr<pe::ProcessingElement> pe, std::uint32_t axon_first = 0) {
        m_pe = std::move(pe);
        m_axon_first = axon_first;
    }
    void set_host(HostInterface* host) { m_host = host; }
    pe::ProcessingElement* pe() const { return m_pe.get(); }
    HostInterface* host() const { return m_host; }

    std::function<void(Cycle)> on_done;                    // the PE is done after cycle `now`
    std::function<void(const pe::EmittedSpike&)> on_spike;  // every spike the PE emits

    // A spike packet for this tile's PE (the NI's ejection handler): false = refused (FIFO full).
    bool deliver_to_pe(Cycle now, std::uint32_t axon, std::uint32_t emit_step);
    // The host starts writing the step's input spikes in the next cycle.
    void start_host(Cycle now) { wake(now + 1); }

    // --- sim::Clocked ---
    void evaluate(Cycle) override {}
    void commit(Cycle now) override;

    // --- pe::PeEnv ---
    void request_tick(Cycle at) override { wake(at); }
    std::uint32_t out_credits() const override;
    void out_reserve(std::uint32_t n) override;
    void out_push(proto::SpikePacket&& p) override;
    void spike(const pe::EmittedSpike& s) override {
        if (on_spike) on_spike(s);
    }
    sim::TraceSink* trace_sink() const override { return m_trace; }
    void set_trace_sink(sim::TraceSink* t) { m_trace = t; }

  private:
    noc::NetworkInterface& m_ni;
    std::unique_ptr<pe::ProcessingElement> m_pe;
    std::uint32_t m_axon_first = 0;
    HostInterface* m_host = nullptr;
    std::uint32_t m_reserved = 0;  // injection-queue slots the PE claimed and has not filled
    bool m_refused = false;        // the NI holds a packet the PE refused
    stats::Counter* m_refusals;
    sim::TraceSink* m_trace = nullptr;
};

}  // namespace spiketlm::chip
