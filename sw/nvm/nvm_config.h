#pragma once
// The NVM device parameters of a run (`nvm.*`, declared in nvm_config.cpp) and the crossbars of a
// whole network, usable by the reference (snn::SynapseModel) and by the `nvm` PE.
#include <cstdint>
#include <memory>
#include <vector>

#include "sw/nvm/crossbar.h"
#include "sw/snn/reference.h"

namespace spiketlm {
namespace cfg {
class Config;
}
namespace snn {
struct Network;
}

namespace nvm {

// `nvm.enabled`: the network's synapses are NVM crossbars (reference and chip alike).
bool enabled(const cfg::Config& c);
// Device parameters from `nvm.*`; a bad value -> ConfigError naming the key and its file:line.
DeviceParams device_from(const cfg::Config& c);
// Seed of every device draw, from the run's neuron-noise seed (snn::noise_seed_from, which the
// chip hands every PE): derive_seed(noise_seed, "nvm").
std::uint64_t seed_from(std::uint64_t noise_seed);

// Every layer of a network on crossbars.
class NetworkCrossbars final : public snn::SynapseModel {
  public:
    NetworkCrossbars(const snn::Network& net, const DeviceParams& d, std::uint64_t seed);
    bool replaces(std::uint32_t) const override { return true; }
    void layer_sums(std::uint32_t layer, const std::vector<std::uint32_t>& sources, std::uint64_t frame,
                    std::uint32_t step, std::int64_t* out) const override;
    const LayerCrossbar& layer(std::uint32_t l) const { return m_layers.at(l); }
    std::size_t layers() const { return m_layers.size(); }

  private:
    std::vector<LayerCrossbar> m_layers;
};

// The crossbars of a run when `nvm.enabled`, else null.
std::shared_ptr<const NetworkCrossbars> crossbars_from(const cfg::Config& c, const snn::Network& net);

}  // namespace nvm
}  // namespace spiketlm
