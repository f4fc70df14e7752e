#pragma once
// Synthetic traffic on a Mesh (`noc.*` parameters) and the latency–throughput experiment behind
// `spiketlm noc` and bench/noc_speed.
//
// Each node is an open-loop Bernoulli source: in every cycle it creates a packet of
// `packet_flits` flits with probability rate / packet_flits (rate in flits/node/cycle), drawn as
// geometric gaps so idle cycles cost nothing. Created packets wait in an unbounded source queue
// and enter the NI when its injection queue has room; latency runs from creation to the tail's
// delivery (source queueing included, as in BookSim). Phases: warm-up, measurement (packets
// created in this window are measured; accepted flits are counted in it), drain (traffic goes
// on until every measured packet is delivered or `drain_cycles` pass: then the point is
// saturated).
//
// Synthetic packets have kind Synthetic (no endpoint fields in their bits) and use SpikePacket
// fields as simulator bookkeeping: src_neuron = sequence number per source, tag = creation cycle.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hw/noc/mesh.h"

namespace spiketlm::cfg {
class Config;
}

namespace spiketlm::noc {

enum class Pattern { Uniform, Transpose, BitComplement, Hotspot, Neighbor };
Pattern parse_pattern(const std::string& name);  // throws InputError
const char* pattern_name(Pattern p);

struct TrafficConfig {
    Pattern pattern = Pattern::Uniform;
    std::vector<double> rates{0.1};     // flits/node/cycle
    std::uint32_t packet_flits = 4;
    std::vector<std::int64_t> hotspots;  // hotspot nodes (empty: the mesh centre)
    double hotspot_fraction = 0.2;       // share of packets sent to a hotspot
    Cycle warmup_cycles = 1000, measure_cycles = 10000, drain_cycles = 20000;
    std::uint64_t seed = 1;              // sim.seed
    static TrafficConfig from(const cfg::Config& c);
};

// Destination of a packet from `src` (uniform draws use `u01`, a uniform in [0, 1)).
NodeId pattern_destination(Pattern p, NodeId src, std::uint32_t width, std::uint32_t height,
                           const std::vector<std::int64_t>& hotspots, double hotspot_fraction, double u_pick,
                           double u_node);

struct PointResult {
    double offered_rate = 0;    // flits/node/cycle (nominal)
    double accepted_rate = 0;   // flits/node/cycle delivered in the measurement window
    double latency_avg = 0, latency_p50 = 0, latency_p99 = 0;  // cycles, measured packets
    double hops_avg = 0;
    std::uint64_t measured_packets = 0, measured_delivered = 0;
    bool saturated = false;     // drain ended with measured packets outstanding
    Cycle cycles = 0;           // simulated cycles of the point (warm-up + measurement + drain)
    std::uint64_t active_cycles = 0, evaluations = 0;  // scheduler work
    double wall_s = 0;
    double cpu_s = 0;  // CPU time of this thread (wall time is inflated on a loaded machine)
};

// Delivery bookkeeping for conservation checks (created vs delivered, duplicates, order).
struct Conservation {
    std::uint64_t created = 0, delivered = 0, duplicates = 0, out_of_order = 0, missing = 0;
    std::uint64_t flits_sent = 0, flits_received = 0;  // by all NIs (unicast: must be equal)
    bool ok() const {
        return created == delivered && duplicates == 0 && out_of_order == 0 && missing == 0 &&
               flits_sent == flits_received;
    }
};

// A measured latency-throughput curve of another simulator (e.g. BookSim2), read from a CSV
// with `#` comment lines and a header naming at least offered, accepted and latency_avg
// (configs/noc/reference/). Throws InputError naming the file and line.
struct ReferencePoint {
    double offered = 0, accepted = 0, latency_avg = 0;
};
std::vector<ReferencePoint> read_reference_curve(const std::string& path);

class TrafficExperiment {
  public:
    TrafficExperiment(Mesh& mesh, TrafficConfig cfg);
    ~TrafficExperiment();

    // Resets the mesh and the scheduler, then runs one point at `rate`. Results depend only on
    // (config, seed, rate), not on the points run before.
    PointResult run_point(double rate);
    // After run_point: stops creating packets, runs until everything is delivered (at most
    // `limit` cycles) and checks that every created packet arrived exactly once, and in order per
    // (source, destination) when the mesh has one VC and a deterministic routing (xy, yx).
    Conservation flush_and_check(Cycle limit);

    const TrafficConfig& config() const { return m_cfg; }
    // Seed of the following points (sim.seed of a repeated experiment).
    void set_seed(std::uint64_t seed) { m_cfg.seed = seed; }
    void set_drain_cycles(Cycle c) { m_cfg.drain_cycles = c; }

  private:
    class Source;
    Mesh& m_mesh;
    TrafficConfig m_cfg;
    std::unique_ptr<Source> m_source;
};

}  // namespace spiketlm::noc
