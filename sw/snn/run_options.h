#pragma once
// Run parameters that every simulator of a model shares (the sw/snn reference of `spiketlm ref`
// and the chip of `spiketlm run`), so both apply them identically.
#include <cstdint>

#include "sw/snn/reference.h"

namespace spiketlm {
namespace cfg {
class Config;
}

namespace snn {

// `run.early_stop`: "model" (the model file's early_stop), "on" or "off". Throws InputError when
// "on" is asked of a count-decoded model.
bool early_stop_from(const cfg::Config& c, const Network& net);

// The seed of stochastic neurons' noise in a run: derive_seed(sim.seed, "neuron-noise", model seed),
// so the master seed controls every random stream and the model's seed still separates models.
std::uint64_t noise_seed_from(const cfg::Config& c, const Network& net);

// Both of the above, and the NVM crossbars when `nvm.enabled` (sw/nvm), as simulation options.
SimOptions sim_options_from(const cfg::Config& c, const Network& net);

}  // namespace snn
}  // namespace spiketlm
