// The SystemVerilog mesh top (rtl/mesh.sv: routers, network interfaces and PEs of a 3x3 chip,
// Verilated) against the functional reference and the TLM chip (docs/rtl.md "Mesh top").
//
// The test bench loads the mapper's images through the mesh's load port, plays the timestep
// controller of hw/chip/chip.cpp (frame reset, step start, the done-tree and the barrier) and the
// host interface (input spikes into the host node's NI, output spikes and the decision out), and
// records every spike of every PE from the mesh's spike monitor. Nothing of the TLM chip runs
// inside the RTL: the flits between the PEs are the bits of docs/noc.md, packetized and decoded by
// rtl/ni.sv and routed by rtl/router.sv.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <sstream>
#include <tuple>
#include <type_traits>

#include <verilated.h>
#include <verilated_vcd_c.h>

#include "Vmesh.h"
#include "hw/chip/chip.h"
#include "hw/chip/random_network.h"
#include "hw/noc/noc_config.h"
#include "hw/pe/pe_config.h"
#include "hw/pe/spike_out.h"
#include "sw/cfg/config.h"
#include "sw/map/capacity.h"
#include "sw/map/mapper.h"
#include "sw/snn/network.h"
#include "sw/snn/reference.h"
#include "sw/stats/stats.h"
#include "tlm/packet_format.h"

using namespace spiketlm;

namespace {

// 32-bit word i of a Verilated port (integral up to 64 bits, VlWide above).
template <typename T>
std::uint32_t word(const T& port, unsigned i) {
    if constexpr (std::is_integral_v<T>) return static_cast<std::uint32_t>(static_cast<std::uint64_t>(port) >> (32 * i));
    else return port[i];
}
template <typename T>
void set_word(T& port, unsigned i, std::uint32_t v) {
    if constexpr (std::is_integral_v<T>) {
        const std::uint64_t mask = std::uint64_t{0xFFFFFFFFu} << (32 * i);
        port = static_cast<T>((static_cast<std::uint64_t>(port) & ~mask) | (std::uint64_t{v} << (32 * i)));
    } else {
        port[i] = v;
    }
}
template <typename T>
bool bit(const T& port, unsigned k) {
    return (word(port, k / 32) >> (k % 32)) & 1u;
}

// PeImage::axon_first where the mapper has it (a PE's axon table starting above axon 0), else 0.
template <typename I>
auto axon_first_of(const I& img, int) -> decltype(static_cast<std::uint32_t>(img.axon_first)) {
    return static_cast<std::uint32_t>(img.axon_first);
}
template <typename I>
std::uint32_t axon_first_of(const I&, long) {
    return 0;
}

struct Spike {
    snn::SpikeEvent ev;
    std::uint64_t cycle;
};

struct MeshFrame {
    std::vector<Spike> spikes;                   // every PE's spikes, in emission order
    std::vector<snn::SpikeEvent> host_outputs;   // output spikes that reached the host port
    int decision = -1;
    std::uint32_t steps = 0;
    std::uint64_t cycles = 0;
};

constexpr std::uint32_t kW = SPIKETLM_RTL_MESH_W, kH = SPIKETLM_RTL_MESH_H, kNodes = kW * kH;
constexpr std::uint32_t kUpd = SPIKETLM_RTL_MESH_UPD_MAX, kVcs = SPIKETLM_RTL_MESH_VC_MAX;
constexpr std::uint32_t kHin = SPIKETLM_RTL_MESH_HIN_MAX;

// The Verilated mesh with the test bench's controller and host.
class MeshBench {
  public:
    MeshBench(const cfg::Config& c, const snn::Network& net, const map::MappedNetwork& m)
        : m_net(net), m_mapped(m), m_noc(noc::NocConfig::from(c)), m_pe(pe::PeConfig::from(c)),
          m_timing(pe::ChipTiming::from(c)), m_top(std::make_unique<Vmesh>()) {
        REQUIRE(m_noc.width == kW);
        REQUIRE(m_noc.height == kH);
        REQUIRE(m_noc.multicast == noc::Multicast::Tree);
        REQUIRE(m_timing.host_inject_per_cycle <= kHin);
        // The configuration fits the sizes the mesh was Verilated with (rtl/verilate.cmake).
        REQUIRE(m_noc.vcs <= kVcs);
        REQUIRE(m_noc.buffer_depth <= SPIKETLM_RTL_MESH_DEPTH_MAX);
        REQUIRE(m_noc.flit_width_bits <= SPIKETLM_RTL_MESH_FLIT_W);
        REQUIRE(m_noc.injection_queue_depth <= SPIKETLM_RTL_MESH_QDEPTH_MAX);
        REQUIRE(m_noc.stages().sa + m_noc.stages().st + m_noc.link_latency <= SPIKETLM_RTL_MESH_D_MAX);
        REQUIRE(m_noc.stages().sa + noc::kNiCreditLatency <= SPIKETLM_RTL_MESH_D_MAX);
        REQUIRE(m_pe.input_fifo_depth <= SPIKETLM_RTL_MESH_FIFO_MAX);
        REQUIRE(m_pe.word_fifo_depth <= SPIKETLM_RTL_MESH_WFIFO_MAX);
        REQUIRE(m_pe.load_words_per_cycle <= SPIKETLM_RTL_MESH_LWPC_MAX);
        REQUIRE(m_pe.update_lanes <= SPIKETLM_RTL_MESH_UPD_MAX);
        REQUIRE(m_pe.route.ports_per_bank * m_pe.route.banks <= SPIKETLM_RTL_MESH_RT_MAX);
        REQUIRE(m_pe.synapse.read_latency_cycles <= SPIKETLM_RTL_MESH_LAT_MAX);
        REQUIRE(m_pe.capacity.acc_slots <= SPIKETLM_RTL_MESH_ACC_SLOTS);
        REQUIRE(m_pe.capacity.acc_bits <= SPIKETLM_RTL_MESH_ACC_W);
        if (const char* dir = std::getenv("SPIKETLM_RTL_MESH_VCD"); dir && *dir) {
            std::filesystem::create_directories(dir);
            m_vcd_path = (std::filesystem::path(dir) / "rtl-mesh.vcd").string();
            Verilated::traceEverOn(true);
            m_vcd = std::make_unique<VerilatedVcdC>();
            m_top->trace(m_vcd.get(), 99);
            m_vcd->open(m_vcd_path.c_str());
        }
        configure(c);
        load();
    }
    ~MeshBench() {
        if (m_vcd) m_vcd->close();
        m_top->final();
    }

