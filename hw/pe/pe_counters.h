#pragma once
// The action counts and counters every PE kind built on the LOAD/COMPUTE/STORE structure of
// docs/pe.md registers under its path (`<pe>.input_fifo.push`, `<pe>.synops`, ...), so that the
// energy model and the report read the same names whichever kind ran.
#include <string>

namespace spiketlm::stats {
class Counter;
class Registry;
}  // namespace spiketlm::stats
namespace spiketlm::snn {
struct Layer;
}

namespace spiketlm::pe {

struct PeCounters {
    PeCounters(stats::Registry& stats, const std::string& path, const snn::Layer& layer);

    stats::Counter* fifo_push;   // input FIFO writes (spike events accepted)
    stats::Counter* fifo_pop;    // input FIFO reads (LOAD)
    stats::Counter* wfifo_push;  // word FIFO writes (one per synapse word)
    stats::Counter* acc_adds;    // weights accumulated
    stats::Counter* updates;     // neuron datapath updates (not for done neurons)
    stats::Counter* mults;       // decay multiplies executed
    stats::Counter* noise;       // noise words hashed
    stats::Counter* spikes;      // spikes emitted
    stats::Counter* events;      // spike events accepted
    stats::Counter* synops;      // synaptic operations
    stats::Counter* words;       // synapse words processed
    stats::Counter* busy_cycles; // COMPUTE busy cycles
    stats::Counter* inj_stalls;  // update cycles lost to a full injection queue
};

}  // namespace spiketlm::pe
