#pragma once
// TLM-2.0 loosely-timed entry into one network interface: b_transport with a generic payload
// carrying a proto::SpikeExtension injects the spike packet. The calling thread first
// synchronises to its annotated delay, then waits while the NI's injection queue is full
// (back-pressure becomes blocking time); the response is TLM_OK_RESPONSE, or
// TLM_GENERIC_ERROR_RESPONSE without the extension. Takes over the NI's ready callback.
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "hw/noc/network_interface.h"

namespace spiketlm::noc {

class NiTlmTarget : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<NiTlmTarget> socket;

    NiTlmTarget(sc_core::sc_module_name name, NetworkInterface& ni);

  private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    NetworkInterface& m_ni;
    sc_core::sc_event m_ready;
};

}  // namespace spiketlm::noc