    // Overwrites one synapse word of a node's PE (a fault for the failure-report test).
    void poke_synapse(std::uint32_t node, std::uint32_t addr, std::uint64_t data) { write(0, node, addr, data); }
    const std::string& vcd_path() const { return m_vcd_path; }

    MeshFrame run_frame(const encode::SpikeTrain& in, std::uint64_t frame) {
        Vmesh& t = *m_top;
        MeshFrame r;
        enum class State { resetting, running, barrier, done } state = State::resetting;
        const std::uint64_t start = m_now;
        std::uint64_t step_cycle = start, frame_end = 0, last_delivery = 0;
        bool any_delivery = false;
        std::uint32_t step = 0;
        std::size_t next = 0, step_end = 0;  // the host's input spikes of the current step
        std::vector<std::uint32_t> counts(static_cast<std::size_t>(m_net.outputs()), 0);
        std::vector<std::pair<std::uint32_t, std::int32_t>> first;
        int first_step = -1;
        auto begin_step = [&](std::uint64_t now) {
            step_cycle = now;
            while (next < in.size() && in[next].step < step) ++next;
            step_end = next;
            while (step_end < in.size() && in[step_end].step == step) ++step_end;
            state = State::running;
        };
        for (;;) {
            const std::uint64_t now = m_now;
            if (state == State::done && now >= frame_end) break;
            // Registered state after the previous edge: the done-tree (docs/pe.md, barrier).
            t.clk = 0;
            t.frame_reset = 0;
            t.arb_reset = 0;
            t.step_start = 0;
            t.host_in_valid = 0;
            t.eval();
            bool pes_done = true;
            for (const auto& img : m_mapped.pes) pes_done = pes_done && bit(t.pe_done, img.node);
            const bool chip_done = now > step_cycle && next >= step_end && t.noc_idle && pes_done &&
                                   (!any_delivery || last_delivery < now);
            if (state == State::resetting && now == start) {
                t.frame_reset = 1;  // every PE clears its state; arbiters back to their start
                t.arb_reset = 1;
                t.frame_id = frame;
            } else if (state == State::resetting && chip_done) {
                begin_step(now);
                t.step_start = 1;
            } else if (state == State::barrier && now == step_cycle) {
                begin_step(now);
                t.step_start = 1;
            } else if (state == State::running && chip_done) {
                ++r.steps;
                const std::uint64_t nb = now + m_timing.barrier_cycles;
                if (step + 1 >= static_cast<std::uint32_t>(m_net.timesteps)) {
                    frame_end = nb;
                    state = State::done;
                } else {
                    ++step;
                    step_cycle = nb;
                    state = State::barrier;
                }
            }
            t.step_in = step;
            t.eval();
            // The host writes after the PEs, from the cycle after the step start.
            if (state == State::running && now > step_cycle && next < step_end) {
                std::uint32_t k = 0;
                while (next < step_end && k < m_timing.host_inject_per_cycle && k < t.host_space) {
                    set_word(t.host_in_axon, k, in[next].input);
                    set_word(t.host_in_step, k, step);
                    t.host_in_valid = static_cast<std::remove_reference_t<decltype(t.host_in_valid)>>(t.host_in_valid | (1u << k));
                    ++next;
                    ++k;
                }
                t.host_in_dest_set = m_mapped.input_dest_set;
                t.eval();
            }
            // Cycle `now`'s work: spikes, deliveries, output spikes, errors.
            if (t.err) {
                std::ostringstream os;
                os << "the RTL mesh flagged error " << (t.err & 0xFFF) << " of "
                   << ((t.err >> 12 & 15) == 1 ? "router" : (t.err >> 12 & 15) == 2 ? "ni" : "pe_core") << " at node "
                   << (t.err >> 16) << " in cycle " << now << " (frame " << frame << ", step " << step
                   << "; codes: rtl/router.sv err, rtl/ni.sv err, pe_core err)";
                FAIL(os.str());
            }
            for (const auto& img : m_mapped.pes) {
                const std::uint32_t n = img.node;
                if (!bit(t.mon_decide, n)) continue;
                for (std::uint32_t j = 0; j < kUpd; ++j)
                    if (bit(t.mon_fire, n * kUpd + j))
                        r.spikes.push_back({{word(t.mon_step, n), img.layer, img.first_neuron + word(t.mon_first, n) + j}, now});
            }
            for (std::uint32_t v = 0; v < kVcs; ++v) {
                if (!bit(t.host_out_valid, v)) continue;
                const std::uint32_t neuron = word(t.host_out_neuron, v), s = word(t.host_out_step, v);
                const auto val = static_cast<std::int32_t>(word(t.host_out_v, v));
                REQUIRE(neuron < counts.size());
                r.host_outputs.push_back({s, static_cast<std::uint32_t>(m_net.layers.size() - 1), neuron});
                ++counts[neuron];
                if (first_step < 0 || static_cast<int>(s) < first_step) {
                    first_step = static_cast<int>(s);
                    first.clear();
                }
                if (static_cast<int>(s) == first_step) first.emplace_back(neuron, val);
            }
            if (t.delivered) {
                any_delivery = true;
                last_delivery = now;
            }
            clock_edge();
            if (now - start > 2000000) FAIL("the RTL mesh never finished frame " << frame << " (step " << step << ")");
        }
        r.cycles = frame_end - start;
        r.decision = m_net.decode == snn::Decode::first_spike ? (first.empty() ? -1 : snn::decode_first_spike(first))
                                                              : snn::decode_count(counts);
        return r;
    }

