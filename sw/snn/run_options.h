#pragma once
// Run parameters that every simulator of a model shares (the sw/snn reference of `spiketlm ref`
// and the chip of `spiketlm run`), so both apply them identically.
#include "sw/snn/network.h"

namespace spiketlm {
namespace cfg {
class Config;
}

namespace snn {

// `run.early_stop`: "model" (the model file's early_stop), "on" or "off". Throws InputError when
// "on" is asked of a count-decoded model.
bool early_stop_from(const cfg::Config& c, const Network& net);

}  // namespace snn
}  // namespace spiketlm
