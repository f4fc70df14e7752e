#include "hw/pe/pe_counters.h"

#include "sw/snn/network.h"
#include "sw/stats/stats.h"

namespace spiketlm::pe {

PeCounters::PeCounters(stats::Registry& stats, const std::string& path, const snn::Layer& layer) {
    const std::string& g = layer.name;
    stats.add_component(path + ".input_fifo", "fifo", g);
    stats.add_component(path + ".word_fifo", "fifo", g);
    stats.add_component(path + ".compute", "adder", g);
    stats.add_component(path + ".neuron_unit", "neuron", g,
                        {{"state_bits", static_cast<double>(layer.neuron.state_bits)}, {"decay_bits", 12.0}});
    fifo_push = &stats.action(path + ".input_fifo", "fifo", "push", "spike events written");
    fifo_pop = &stats.action(path + ".input_fifo", "fifo", "pop", "spike events read by LOAD");
    wfifo_push = &stats.action(path + ".word_fifo", "fifo", "push", "synapse words written (and read once)");
    acc_adds = &stats.action(path + ".compute", "adder", "synop", "weights accumulated (one add each)");
    updates = &stats.action(path + ".neuron_unit", "neuron", "update",
                            "neuron datapath updates (not for done neurons): adds, compare, state muxing");
    mults = &stats.action(path + ".neuron_unit", "neuron", "multiply",
                          "decay multiplies executed (none for a decay of 0 or 1.0, none for v while refractory)");
    noise = &stats.action(path + ".neuron_unit", "neuron", "noise_draw",
                          "noise words hashed (stochastic neurons, not while refractory)");
    spikes = &stats.action(path + ".neuron_unit", "neuron", "spike", "spikes emitted (threshold, reset, packet header)");
    events = &stats.counter(path + ".events", "events", "spike events accepted");
    synops = &stats.counter(path + ".synops", "operations", "synaptic operations");
    words = &stats.counter(path + ".synapse_words", "words", "synapse words processed");
    busy_cycles = &stats.counter(path + ".busy_cycles", "cycles",
                                 "cycles COMPUTE was busy accumulating synapse words (report: pe.busy_fraction)");
    inj_stalls = &stats.counter(path + ".injection_stall_cycles", "cycles",
                                "update-engine cycles lost because the NI injection queue had too few free slots");
}

}  // namespace spiketlm::pe
