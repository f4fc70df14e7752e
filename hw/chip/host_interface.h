#pragma once
// The host interface: shares one mesh node's NI with that node's PE. At the start of each
// timestep it writes the encoded input spikes of that step into the NoC (one multicast packet
// per input spike, to the first layer's PEs; chip.host_inject_per_cycle packets per cycle at
// most), and it collects the output layer's spikes (with the membrane value at firing, for tie
// breaking) to decode the frame's class exactly as the reference does.
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "sw/encode/spike_train.h"
#include "sw/map/mapper.h"
#include "tlm/spike_packet.h"

namespace spiketlm::stats {
class Counter;
class Registry;
}  // namespace spiketlm::stats

namespace spiketlm::chip {

using proto::Cycle;

class HostInterface {
  public:
    struct Port {
        std::function<std::size_t()> space;
        std::function<void(proto::SpikePacket&&)> send;
    };
    HostInterface(const std::string& path, const map::MappedNetwork& mapped, std::uint32_t outputs,
                  std::uint32_t inject_per_cycle, stats::Registry& stats, Port port);

    void begin_frame(const encode::SpikeTrain* input);
    void begin_step(std::uint32_t step);
    // Commit-phase work in cycle `now`: injects what the NI takes. Returns the next cycle it needs.
    Cycle inject(Cycle now);
    bool done_injecting() const { return m_next >= m_step_end; }

    // An output spike delivered to the host.
    void deliver(std::uint32_t step, std::uint32_t neuron, std::int32_t v);
    bool output_in_step(std::uint32_t step) const;
    int first_output_step() const { return m_first_step; }
    // Decisions (docs/neuron.md): first spike (v, then index) or spike count.
    int decide_first_spike() const;
    int decide_count() const;
    std::uint64_t input_spikes_sent() const { return m_sent; }

  private:
    const map::MappedNetwork& m_mapped;
    std::uint32_t m_rate;
    Port m_port;
    const encode::SpikeTrain* m_input = nullptr;
    std::size_t m_next = 0, m_step_end = 0;
    std::uint32_t m_step = 0;
    std::uint64_t m_sent = 0;
    int m_first_step = -1;
    std::vector<std::pair<std::uint32_t, std::int32_t>> m_first;  // (neuron, v) of the first output step
    std::vector<std::uint32_t> m_counts;
    stats::Counter* m_inputs;
    stats::Counter* m_outputs;
};

}  // namespace spiketlm::chip
