#include "sw/snn/run_options.h"

#include "sw/cfg/param.h"
#include "sw/common/error.h"
#include "sw/common/seed.h"
#include "sw/nvm/nvm_config.h"
#include "sw/snn/reference.h"

namespace spiketlm::snn {

namespace {
const cfg::Param<std::string> p_early_stop{
    "run.early_stop", "model", "",
    "end each frame after the step of the first output spike (first-spike decode only): model = as the model "
    "file says; applied identically by the reference and the chip",
    cfg::Choices{{"model", "on", "off"}}};
}  // namespace

bool early_stop_from(const cfg::Config& c, const Network& net) {
    const std::string v = p_early_stop(c);
    if (v == "model") return net.early_stop;
    if (v == "off") return false;
    if (net.decode != Decode::first_spike)
        throw ConfigError(c.origin("run.early_stop").str(), "run.early_stop",
                          "run.early_stop: on needs a first-spike decoded model; model '" + net.name +
                              "' decodes by spike count");
    return true;
}

std::uint64_t noise_seed_from(const cfg::Config& c, const Network& net) {
    return derive_seed(master_seed(c), "neuron-noise", net.seed);
}

SimOptions sim_options_from(const cfg::Config& c, const Network& net) {
    SimOptions o;
    o.early_stop = early_stop_from(c, net);
    o.noise_seed = noise_seed_from(c, net);
    o.synapses = nvm::crossbars_from(c, net);  // null unless nvm.enabled
    return o;
}

}  // namespace spiketlm::snn