  private:
    void clock_edge() {
        Vmesh& t = *m_top;
        if (m_vcd) m_vcd->dump(2 * m_now);
        t.clk = 1;
        t.eval();
        if (m_vcd) m_vcd->dump(2 * m_now + 1);
        ++m_now;
    }
    void write(std::uint32_t sel, std::uint32_t node, std::uint32_t addr, std::uint64_t data) {
        Vmesh& t = *m_top;
        t.ld_we = 1;
        t.ld_sel = sel;
        t.ld_node = node;
        t.ld_addr = addr;
        t.ld_data = data;
        t.clk = 0;
        t.eval();
        t.clk = 1;
        t.eval();
        t.ld_we = 0;
    }

    void configure(const cfg::Config&) {
        Vmesh& t = *m_top;
        const auto st = m_noc.stages();
        const proto::PacketFormat fmt = format();
        t.cfg_vcs = m_noc.vcs;
        t.cfg_depth = m_noc.buffer_depth;
        t.cfg_rc = st.rc;
        t.cfg_va = st.va;
        t.cfg_routing = m_noc.routing == "xy" ? 0 : m_noc.routing == "yx" ? 1 : 2;
        t.cfg_d_flit = st.sa + st.st + m_noc.link_latency;
        t.cfg_d_cr = st.sa + m_noc.link_latency;
        t.cfg_d_ej = st.sa + st.st + noc::kNiChannelLatency;
        t.cfg_d_injcr = st.sa + noc::kNiCreditLatency;
        t.cfg_qdepth = m_noc.injection_queue_depth;
        t.cfg_inflight = m_noc.ni_packets_in_flight;
        t.cfg_flit_bits = m_noc.flit_width_bits;
        t.cfg_node_bits = fmt.node_bits();
        t.cfg_dest_bits = fmt.dest_bits();
        t.cfg_axon_bits = m_fields.axon_bits;
        t.cfg_step_bits = m_fields.step_bits;
        t.cfg_payload_bits = m_fields.payload_bits;
        t.cfg_host_node = m_mapped.host_node;
    }

