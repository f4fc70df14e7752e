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
    // Router pipeline. `router_pipeline` P is a shorthand for the four stage delays (see
    // stages()); with explicit_stages the four *_cycles fields are used instead.
    std::uint32_t router_pipeline = 1;            // head flit: cycles from buffer write to switch traversal
    bool explicit_stages = false;                 // true: rc/va/sa/st_cycles below, not router_pipeline
    std::uint32_t rc_cycles = 0, va_cycles = 0, sa_cycles = 1, st_cycles = 0;
    std::uint32_t link_latency = 1;               // cycles on a router-to-router link (flits and credits)
    std::uint32_t flit_width_bits = 64;           // link width (8..128): the packet header must fit one flit
    std::string routing = "xy";                   // routing function, by registered name
    Multicast multicast = Multicast::Tree;
    std::uint64_t watchdog_cycles = 100000;       // no ejection for this long with packets in flight: error
    std::uint32_t injection_queue_depth = 16;     // packets waiting in an NI before it refuses more
    std::uint32_t ni_packets_in_flight = 1;       // packets an NI sends at once (interleaved on different VCs)
    std::string router = "iq_wormhole";           // router kind, by registered name (RouterRegistry)
    bool rtl_trace = false;                       // `rtl` router kind: a VCD per router (rtl.trace)
    std::string rtl_trace_dir = ".";              // ... into this folder (rtl.trace_dir)

    struct Stages {
        std::uint32_t rc, va, sa, st;
        std::uint32_t head() const { return rc + va + sa + st; }  // head flit, buffer write to channel
        std::uint32_t body() const { return sa + st; }            // body/tail flit
    };
    // The effective stage delays: explicit ones, or the mapping of `router_pipeline` P:
    //   P = 1: (rc, va, sa, st) = (0, 0, 1, 0); P = 2: (0, 1, 1, 0); P = 3: (1, 1, 1, 0);
    //   P >= 4: (1, 1, 1, P - 3).
    Stages stages() const;

    static NocConfig from(const cfg::Config& c);  // reads and validates chip.noc.*
    void validate() const;                        // throws InputError naming the key
    std::uint32_t nodes() const { return width * height; }
};

// Injection and ejection channels between an NI and its router: flits 1 cycle each; credits to
// and from an NI 2 cycles (the NI registers credits; this makes the NI credit loops equal to a
// router's, see docs/noc.md "credit loops").
constexpr std::uint32_t kNiChannelLatency = 1;
constexpr std::uint32_t kNiCreditLatency = 2;

// Zero-load latency (cycles from inject() to delivery of the tail) of a packet of `flits` flits
// over `hops` router-to-router links, when no flit waits for a credit (flits <= buffer_depth is
// enough); see docs/noc.md.
inline std::uint64_t zero_load_latency(const NocConfig& c, std::uint32_t hops, std::uint32_t flits) {
    return std::uint64_t{hops + 1} * c.stages().head() + std::uint64_t{hops} * c.link_latency + (flits - 1) +
           1 /* NI queue to first send */ + 2 * kNiChannelLatency;
}

}  // namespace spiketlm::noc
