#include "hw/noc/link.h"

#include "sw/common/error.h"


namespace spiketlm::noc {

Link::Link(sc_core::sc_module_name name, std::uint32_t latency, std::uint32_t credit_latency, sim::Clocked& sender,
           sim::Clocked& receiver, stats::Counter* flit_action)
    : sc_core::sc_module(name),
      m_latency(latency),
      m_credit_latency(credit_latency),
      m_sender(sender),
      m_receiver(receiver),
      m_flit_action(flit_action) {}

void FlitPipe::throw_full(const char* who) {
    throw Error(std::string(who) + ": more flits in flight than the link latency allows (a receiver missed its cycle)");
}

void Link::reset() {
    // (the owners clear their activity words themselves)
    m_credit_wake = false;
    m_flits.clear();
    m_credits.clear();
}

}  // namespace spiketlm::noc
