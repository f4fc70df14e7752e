#include "hw/pe/pe_config.h"

#include "hw/pe/pe_if.h"

#include "sw/cfg/config.h"
#include "sw/cfg/param.h"
#include "sw/common/error.h"
#include "sw/map/capacity.h"
#include "sw/nvm/nvm_config.h"

namespace spiketlm::pe {

namespace {
using I = std::int64_t;
const cfg::Param<I> p_in_fifo{"chip.pe.input_fifo_depth", 16, "events", "input spike FIFO depth (events waiting for LOAD)",
                              cfg::Range{1, 1 << 16}};
const cfg::Param<I> p_word_fifo{"chip.pe.word_fifo_depth", 4, "words",
                                "FIFO between LOAD and COMPUTE (synapse words read but not yet accumulated)",
                                cfg::Range{1, 1 << 16}};
const cfg::Param<I> p_load_wpc{"chip.pe.load_words_per_cycle", 1, "words/cycle",
                               "synapse word reads LOAD issues per cycle (more than the banks' ports cause conflicts)",
                               cfg::Range{1, 16}};
const cfg::Param<I> p_lanes{"chip.pe.lanes", 8, "weights/cycle", "COMPUTE lanes: weights accumulated per cycle",
                            cfg::Range{1, 64}};
const cfg::Param<I> p_ulanes{"chip.pe.update_lanes", 4, "neurons/cycle", "neurons the update engine handles per cycle",
                             cfg::Range{1, 64}};
const cfg::Param<I> p_syn_banks{"chip.pe.synapse_banks", 1, "banks", "synapse SRAM banks (low-order interleaved)",
                                cfg::Range{1, 64}};
const cfg::Param<I> p_syn_ports{"chip.pe.synapse_ports", 1, "ports", "ports per synapse SRAM bank", cfg::Range{1, 4}};
const cfg::Param<I> p_syn_lat{"chip.pe.synapse_read_latency", 1, "cycles", "synapse SRAM read latency", cfg::Range{1, 16}};
const cfg::Param<I> p_axon_lat{"chip.pe.axon_read_latency", 1, "cycles", "axon-table SRAM read latency",
                               cfg::Range{1, 16}};
const cfg::Param<I> p_state_lat{"chip.pe.state_read_latency", 1, "cycles",
                                "neuron-state SRAM read latency (update pipeline fill)", cfg::Range{1, 16}};
const cfg::Param<I> p_route_lat{"chip.pe.route_read_latency", 1, "cycles", "routing-table SRAM read latency",
                                cfg::Range{1, 16}};
const cfg::Param<I> p_route_ports{"chip.pe.route_ports", 1, "ports",
                                  "routing-table SRAM ports: spikes of one update group whose routing reads STORE issues per cycle",
                                  cfg::Range{1, 4}};
const cfg::Param<std::string> p_kind{"chip.pe.kind", "sram", "",
                                     "PE kind by registered name (sram: LOAD/COMPUTE/STORE with SRAMs, docs/pe.md; nvm: crossbar arrays, docs/nvm.md; rtl: rtl/pe_core.sv Verilated, docs/rtl.md)"};
const cfg::Param<I> p_state_bits{"chip.pe.state_word_bits", 64, "bits", "neuron-state SRAM word width (i, v, flags)",
                                 cfg::Range{8, 256}};
const cfg::Param<I> p_barrier{"chip.barrier_cycles", 4, "cycles",
                              "timestep barrier cost after the chip is quiescent (done-tree + update broadcast)",
                              cfg::Range{0, 1e6}};
const cfg::Param<I> p_host_rate{"chip.host_inject_per_cycle", 1, "packets/cycle",
                                "input spike packets the host interface can write into its NI per cycle",
                                cfg::Range{1, 64}};
const cfg::Param<bool> p_rtl_trace{"rtl.trace", false, "", "write a VCD of every RTL PE (chip.pe.kind: rtl) to rtl.trace_dir"};
const cfg::Param<std::string> p_rtl_trace_dir{"rtl.trace_dir", ".", "",
                                              "folder of the RTL PEs' VCD files (rtl-<pe path>.vcd)"};
const cfg::Param<double> p_clock{"chip.clock_mhz", 200.0, "MHz", "chip clock (PEs and NoC)", cfg::Range{0.001, 1e5}};
}  // namespace

PeConfig PeConfig::from(const cfg::Config& c) {
    PeConfig p;
    p.kind = p_kind(c);
    p.rtl.trace = p_rtl_trace(c);
    p.rtl.trace_dir = p_rtl_trace_dir(c);
    if (!PeRegistry::find(p.kind))
        throw ConfigError(c.origin(p_kind.name()).str(), p_kind.name(),
                          "unknown PE kind '" + p.kind + "' (registered: " + PeRegistry::names_joined() + ")");
    if (p.kind == "nvm") {
        // The reference must run the same crossbars (sim_options_from reads nvm.enabled).
        if (!nvm::enabled(c))
            throw ConfigError(c.origin(p_kind.name()).str(), p_kind.name(),
                              "chip.pe.kind: nvm needs nvm.enabled: true (so that the reference runs the same crossbars)");
        p.nvm = nvm::device_from(c);
    } else if (nvm::enabled(c)) {
        // The reference would run crossbars that this chip does not have.
        throw ConfigError(c.origin("nvm.enabled").str(), "nvm.enabled",
                          "nvm.enabled: true needs chip.pe.kind: nvm for a chip run (chip.pe.kind is '" + p.kind + "')");
    }
    p.capacity = map::capacity_from(c);
    p.input_fifo_depth = static_cast<std::uint32_t>(p_in_fifo(c));
    p.word_fifo_depth = static_cast<std::uint32_t>(p_word_fifo(c));
    p.load_words_per_cycle = static_cast<std::uint32_t>(p_load_wpc(c));
    p.lanes = static_cast<std::uint32_t>(p_lanes(c));
    p.update_lanes = static_cast<std::uint32_t>(p_ulanes(c));

    p.synapse.words = p.capacity.synapse_words;
    p.synapse.width_bits = p.capacity.synapse_word_bits;
    p.synapse.banks = static_cast<std::uint32_t>(p_syn_banks(c));
    p.synapse.ports_per_bank = static_cast<std::uint32_t>(p_syn_ports(c));
    p.synapse.read_latency_cycles = static_cast<std::uint32_t>(p_syn_lat(c));
    p.synapse.energy_class = "sram_synapse";

    p.axon.words = p.capacity.axon_entries;
    p.axon.width_bits = 32;  // row base + word count
    p.axon.read_latency_cycles = static_cast<std::uint32_t>(p_axon_lat(c));
    p.axon.energy_class = "sram_axon";

    p.state.words = p.capacity.neurons;
    p.state.width_bits = static_cast<std::uint32_t>(p_state_bits(c));
    p.state.banks = 1;
    p.state.ports_per_bank = 2;  // one read and one write per cycle (pipelined update)
    p.state.read_latency_cycles = static_cast<std::uint32_t>(p_state_lat(c));
    p.state.energy_class = "sram_state";

    p.route.words = p.capacity.route_entries;
    p.route.width_bits = 32;  // destination-set id + axon id
    p.route.read_latency_cycles = static_cast<std::uint32_t>(p_route_lat(c));
    p.route.ports_per_bank = static_cast<std::uint32_t>(p_route_ports(c));
    p.route.energy_class = "sram_route";
    p.validate();
    return p;
}

void PeConfig::validate() const {
    if (synapse.banks > synapse.words) throw InputError("chip.pe.synapse_banks: more banks than synapse words");
    synapse.validate("chip.pe.synapse");
    axon.validate("chip.pe.axon");
    state.validate("chip.pe.state");
    route.validate("chip.pe.route");
}

ChipTiming ChipTiming::from(const cfg::Config& c) {
    ChipTiming t;
    t.barrier_cycles = static_cast<std::uint32_t>(p_barrier(c));
    t.host_inject_per_cycle = static_cast<std::uint32_t>(p_host_rate(c));
    t.clock_mhz = p_clock(c);
    return t;
}

}  // namespace spiketlm::pe
