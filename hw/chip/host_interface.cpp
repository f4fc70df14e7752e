#include "hw/chip/host_interface.h"

#include <algorithm>

#include "hw/pe/pe_if.h"
#include "sw/common/error.h"
#include "sw/snn/reference.h"
#include "sw/stats/stats.h"

namespace spiketlm::chip {

HostInterface::HostInterface(const std::string& path, const map::MappedNetwork& mapped, std::uint32_t outputs,
                             std::uint32_t inject_per_cycle, stats::Registry& stats, Port port)
    : m_mapped(mapped), m_rate(inject_per_cycle), m_port(std::move(port)), m_counts(outputs, 0) {
    stats.add_component(path, "host", "host");
    m_inputs = &stats.action(path, "host", "input_spike", "input spike packets written into the NoC");
    m_outputs = &stats.action(path, "host", "output_spike", "output spikes received");
}

void HostInterface::begin_frame(const encode::SpikeTrain* input) {
    m_input = input;
    m_next = m_step_end = 0;
    m_first_step = -1;
    m_first.clear();
    std::fill(m_counts.begin(), m_counts.end(), 0);
}

void HostInterface::begin_step(std::uint32_t step) {
    m_step = step;
    const auto& in = *m_input;
    // Spikes of earlier steps cannot be left over (the barrier waits for them).
    while (m_next < in.size() && in[m_next].step < step) ++m_next;
    m_step_end = m_next;
    while (m_step_end < in.size() && in[m_step_end].step == step) ++m_step_end;
}

Cycle HostInterface::inject(Cycle now) {
    std::uint32_t n = 0;
    while (m_next < m_step_end && n < m_rate && m_port.space() > 0) {
        proto::SpikePacket p;
        p.src = m_mapped.host_node;
        p.src_neuron = (*m_input)[m_next].input;
        p.timestep = m_step;
        const auto& set = m_mapped.dest_sets[m_mapped.input_set(p.src_neuron)];
        if (set.empty()) {  // an input no synapse reads: counted, not sent
            m_inputs->inc();
            ++m_sent;
            ++m_next;
            continue;
        }
        if (set.size() == 1)
            p.dst = set[0];
        else
            p.dests = set;
        p.kind = proto::PacketKind::Spike;
        m_port.send(std::move(p));
        m_inputs->inc();
        ++m_sent;
        ++m_next;
        ++n;
    }
    return m_next < m_step_end ? now + 1 : proto::kNever;
}

void HostInterface::deliver(std::uint32_t step, std::uint32_t neuron, std::int32_t v) {
    if (neuron >= m_counts.size())
        throw Error("host interface: output spike from neuron " + std::to_string(neuron) + " beyond the " +
                    std::to_string(m_counts.size()) + " outputs");
    m_outputs->inc();
    ++m_counts[neuron];
    if (m_first_step < 0 || static_cast<int>(step) < m_first_step) {
        m_first_step = static_cast<int>(step);
        m_first.clear();
    }
    if (static_cast<int>(step) == m_first_step) m_first.emplace_back(neuron, v);
}

bool HostInterface::output_in_step(std::uint32_t step) const { return m_first_step >= 0 && m_first_step <= static_cast<int>(step); }

int HostInterface::decide_first_spike() const { return m_first.empty() ? -1 : snn::decode_first_spike(m_first); }
int HostInterface::decide_count() const { return snn::decode_count(m_counts); }

}  // namespace spiketlm::chip