    // The endpoint field widths the TLM chip uses (hw/chip/chip.cpp).
    proto::PacketFormat format() {
        auto bits_for = [](std::uint64_t values) {
            std::uint32_t b = 1;
            while (b < 32 && (std::uint64_t{1} << b) < values) ++b;
            return b;
        };
        std::uint64_t ids = static_cast<std::uint64_t>(m_net.inputs);
        for (const auto& l : m_net.layers) ids = std::max<std::uint64_t>(ids, static_cast<std::uint64_t>(l.out));
        m_fields.axon_bits = bits_for(ids);
        m_fields.step_bits = bits_for(static_cast<std::uint64_t>(std::max(m_net.timesteps, 1)));
        m_fields.payload_bits = static_cast<std::uint32_t>(m_net.layers.back().neuron.state_bits);
        return proto::PacketFormat(m_noc.nodes(), m_noc.flit_width_bits, true, m_fields);
    }

    void load() {
        Vmesh& t = *m_top;
        t.rst_n = 0;
        t.clk = 0;
        t.eval();
        t.clk = 1;
        t.eval();
        t.rst_n = 1;
        // Every node: an empty PE (no neurons) with sane registers; then the mapped ones.
        for (std::uint32_t n = 0; n < kNodes; ++n) {
            const std::uint64_t idle[] = {0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 8, 8, 0, 16};
            for (std::uint32_t r = 0; r < 18; ++r) write(3, n, r, idle[r]);
            write(3, n, 32, 0);
            write(3, n, 33, 0);
            write(3, n, 34, 0);
        }
        for (const auto& img : m_mapped.pes) {
            const std::uint32_t n = img.node;
            const auto& layer = m_net.layers.at(img.layer);
            const snn::NeuronParams& p = layer.neuron;
            REQUIRE(img.neurons <= SPIKETLM_RTL_MESH_NEURONS);
            REQUIRE(img.synapse.size() <= SPIKETLM_RTL_MESH_SYN_WORDS);
            REQUIRE(img.axon_base.size() <= SPIKETLM_RTL_MESH_AXONS);
            REQUIRE(img.routes.size() <= SPIKETLM_RTL_MESH_ROUTES);
            REQUIRE(p.noise == snn::NoiseMode::none);  // Verilated with NOISE = 0
            const std::uint64_t regs[] = {
                img.neurons, m_pe.input_fifo_depth, m_pe.word_fifo_depth, m_pe.load_words_per_cycle, m_pe.lanes,
                m_pe.update_lanes, m_pe.synapse.banks, m_pe.synapse.ports_per_bank, m_pe.synapse.read_latency_cycles,
                m_pe.axon.read_latency_cycles, m_pe.state.read_latency_cycles, m_pe.route.read_latency_cycles,
                m_pe.route.banks, m_pe.route.ports_per_bank, img.weight_bits, img.weights_per_word,
                static_cast<std::uint32_t>(layer.delay), static_cast<std::uint32_t>(p.state_bits),
                static_cast<std::uint32_t>(p.theta), static_cast<std::uint32_t>(p.bias),
                static_cast<std::uint32_t>(p.v_reset), static_cast<std::uint32_t>(p.decay_i),
                static_cast<std::uint32_t>(p.decay_v), static_cast<std::uint32_t>(p.refractory),
                p.reset == snn::ResetMode::to_value ? 1u : 0u, p.single_spike ? 1u : 0u, 0, 0, 0, m_net.seed,
                img.layer, img.first_neuron, 1, pe::routes_to_host(m_mapped, img) ? 1u : 0u,
                axon_first_of(img, 0)};
            for (std::uint32_t r = 0; r < 35; ++r) write(3, n, r, regs[r]);
            for (std::size_t k = 0; k < img.synapse.size(); ++k) write(0, n, static_cast<std::uint32_t>(k), img.synapse[k]);
            for (std::size_t a = 0; a < img.axon_base.size(); ++a)
                write(1, n, static_cast<std::uint32_t>(a), (std::uint64_t{img.axon_words[a]} << 32) | img.axon_base[a]);
            for (std::size_t k = 0; k < img.routes.size(); ++k)
                write(2, n, static_cast<std::uint32_t>(k), (std::uint64_t{img.routes[k].dest_set} << 32) | img.routes[k].axon);
        }
        REQUIRE(m_mapped.dest_sets.size() <= SPIKETLM_RTL_MESH_DSETS);
        for (std::size_t d = 0; d < m_mapped.dest_sets.size(); ++d) {
            std::uint64_t mask = 0;
            for (auto node : m_mapped.dest_sets[d]) mask |= std::uint64_t{1} << node;
            write(4, 0, static_cast<std::uint32_t>(d), mask);
        }
        // Synchronous reset of the logic after loading (memories and registers keep their values).
        t.rst_n = 0;
        t.clk = 0;
        t.eval();
        t.clk = 1;
        t.eval();
        t.rst_n = 1;
        t.clk = 0;
        t.eval();
    }

