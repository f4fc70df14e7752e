#include "hw/noc/ni_tlm_target.h"

#include "tlm/spike_extension.h"

namespace spiketlm::noc {

NiTlmTarget::NiTlmTarget(sc_core::sc_module_name name, NetworkInterface& ni)
    : sc_core::sc_module(name), socket("socket"), m_ni(ni) {
    socket.register_b_transport(this, &NiTlmTarget::b_transport);
    m_ni.set_ready_callback([this] { m_ready.notify(sc_core::SC_ZERO_TIME); });
}

void NiTlmTarget::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    proto::SpikeExtension* ext = nullptr;
    gp.get_extension(ext);
    if (!ext || gp.get_command() != tlm::TLM_WRITE_COMMAND) {
        gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    if (delay != sc_core::SC_ZERO_TIME) {
        wait(delay);
        delay = sc_core::SC_ZERO_TIME;
    }
    while (!m_ni.inject(ext->packet)) wait(m_ready);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace spiketlm::noc
