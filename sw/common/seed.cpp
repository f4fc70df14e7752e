#include "sw/common/seed.h"

#include "sw/cfg/param.h"

namespace spiketlm {

namespace {
const cfg::Param<std::int64_t> p_seed{"sim.seed", 1, "", "master random seed: same config + seed give the same results",
                                      cfg::Range{0, 9.0e15}};

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}
}  // namespace

std::uint64_t master_seed(const cfg::Config& c) { return static_cast<std::uint64_t>(p_seed(c)); }

std::uint64_t derive_seed(std::uint64_t seed, const std::string& stream, std::uint64_t index) {
    std::uint64_t h = splitmix64(seed);
    for (unsigned char ch : stream) h = splitmix64(h ^ ch);
    return splitmix64(h ^ splitmix64(index));
}

}  // namespace spiketlm