    const snn::Network& m_net;
    const map::MappedNetwork& m_mapped;
    noc::NocConfig m_noc;
    pe::PeConfig m_pe;
    pe::ChipTiming m_timing;
    proto::EndpointFields m_fields;
    std::unique_ptr<Vmesh> m_top;
    std::unique_ptr<VerilatedVcdC> m_vcd;
    std::string m_vcd_path;
    std::uint64_t m_now = 0;
};

// The regression's chip: 3x3 mesh (host at node 0), 16-neuron PEs, 32-bit flits (an output spike
// is a head and a payload flit), small FIFOs and queues so that back-pressure happens.
const char* k_mesh_chip = R"(
chip:
  host_inject_per_cycle: 2
  noc: {width: 3, height: 3, vcs: 2, buffer_depth: 4, injection_queue_depth: 8, flit_width_bits: 32}
  pe: {neurons: 16, synapse_words: 256, axon_entries: 64, route_entries: 32, input_fifo_depth: 4,
       word_fifo_depth: 2, load_words_per_cycle: 2, lanes: 4, update_lanes: 4, acc_slots: 2, acc_bits: 24}
)";

// "" when the mesh's frame equals the reference's (every spike, the host's output spikes, the
// decision, the steps), else the first difference.
std::string compare_frame(const snn::Network& net, std::uint64_t f, const MeshFrame& mf,
                          const std::vector<snn::SpikeEvent>& ref, const snn::FrameResult& rr) {
    auto key = [](const snn::SpikeEvent& e) { return std::make_tuple(e.step, e.layer, e.neuron); };
    std::vector<Spike> got = mf.spikes;
    std::stable_sort(got.begin(), got.end(), [&](const Spike& a, const Spike& b) { return key(a.ev) < key(b.ev); });
    std::ostringstream os;
    auto name = [](const snn::SpikeEvent& e) {
        return "(step " + std::to_string(e.step) + ", layer " + std::to_string(e.layer) + ", neuron " +
               std::to_string(e.neuron) + ")";
    };
    for (std::size_t k = 0; k < std::max(got.size(), ref.size()); ++k) {
        if (k < got.size() && k < ref.size() && got[k].ev == ref[k]) continue;
        os << "frame " << f << ": first divergent spike #" << k << ": RTL mesh "
           << (k < got.size() ? name(got[k].ev) + " in cycle " + std::to_string(got[k].cycle) : std::string("none"))
           << ", reference " << (k < ref.size() ? name(ref[k]) : std::string("none")) << " (" << got.size()
           << " RTL spikes, " << ref.size() << " reference spikes)";
        return os.str();
    }
    std::vector<snn::SpikeEvent> outs, ref_outs = {};
    for (const auto& e : ref)
        if (e.layer + 1 == net.layers.size()) ref_outs.push_back(e);
    outs = mf.host_outputs;
    std::stable_sort(outs.begin(), outs.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
    if (outs != ref_outs)
        return "frame " + std::to_string(f) + ": the host port received " + std::to_string(outs.size()) +
               " output spikes, the reference's output layer fired " + std::to_string(ref_outs.size());
    if (mf.decision != rr.decision || mf.steps != rr.steps)
        return "frame " + std::to_string(f) + ": decision " + std::to_string(mf.decision) + " vs " +
               std::to_string(rr.decision) + ", steps " + std::to_string(mf.steps) + " vs " + std::to_string(rr.steps);
    return "";
}

// The second configuration: a 4-stage router pipeline, 2-cycle links, yx routing, 2-flit buffers,
// 2 packets in flight per NI and input FIFOs of 2 (ejection back-pressure at every PE).
const char* k_mesh_chip_deep = R"(
chip:
  host_inject_per_cycle: 1
  noc: {width: 3, height: 3, vcs: 2, buffer_depth: 2, injection_queue_depth: 4, flit_width_bits: 32,
        router_pipeline: 4, link_latency: 2, routing: yx, ni_packets_in_flight: 2}
  pe: {neurons: 16, synapse_words: 256, axon_entries: 64, route_entries: 32, input_fifo_depth: 2,
       word_fifo_depth: 1, load_words_per_cycle: 1, lanes: 8, update_lanes: 4, acc_slots: 2, acc_bits: 24}
)";

