#include "hw/noc/link.h"

#include "sw/stats/stats.h"

namespace spiketlm::noc {

Link::Link(sc_core::sc_module_name name, std::uint32_t latency, std::uint32_t credit_latency, sim::Clocked& sender,
           sim::Clocked& receiver, stats::Counter* flit_action)
    : sc_core::sc_module(name),
      m_latency(latency),
      m_credit_latency(credit_latency),
      m_sender(sender),
      m_receiver(receiver),
      m_flit_action(flit_action) {}

void Link::send_flit(const Flit& f, Cycle now) {
    m_flits.push(now + m_latency, f);
    if (m_flit_action) m_flit_action->inc();
    m_receiver.wake(now + m_latency);
}

void Link::send_credit(std::uint8_t vc, Cycle now) {
    m_credits.push(now + m_credit_latency, vc);
    m_sender.wake(now + m_credit_latency);
}

void Link::reset() {
    m_flits.clear();
    m_credits.clear();
}

}  // namespace spiketlm::noc
