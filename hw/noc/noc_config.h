#pragma once
// NoC parameters (`chip.noc.*`), read once from the run configuration. Timing conventions and the
// zero-load latency formula they produce are in docs/noc.md.
#include <cstdint>
#include <string>

namespace spiketlm::cfg {
class Config;
}

namespace spiketlm::noc {

enum class Multicast { Tree, Source };

struct NocConfig {
    std::uint32_t width = 4, height = 4;          // routers
    std::uint32_t vcs = 2;                        // virtual channels per port
    std::uint32_t buffer_depth = 8;               // flits per VC (router inputs and NI ejection)
    std::uint32_t router_pipeline = 1;            // cycles from buffer write to switch traversal
    std::uint32_t link_latency = 1;               // cycles on a router-to-router link (flits and credits)
    std::uint32_t flit_width_bits = 64;           // link width: packetization of payload words
    std::string routing = "xy";                   // routing function, by registered name
    Multicast multicast = Multicast::Tree;
    std::uint64_t watchdog_cycles = 100000;       // no ejection for this long with packets in flight: error
    std::uint32_t injection_queue_depth = 16;     // packets waiting in an NI before it refuses more

    static NocConfig from(const cfg::Config& c);  // reads and validates chip.noc.*
    void validate() const;                        // throws InputError naming the key
    std::uint32_t nodes() const { return width * height; }
};

// Injection and ejection channels between an NI and its router: fixed 1 cycle each.
constexpr std::uint32_t kNiChannelLatency = 1;

// Zero-load latency (cycles from inject() to delivery of the tail) of a packet of `flits` flits
// over `hops` router-to-router links; see docs/noc.md.
inline std::uint64_t zero_load_latency(const NocConfig& c, std::uint32_t hops, std::uint32_t flits) {
    return std::uint64_t{hops + 1} * c.router_pipeline + std::uint64_t{hops} * c.link_latency + (flits - 1) +
           1 /* NI queue to first send */ + 2 * kNiChannelLatency;
}

}  // namespace spiketlm::noc