struct Totals {
    std::uint64_t rtl_cycles = 0, tlm_cycles = 0;
    std::vector<long> differences;  // per frame, RTL mesh - TLM chip
    std::string listed;             // "frame f: RTL a, TLM b; ..." for the frames that differ
};

// Runs `frames` random frames through the RTL mesh, the reference and the TLM chip of `chip_yaml`
// (with `tlm_kinds` added: the PE and router kinds of the TLM chip) and requires the mesh to match
// the reference spike for spike; returns the cycles of both.
Totals run_against_reference(const char* chip_yaml, const char* tlm_kinds, int frames, std::uint64_t seed) {
    const auto net = test::random_network({24, 32, 24, 10}, snn::NeuronKind::lif, seed, 16, 60, 110);
    cfg::Config c;
    c.load_string(chip_yaml, "mesh-chip.yaml");
    const auto mapped = map::map_network(net, map::capacity_from(c), map::mesh_from(c));
    REQUIRE(mapped.pes.size() == 5);  // 2 + 2 + 1 PEs over the 9 nodes
    MeshBench mesh(c, net, mapped);
    cfg::Config ct;
    ct.load_string(chip_yaml, "mesh-chip.yaml");
    ct.load_string(tlm_kinds, "tlm-kinds.yaml");
    stats::Registry stats;
    chip::Chip tlm("chip", ct, net, mapped, stats, false, net.seed);
    snn::Reference ref(net);
    std::mt19937_64 rng(seed);
    std::uint64_t spikes = 0, outputs = 0;
    Totals t;
    for (int f = 0; f < frames; ++f) {
        const auto in = test::random_input(net.inputs, net.encoding.steps, 0.3, rng);
        const MeshFrame mf = mesh.run_frame(in, static_cast<std::uint64_t>(f));
        snn::VectorSink sink;
        const auto rr = ref.run(in, static_cast<std::uint64_t>(f), &sink);
        const std::string diff = compare_frame(net, static_cast<std::uint64_t>(f), mf, sink.spikes, rr);
        INFO(diff);
        REQUIRE(diff.empty());
        const auto cr = tlm.run_frame(in, static_cast<std::uint64_t>(f));
        spikes += mf.spikes.size();
        outputs += mf.host_outputs.size();
        t.rtl_cycles += mf.cycles;
        t.tlm_cycles += cr.cycles;
        t.differences.push_back(static_cast<long>(mf.cycles) - static_cast<long>(cr.cycles));
        if (mf.cycles != cr.cycles)
            t.listed += "frame " + std::to_string(f) + ": RTL mesh " + std::to_string(mf.cycles) + ", TLM chip " +
                        std::to_string(cr.cycles) + "; ";
    }
    CHECK(spikes > 40u * static_cast<unsigned>(frames));  // the comparison is not vacuous
    CHECK(outputs > 2u * static_cast<unsigned>(frames));   // output spikes crossed the mesh as two-flit packets
    return t;
}

