#pragma once
// A spike packet carried over TLM-2.0: a generic-payload extension, so loosely-timed initiators
// (host interface, testbenches) can hand spikes to the NoC with b_transport (see
// hw/noc/ni_tlm_target.h). Command WRITE; address and data are unused (the destinations are in
// the packet).
#include <tlm>

#include "tlm/spike_packet.h"

namespace spiketlm::proto {

class SpikeExtension : public tlm::tlm_extension<SpikeExtension> {
  public:
    SpikePacket packet;

    tlm::tlm_extension_base* clone() const override { return new SpikeExtension(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        packet = static_cast<const SpikeExtension&>(other).packet;
    }
};

}  // namespace spiketlm::proto
