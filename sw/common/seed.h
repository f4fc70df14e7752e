#pragma once
// The master seed (`sim.seed`) and derivation of independent sub-seeds from it, so every random
// stream (encoders, noise, traffic) is reproducible and independent of evaluation order.
#include <cstdint>
#include <string>

namespace spiketlm {
namespace cfg {
class Config;
}

std::uint64_t master_seed(const cfg::Config& c);
// SplitMix64-based mixing of a seed with a stream name and an index.
std::uint64_t derive_seed(std::uint64_t seed, const std::string& stream, std::uint64_t index = 0);

}  // namespace spiketlm