const char* k_tlm_rtl_kinds = "chip: {pe: {kind: rtl}, noc: {router: rtl}}\n";
const char* k_tlm_tlm_kinds = "chip: {pe: {kind: sram}, noc: {router: iq_wormhole}}\n";

}  // namespace

TEST_CASE("rtl mesh: a 3x3 RTL mesh of routers, NIs and PEs runs a mapped LIF network spike for spike with the "
          "reference and in the cycles of the TLM chip with RTL PEs and routers",
          "[rtl]") {
    const Totals t = run_against_reference(k_mesh_chip, k_tlm_rtl_kinds, 12, 7);
    INFO("RTL mesh " << t.rtl_cycles << " cycles, TLM chip " << t.tlm_cycles << "; " << t.listed);
    CHECK(t.listed.empty());
}

TEST_CASE("rtl mesh: the RTL mesh runs in the cycles of the all-TLM chip (sram PEs, iq_wormhole routers)", "[rtl]") {
    const Totals t = run_against_reference(k_mesh_chip, k_tlm_tlm_kinds, 12, 7);
    INFO("RTL mesh " << t.rtl_cycles << " cycles, TLM chip " << t.tlm_cycles << "; " << t.listed);
    CHECK(t.listed.empty());
}

TEST_CASE("rtl mesh: with a 4-stage router pipeline, 2-cycle links, yx routing, 2-flit buffers and 2 packets in "
          "flight per NI the RTL mesh matches the reference and the TLM chip with RTL PEs and routers",
          "[rtl]") {
    const Totals t = run_against_reference(k_mesh_chip_deep, k_tlm_rtl_kinds, 8, 11);
    INFO("RTL mesh " << t.rtl_cycles << " cycles, TLM chip " << t.tlm_cycles << "; " << t.listed);
    CHECK(t.listed.empty());
}

// The known difference (docs/rtl.md "Mesh top"): with sram PEs the TLM chip retries a spike its PE
// refused in a cycle in which the tile was not ticked one cycle late (the tile looks for a free
// FIFO slot only in its next commit), while a packet arriving later on another VC is taken at once;
// the rtl PE kind is ticked in every busy cycle and the RTL NI retries in every cycle. Measured:
// frames 3 and 5 of this run differ by +1 and -1 cycle, the total is equal.
TEST_CASE("rtl mesh: under ejection back-pressure the RTL mesh and the all-TLM chip with sram PEs differ by at most "
          "one cycle per frame",
          "[rtl]") {
    const Totals t = run_against_reference(k_mesh_chip_deep, k_tlm_tlm_kinds, 8, 11);
    INFO("RTL mesh " << t.rtl_cycles << " cycles, TLM chip " << t.tlm_cycles << "; " << t.listed);
    for (long d : t.differences) CHECK(std::labs(d) <= 1);
    WARN("RTL mesh vs all-TLM chip (sram PEs) under back-pressure: " << (t.listed.empty() ? std::string("no difference") : t.listed));
}

TEST_CASE("rtl mesh: a corrupted synapse word is reported as the first divergent spike with its cycle", "[rtl]") {
    const auto net = test::random_network({24, 32, 24, 10}, snn::NeuronKind::lif, 7, 16, 60, 110);
    cfg::Config c;
    c.load_string(k_mesh_chip, "mesh-chip.yaml");
    const auto mapped = map::map_network(net, map::capacity_from(c), map::mesh_from(c));
    MeshBench mesh(c, net, mapped);
    // Every weight of the first layer's first PE's first rows set to the maximum: more spikes.
    const map::PeImage& img = mapped.pes.front();
    for (std::uint32_t k = 0; k < 8; ++k) mesh.poke_synapse(img.node, k, 0x7F7F7F7F7F7F7F7Full);
    snn::Reference ref(net);
    std::mt19937_64 rng(3);
    const auto in = test::random_input(net.inputs, net.encoding.steps, 0.3, rng);
    const MeshFrame mf = mesh.run_frame(in, 0);
    snn::VectorSink sink;
    const auto rr = ref.run(in, 0, &sink);
    const std::string diff = compare_frame(net, 0, mf, sink.spikes, rr);
    INFO(diff);
    CHECK_THAT(diff, Catch::Matchers::StartsWith("frame 0: first divergent spike #"));
    CHECK_THAT(diff, Catch::Matchers::Contains("in cycle"));
    CHECK_THAT(diff, Catch::Matchers::Contains("reference (step"));
}
