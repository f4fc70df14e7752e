#include "hw/chip/lt/lt_chip.h"

#include <algorithm>
#include <deque>
#include <exception>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "hw/chip/lt/lt_noc.h"
#include "hw/mem/sram.h"
#include "hw/noc/noc_config.h"
#include "hw/pe/pe_config.h"
#include "hw/pe/spike_out.h"
#include "hw/pe/sram/datapath.h"
#include "sw/cfg/config.h"
#include "sw/cfg/param.h"
#include "sw/common/error.h"
#include "sw/map/mapper.h"
#include "sw/snn/network.h"
#include "sw/snn/reference.h"
#include "sw/stats/stats.h"
#include "tlm/packet_format.h"

namespace spiketlm::chip::lt {

namespace {
const cfg::Param<std::string> p_timing{
    "chip.timing", "at", "",
    "timing style of the chip model: at = cycle-level (docs/pe.md, docs/noc.md), lt = loosely timed: the same "
    "spikes, cycles estimated from the timing contract (docs/chip.md, Loosely-timed mode)",
    cfg::Choices{{"at", "lt"}}};
const cfg::Param<double> p_quantum{
    "chip.lt.quantum_ns", 10000.0, "ns",
    "LT chip: time its controller may run ahead of SystemC time before it synchronises (tlm_quantumkeeper); "
    "0 synchronises after every timestep",
    cfg::Range{0, 1e12}};

Cycle ceil_div(Cycle a, Cycle b) { return (a + b - 1) / b; }

// A quantum keeper with the chip's own quantum (chip.lt.quantum_ns) instead of the global one:
// sync points are the multiples of the quantum.
class QuantumKeeper : public tlm_utils::tlm_quantumkeeper {
  public:
    sc_core::sc_time quantum = sc_core::SC_ZERO_TIME;

  protected:
    sc_core::sc_time compute_local_quantum() override {
        if (quantum == sc_core::SC_ZERO_TIME) return sc_core::SC_ZERO_TIME;
        const auto q = quantum.value();
        return sc_core::sc_time::from_value(q - sc_core::sc_time_stamp().value() % q);
    }
};
}  // namespace

bool enabled(const cfg::Config& c) { return p_timing(c) == "lt"; }

// One PE: neuron state, accumulators, LOAD/COMPUTE timing state and the energy actions of the
// `sram` kind (same components and names as hw/pe/sram, so the energy report prices them alike).
struct LtPe {
    const map::PeImage& img;
    const snn::Layer& layer;
    bool to_host = false;
    std::vector<snn::NeuronState> neurons;
    std::vector<std::vector<std::int64_t>> acc;  // ring of delay + 2 steps
    std::uint32_t full_words = 0;                // words of a full row
    Cycle full_compute = 0;                      // COMPUTE cycles of a full row
    // LOAD / COMPUTE (docs/pe.md), per event.
    Cycle load_free = 0, compute_free = 0, busy_until = 0;
    std::deque<Cycle> fifo_pops;  // pop cycles of events still in the input FIFO
    Cycle last_accept = 0;
    struct Arrival {
        Cycle at;
        std::uint32_t axon, emit_step, seq;
    };
    std::vector<Arrival> arrivals;
    Cycle done = 0;  // update engine and STORE of the current step finished (first free cycle)

    std::unique_ptr<mem::Sram> syn, axon, state, route, accmem;
    stats::Counter *fifo_push, *fifo_pop, *wfifo_push, *acc_adds, *updates, *mults, *noise, *spikes;
    stats::Counter *events, *synops, *words, *busy, *inj_stalls, *refusals;

    pe::NeuronDatapath dp;
    bool event_driven = false;                        // chip.pe.event_driven_update on this layer
    std::vector<std::vector<std::uint8_t>> touched;   // per accumulator slot: a weight was added
    std::unique_ptr<mem::Sram> bits;                  // activity bits (counted)

    LtPe(const map::PeImage& i, const snn::Layer& l) : img(i), layer(l), dp(l) {}

    std::vector<std::int64_t>& acc_for(std::uint32_t step) { return acc[step % acc.size()]; }
};

// The NI injection queue of one node as the LT model sees it: send start of each queued packet.
struct NiState {
    Cycle next_send = 0;       // the NI can send the next packet's head from this cycle
    std::deque<Cycle> starts;  // send starts of packets in the queue (claimed or entered), ascending
    // Pops the packets whose send started by cycle `c`; returns the queue occupancy in `c`.
    std::size_t occupancy(Cycle c) {
        while (!starts.empty() && starts.front() <= c) starts.pop_front();
        return starts.size();
    }
};

struct LtChip::Impl {
    const snn::Network& net;
    const map::MappedNetwork& mapped;
    noc::NocConfig noc_cfg;
    pe::PeConfig pe_cfg;
    pe::ChipTiming timing;
    bool early_stop;
    std::uint64_t noise_seed;
    sc_core::sc_time period;
    std::uint64_t period_ps = 1;
    std::uint32_t flits_spike = 1, flits_output = 1;

    std::vector<std::unique_ptr<LtPe>> pes;
    std::vector<int> pe_at_node;  // node -> index in pes, -1 without a PE
    std::vector<NiState> nis;
    std::unique_ptr<LtNoc> noc;
    tlm_utils::simple_initiator_socket<LtChip>* socket = nullptr;
    tlm::tlm_generic_payload gp;
    LtPacketExtension ext;
    std::vector<std::uint32_t> host_dest, one_dest;
    QuantumKeeper qk;
    std::function<void(const ChipSpike&)> spike_cb;

    // Host interface (decisions as hw/chip/host_interface: first spike by v then index, or count).
    int first_step = -1;
    std::vector<std::pair<std::uint32_t, std::int32_t>> first;
    std::vector<std::uint32_t> counts;
    stats::Counter *host_in, *host_out;

    // The frame being run and the controller handshake.
    const encode::SpikeTrain* input = nullptr;
    std::uint64_t frame = 0;
    bool pending = false, finished = false;
    std::exception_ptr error;
    sc_core::sc_event go;
    FrameResult result;
    std::uint64_t total_cycles = 0, syncs = 0, busy_total = 0;
    stats::Counter *c_cycles, *c_steps, *c_barriers;
    stats::Histogram* h_frame_cycles;

    // Packets of one step.
    struct Pkt {
        Cycle enter, send;
        std::uint32_t src, flits, copies, axon, step, order;
        std::int32_t v;
        const std::vector<std::uint32_t>* dests;
        bool to_host;
    };
    std::vector<Pkt> pkts;
    std::vector<Pkt*> host_scratch;  // the host node's packets (when it also holds a PE)

    Impl(const cfg::Config& c, const snn::Network& n, const map::MappedNetwork& m, bool es, std::uint64_t seed)
        : net(n), mapped(m), noc_cfg(noc::NocConfig::from(c)), pe_cfg(pe::PeConfig::from(c)),
          timing(pe::ChipTiming::from(c)), early_stop(es), noise_seed(seed) {}

    Cycle now_cycle() const {
        return ceil_div((sc_core::sc_time_stamp() + qk.get_local_time()).value(), period_ps);
    }

    void run_frame_body();
    Cycle run_step(std::uint32_t s, Cycle u0);
    void update(LtPe& p, std::uint32_t s, Cycle u0);
    void host_inputs(std::uint32_t s, Cycle u0, Cycle& host_done);
    Cycle transport(std::uint32_t s);
    void load_compute(LtPe& p);
    void enter_packet(Pkt&& k);
    // Cycles an NI is busy sending `flits` flits: one per cycle, or fewer when its credits
    // (buffer_depth on each of vcs VCs) cannot cover the injection channel's credit round trip.
    Cycle ni_hold(Cycle flits) const {
        const Cycle credits = Cycle{noc_cfg.buffer_depth} * noc_cfg.vcs;
        return credits >= inj_round_trip ? flits : (flits * inj_round_trip + credits - 1) / credits;
    }
    Cycle inj_round_trip = 4;
};

LtChip::LtChip(sc_core::sc_module_name name, const cfg::Config& config, const snn::Network& net,
               const map::MappedNetwork& mapped, stats::Registry& stats, bool early_stop, std::uint64_t noise_seed)
    : sc_module(name), m_impl(std::make_unique<Impl>(config, net, mapped, early_stop, noise_seed)) {
    Impl& I = *m_impl;
    if (I.pe_cfg.kind != "sram")
        throw ConfigError(config.origin(p_timing.name()).str(), p_timing.name(),
                          "chip.timing: lt models the sram PE kind's timing contract (docs/pe.md); chip.pe.kind is '" +
                              I.pe_cfg.kind + "' (use chip.timing: at)");
    I.qk.quantum = sc_core::sc_time(p_quantum(config), sc_core::SC_NS);
    I.period = sc_core::sc_time(1e6 / I.timing.clock_mhz, sc_core::SC_PS);
    I.period_ps = std::max<std::uint64_t>(1, I.period.value());
    // Stats under the cycle-level chip's names (the parent Chip's path).
    const std::string base = get_parent_object() ? get_parent_object()->name() : this->name();

    // Packet sizes (docs/noc.md packet format), as the cycle-level chip's NIs packetize.
    proto::EndpointFields fields;
    {
        auto bits_for = [](std::uint64_t values) {
            std::uint32_t b = 1;
            while (b < 32 && (std::uint64_t{1} << b) < values) ++b;
            return b;
        };
        // Dense networks: the widest layer or input vector; recurrent layers offset their ids.
        std::uint64_t ids = static_cast<std::uint64_t>(net.inputs);
        for (const auto& l : net.layers) ids = std::max<std::uint64_t>(ids, static_cast<std::uint64_t>(l.out));
        ids = std::max<std::uint64_t>(ids, mapped.axon_id_limit());
        fields.axon_bits = bits_for(ids);
        fields.step_bits = bits_for(static_cast<std::uint64_t>(std::max(net.timesteps, 1)));
        fields.payload_bits = static_cast<std::uint32_t>(net.layers.back().neuron.state_bits);
    }
    const proto::PacketFormat fmt(I.noc_cfg.nodes(), I.noc_cfg.flit_width_bits,
                                  I.noc_cfg.multicast == noc::Multicast::Tree, fields);
    I.flits_spike = fmt.flits(0);
    // The injection channel's credit loop for a stream of packets: 1 + sa + 2 (docs/noc.md) and one
    // cycle more, in which a new packet claims the VC whose credit returned (the NI starts a
    // packet before it sends; calibrated against the cycle-level NI on the congested case of
    // docs/chip.md).
    I.inj_round_trip = noc::kNiChannelLatency + I.noc_cfg.stages().sa + noc::kNiCreditLatency + 1;
    I.flits_output = fmt.flits(1);

    // Chip-level statistics under the cycle-level chip's (fixed) names.
    I.c_cycles = &stats.counter("chip.cycles", "cycles", "chip cycles over all frames (LT: estimated)");
    I.c_steps = &stats.counter("chip.timesteps", "steps", "timesteps simulated over all frames");
    I.h_frame_cycles = &stats.histogram("chip.frame_cycles", "cycles", "cycles per frame (LT: estimated)", 1000, 200);
    stats.add_component("chip.barrier", "barrier", "control",
                        {{"mesh_width", static_cast<double>(I.noc_cfg.width)},
                         {"mesh_height", static_cast<double>(I.noc_cfg.height)}});
    I.c_barriers = &stats.action("chip.barrier", "barrier", "sync", "timestep barriers (done-tree + broadcast)");

    I.noc = std::make_unique<LtNoc>("noc", I.noc_cfg, I.period, stats, base + ".noc");
    I.socket = new tlm_utils::simple_initiator_socket<LtChip>("socket");
    I.socket->bind(I.noc->socket);
    I.gp.set_command(tlm::TLM_WRITE_COMMAND);
    I.gp.set_extension(&I.ext);
    I.host_dest = {mapped.host_node};
    I.one_dest.resize(1);
    I.nis.resize(I.noc_cfg.nodes());
    I.pe_at_node.assign(I.noc_cfg.nodes(), -1);

    const auto& cfg = I.pe_cfg;
    for (std::uint32_t n = 0; n < I.noc_cfg.nodes(); ++n) {
        // Tiles register their refusal counter whether or not they hold a PE (as hw/chip/tile.cpp).
        const std::string tile = base + ".tile_" + std::to_string(n % I.noc_cfg.width) + "_" + std::to_string(n / I.noc_cfg.width);
        auto& refusals = stats.counter(tile + ".eject_refusals", "packets",
                                       "deliveries the PE's input FIFO refused (LT: estimated from the FIFO occupancy)");
        const map::PeImage* img = mapped.pe_at(n);
        if (!img) continue;
        const snn::Layer& layer = net.layers.at(img->layer);
        auto pe = std::make_unique<LtPe>(*img, layer);
        LtPe& p = *pe;
        p.refusals = &refusals;
        const std::string path = tile + ".pe";
        if (img->neurons > cfg.capacity.neurons || img->synapse.size() > cfg.synapse.words ||
            img->axon_base.size() > cfg.axon.words || img->routes.size() > cfg.route.words)
            throw InputError(path + ": the mapped image does not fit this PE's memories (remap for this chip)");
        if (static_cast<std::uint32_t>(layer.delay) + 2 > cfg.capacity.acc_slots)
            throw InputError(path + ": layer '" + layer.name + "' has delay " + std::to_string(layer.delay) + ", which needs " +
                             std::to_string(layer.delay + 2) + " accumulator slots; chip.pe.acc_slots is " +
                             std::to_string(cfg.capacity.acc_slots));
        p.to_host = pe::routes_to_host(mapped, *img);
        p.event_driven = cfg.event_driven_update && pe::rest_is_fixed_point(layer.neuron);
        p.neurons.assign(img->neurons, snn::NeuronState{});
        p.acc.assign(static_cast<std::size_t>(layer.delay) + 2, std::vector<std::int64_t>(img->neurons, 0));
        p.full_words = static_cast<std::uint32_t>(ceil_div(img->neurons, img->weights_per_word));
        for (std::uint32_t k = 0; k < p.full_words; ++k) {
            const std::uint32_t valid = std::min(img->weights_per_word, img->neurons - k * img->weights_per_word);
            p.full_compute += std::max<Cycle>(1, ceil_div(valid, cfg.lanes));
        }
        // The sram kind's memories and actions (hw/pe/sram/sram_pe.cpp), counted, not scheduled.
        const mem::SramConfig st = pe::state_sram_config(cfg), ac = pe::acc_sram_config(cfg);
        const std::string& g = layer.name;
        p.syn = std::make_unique<mem::Sram>(path + ".synapse_sram", cfg.synapse, stats, g);
        p.axon = std::make_unique<mem::Sram>(path + ".axon_sram", cfg.axon, stats, g);
        p.state = std::make_unique<mem::Sram>(path + ".state_sram", st, stats, g);
        p.route = std::make_unique<mem::Sram>(path + ".route_sram", cfg.route, stats, g);
        p.accmem = std::make_unique<mem::Sram>(path + ".acc_sram", ac, stats, g);
        if (p.event_driven) {
            p.touched.assign(p.acc.size(), std::vector<std::uint8_t>(img->neurons, 0));
            p.bits = std::make_unique<mem::Sram>(path + ".activity_bits", pe::activity_bits_sram(cfg), stats, g);
        }
        stats.add_component(path + ".input_fifo", "fifo", g);
        stats.add_component(path + ".word_fifo", "fifo", g);
        stats.add_component(path + ".compute", "adder", g);
        stats.add_component(path + ".neuron_unit", "neuron", g,
                            {{"state_bits", static_cast<double>(layer.neuron.state_bits)}, {"decay_bits", 12.0}});
        p.fifo_push = &stats.action(path + ".input_fifo", "fifo", "push", "spike events written");
        p.fifo_pop = &stats.action(path + ".input_fifo", "fifo", "pop", "spike events read by LOAD");
        p.wfifo_push = &stats.action(path + ".word_fifo", "fifo", "push", "synapse words written (and read once)");
        p.acc_adds = &stats.action(path + ".compute", "adder", "synop", "weights accumulated (one add each)");
        p.updates = &stats.action(path + ".neuron_unit", "neuron", "update", "neuron datapath updates (not for done neurons)");
        p.mults = &stats.action(path + ".neuron_unit", "neuron", "multiply", "decay multiplies executed");
        p.noise = &stats.action(path + ".neuron_unit", "neuron", "noise_draw", "noise words hashed");
        p.spikes = &stats.action(path + ".neuron_unit", "neuron", "spike", "spikes emitted");
        p.events = &stats.counter(path + ".events", "events", "spike events accepted");
        p.synops = &stats.counter(path + ".synops", "operations", "synaptic operations");
        p.words = &stats.counter(path + ".synapse_words", "words", "synapse words processed");
        p.busy = &stats.counter(path + ".busy_cycles", "cycles", "cycles COMPUTE was busy (LT: from the per-event cost)");
        p.inj_stalls = &stats.counter(path + ".injection_stall_cycles", "cycles",
                                      "update-engine cycles lost to a full NI injection queue (LT: estimated)");
        I.pe_at_node[n] = static_cast<int>(I.pes.size());
        I.pes.push_back(std::move(pe));
    }
    const std::string host = base + ".host";
    stats.add_component(host, "host", "host");
    I.host_in = &stats.action(host, "host", "input_spike", "input spike packets written into the NoC");
    I.host_out = &stats.action(host, "host", "output_spike", "output spikes received");
    I.counts.assign(static_cast<std::size_t>(net.outputs()), 0);
    SC_HAS_PROCESS(LtChip);
    SC_THREAD(controller);
}

LtChip::~LtChip() {
    if (m_impl) {
        m_impl->gp.clear_extension(&m_impl->ext);
        delete m_impl->socket;
    }
}

void LtChip::set_spike_callback(std::function<void(const ChipSpike&)> cb) { m_impl->spike_cb = std::move(cb); }

FrameResult LtChip::run_frame(const encode::SpikeTrain& input, std::uint64_t frame_index) {
    Impl& I = *m_impl;
    for (std::size_t k = 1; k < input.size(); ++k)
        if (input[k].step < input[k - 1].step) throw InputError("input spike train is not sorted by step");
    for (const auto& s : input)
        if (s.input >= I.mapped.inputs)
            throw InputError("input spike for input " + std::to_string(s.input) + " beyond the network's " +
                             std::to_string(I.mapped.inputs) + " inputs");
    I.input = &input;
    I.frame = frame_index;
    I.pending = true;
    I.finished = false;
    I.error = nullptr;
    I.go.notify(sc_core::SC_ZERO_TIME);
    while (!I.finished) {
        sc_core::sc_start();
        if (!I.finished && !sc_core::sc_pending_activity())
            throw Error("LT chip: the simulation stopped before frame " + std::to_string(frame_index) + " ended");
    }
    I.input = nullptr;
    if (I.error) std::rethrow_exception(I.error);
    return I.result;
}

void LtChip::controller() {
    Impl& I = *m_impl;
    I.qk.reset();
    for (;;) {
        while (!I.pending) sc_core::wait(I.go);
        I.pending = false;
        try {
            I.run_frame_body();
        } catch (...) {
            I.error = std::current_exception();
        }
        I.finished = true;
        sc_core::sc_pause();
    }
}

void LtChip::Impl::run_frame_body() {
    result = FrameResult{};
    result.spikes_per_layer.assign(net.layers.size(), 0);
    first_step = -1;
    first.clear();
    std::fill(counts.begin(), counts.end(), 0);
    const Cycle F = now_cycle();
    std::uint64_t synops0 = 0;
    // Frame reset: one state-word write per cycle; step 0 starts when the slowest PE is done.
    Cycle u0 = F;
    for (auto& pp : pes) {
        LtPe& p = *pp;
        synops0 += p.synops->value();
        std::fill(p.neurons.begin(), p.neurons.end(), snn::NeuronState{});
        for (auto& a : p.acc) std::fill(a.begin(), a.end(), 0);
        for (auto& t : p.touched) std::fill(t.begin(), t.end(), 0);
        const Cycle r = ceil_div(std::max<std::uint32_t>(p.img.neurons, 1), pe_cfg.update_lanes);
        p.state->count(true, r);
        p.fifo_pops.clear();
        p.busy_until = std::max(p.busy_until, F + r);
        p.load_free = std::max(p.load_free, F + r);
        u0 = std::max(u0, F + r);
    }
    qk.inc(sc_core::sc_time::from_value((u0 - F) * period_ps));
    const std::uint32_t steps = static_cast<std::uint32_t>(net.timesteps);
    for (std::uint32_t s = 0; s < steps; ++s) {
        const Cycle q = run_step(s, u0);
        c_barriers->inc();
        ++result.steps;
        const Cycle next = q + timing.barrier_cycles;
        qk.inc(sc_core::sc_time::from_value((next - u0) * period_ps));
        u0 = next;
        if (qk.need_sync()) {
            qk.sync();
            ++syncs;
        }
        if (early_stop && first_step >= 0 && first_step <= static_cast<int>(s)) break;
    }
    result.start_cycle = F;
    result.cycles = u0 - F;
    result.first_output_step = first_step;
    result.decision = net.decode == snn::Decode::first_spike ? (first.empty() ? -1 : snn::decode_first_spike(first))
                                                              : snn::decode_count(counts);
    result.input_spikes = input->size();
    for (auto& p : pes) result.synops += p->synops->value();
    result.synops -= synops0;
    total_cycles += result.cycles;
    c_cycles->inc(result.cycles);
    c_steps->inc(result.steps);
    h_frame_cycles->add(static_cast<double>(result.cycles));
}

// One timestep from its start u0; returns the barrier cycle q (docs/pe.md, the timestep loop).
Cycle LtChip::Impl::run_step(std::uint32_t s, Cycle u0) {
    pkts.clear();
    for (auto& p : pes) update(*p, s, u0);
    Cycle host_done = u0;
    host_inputs(s, u0, host_done);
    const Cycle last_delivery = transport(s);
    Cycle q = std::max(host_done, last_delivery + 1);
    for (auto& pp : pes) {
        LtPe& p = *pp;
        load_compute(p);
        q = std::max({q, p.done, p.busy_until, p.last_accept + 1});
    }
    return q;
}

// The update engine and STORE of one PE (docs/pe.md, update phase): one group of update_lanes
// neurons decided per cycle from u0 + state_read_latency, a group stalling while the NI's
// injection queue cannot take its spikes; one routing read per spike (route_ports per cycle),
// the packet entering the NI route_read_latency later.
void LtChip::Impl::update(LtPe& p, std::uint32_t s, Cycle u0) {
    const std::uint32_t lanes = pe_cfg.update_lanes, N = p.img.neurons;
    const std::uint32_t Q = noc_cfg.injection_queue_depth, ports = pe_cfg.route.ports_per_bank;
    const std::uint32_t Lr = pe_cfg.route.read_latency_cycles;
    NiState& ni = nis[p.img.node];
    auto& acc = p.acc_for(s);
    const auto& np = p.layer.neuron;
    const std::uint32_t mult_refractory = pe::decay_multiplies(np, true), mult_normal = pe::decay_multiplies(np, false);
    const bool noisy = snn::needs_noise(np);
    const Cycle first = u0 + pe_cfg.state.read_latency_cycles;
    Cycle next_free = first;  // earliest cycle for the next group decision
    Cycle route_cycle = 0, done = first;
    std::uint32_t route_used = 0;
    bool any_route = false;
    std::uint64_t n_updates = 0, n_mults = 0, n_noise = 0, n_spikes = 0, groups = 0, live_groups = 0, lanes_visited = 0;
    std::uint32_t fired_n[64];
    std::int32_t vfire[64];
    std::uint8_t* touched = p.event_driven ? p.touched[s % p.touched.size()].data() : nullptr;
    for (std::uint32_t n0 = 0; n0 < N; n0 += lanes) {
        const std::uint32_t n1 = std::min(N, n0 + lanes);
        Cycle c = next_free;
        if (touched) {
            // Event-driven: only groups with a live neuron are visited, each after its
            // activity-bit word was scanned (one 64-neuron word per cycle).
            bool any = false;
            for (std::uint32_t n = n0; n < n1 && !any; ++n) any = touched[n] || !pe::at_rest(p.neurons[n]);
            if (!any) continue;
            std::fill(touched + n0, touched + n1, 0);
            c = std::max(c, first + n0 / 64);
        }
        next_free = c + 1;
        ++groups;
        lanes_visited += n1 - n0;
        // The group's decisions (in place: a stall only delays the group, its outcome is the same).
        std::uint32_t k = 0;
        bool live = false;
        for (std::uint32_t n = n0; n < n1; ++n) {
            snn::NeuronState& st = p.neurons[n];
            const std::int64_t a = acc[n];
            acc[n] = 0;
            if (st.done) continue;
            live = true;
            ++n_updates;
            const bool refractory = st.refractory > 0;
            n_mults += refractory ? mult_refractory : mult_normal;
            n_noise += noisy && !refractory ? 1 : 0;
            std::int32_t v = 0;
            if (p.dp.update(st, p.img, n, a, noise_seed, frame, s, v)) {
                fired_n[k] = n;
                vfire[k] = v;
                ++k;
            }
        }
        live_groups += live ? 1 : 0;
        if (k == 0) continue;
        // Injection stall: wait until enough queued packets have started to leave.
        const std::size_t occ = ni.occupancy(c);
        if (occ + k > Q) {
            const Cycle c2 = ni.starts[occ + k - Q - 1];
            p.inj_stalls->inc(c2 - c);
            c = c2;
            next_free = c + 1;
            ni.occupancy(c);
        }
        n_spikes += k;
        for (std::uint32_t i = 0; i < k; ++i) {
            const std::uint32_t n = fired_n[i];
            const std::uint32_t gid = p.img.first_neuron + n;
            ++result.spikes_per_layer[p.img.layer];
            if (spike_cb) spike_cb({frame, s, p.img.layer, gid, p.img.node, c});
            // STORE: routing read, route_ports per cycle, in neuron order.
            Cycle issue = std::max(c, route_cycle);
            if (any_route && issue == route_cycle && route_used >= ports) ++issue;
            if (!any_route || issue != route_cycle) route_used = 0;
            route_cycle = issue;
            ++route_used;
            any_route = true;
            const Cycle enter = issue + Lr;
            done = std::max(done, enter + 1);
            const map::Route& r = p.img.routes[n];
            Pkt pk;
            pk.enter = enter;
            pk.src = p.img.node;
            pk.to_host = p.to_host;
            pk.dests = p.to_host ? &host_dest : &mapped.dest_sets[r.dest_set];
            pk.flits = p.to_host ? flits_output : flits_spike;
            pk.axon = r.axon;
            pk.step = s;
            pk.v = vfire[i];
            pk.order = static_cast<std::uint32_t>(pkts.size());
            if (!pk.dests->empty()) enter_packet(std::move(pk));  // an empty set: the NI drops it
        }
    }
    // The step's actions, counted once (the sram kind counts them group by group).
    p.state->count(false, groups);
    p.state->count(true, live_groups);
    p.accmem->count(false, lanes_visited);
    p.accmem->count(true, lanes_visited);
    if (touched) {
        const std::uint32_t words = std::max<std::uint32_t>(1, (N + 63) / 64);
        p.bits->count(false, words);
        p.bits->count(true, groups);
        next_free = std::max(next_free, first + words);
    }
    p.updates->inc(n_updates);
    p.mults->inc(n_mults);
    p.noise->inc(n_noise);
    p.spikes->inc(n_spikes);
    p.route->count(false, n_spikes);
    p.done = std::max(done, next_free);  // the cycle after the last decision (or the scan's end)
}

// A packet enters its NI's injection queue: the NI sends one packet at a time, one flit per cycle
// (source multicast: one copy per destination, back to back), from the cycle after it entered.
void LtChip::Impl::enter_packet(Pkt&& k) {
    NiState& ni = nis[k.src];
    k.copies = noc_cfg.multicast == noc::Multicast::Source ? static_cast<std::uint32_t>(k.dests->size()) : 1;
    k.send = std::max(k.enter + 1, ni.next_send);
    ni.next_send = k.send + ni_hold(k.flits * k.copies);
    const Cycle leaves = k.send + Cycle{k.flits} * (k.copies - 1);
    auto it = std::upper_bound(ni.starts.begin(), ni.starts.end(), leaves);
    ni.starts.insert(it, leaves);
    pkts.push_back(std::move(k));
}

// The host's input spikes of step s: from u0 + 1, host_inject_per_cycle per cycle, into free
// injection slots of the host node's NI.
void LtChip::Impl::host_inputs(std::uint32_t s, Cycle u0, Cycle& host_done) {
    const auto& in = *input;
    auto lo = std::lower_bound(in.begin(), in.end(), s, [](const encode::InputSpike& x, std::uint32_t st) { return x.step < st; });
    NiState& ni = nis[mapped.host_node];
    const std::uint32_t Q = noc_cfg.injection_queue_depth, rate = timing.host_inject_per_cycle;
    Cycle hc = u0 + 1;
    std::uint32_t in_cycle = 0;
    for (auto it = lo; it != in.end() && it->step == s; ++it) {
        if (mapped.dest_sets[mapped.input_set(it->input)].empty()) {  // no synapse reads it: counted, not sent
            host_in->inc();
            continue;
        }
        for (;;) {
            if (in_cycle >= rate) {
                ++hc;
                in_cycle = 0;
                continue;
            }
            const std::size_t occ = ni.occupancy(hc);
            if (occ < Q) break;
            hc = std::max(hc + 1, ni.starts[occ - Q]);
            in_cycle = 0;
        }
        ++in_cycle;
        host_in->inc();
        Pkt k;
        k.enter = hc;
        k.src = mapped.host_node;
        k.to_host = false;
        k.dests = &mapped.dest_sets[mapped.input_set(it->input)];
        k.flits = flits_spike;
        k.axon = it->input;
        k.step = s;
        k.v = 0;
        k.order = static_cast<std::uint32_t>(pkts.size());
        enter_packet(std::move(k));
        host_done = hc + 1;
    }
}

// Every packet of the step through the LT NoC (b_transport with the send cycle as annotated
// delay), in send order; deliveries go to the receiving PEs' arrival lists or to the host.
// Returns the cycle of the last delivery.
Cycle LtChip::Impl::transport(std::uint32_t s) {
    (void)s;
    // A node with both the host and a PE: its NI sends in the order packets entered its queue.
    if (pe_at_node[mapped.host_node] >= 0) {
        auto& at_host = host_scratch;
        at_host.clear();
        for (auto& k : pkts)
            if (k.src == mapped.host_node) at_host.push_back(&k);
        std::stable_sort(at_host.begin(), at_host.end(), [](const Pkt* a, const Pkt* b) { return a->enter < b->enter; });
        Cycle next = 0;
        for (Pkt* k : at_host) {
            k->send = std::max(k->enter + 1, next);
            next = k->send + ni_hold(k->flits * k->copies);
        }
    }
    std::sort(pkts.begin(), pkts.end(),
              [](const Pkt& a, const Pkt& b) { return a.send != b.send ? a.send < b.send : a.order < b.order; });
    const sc_core::sc_time base = sc_core::sc_time_stamp();
    Cycle last = 0;
    std::uint32_t seq = 0;
    for (const Pkt& k : pkts) {
        for (std::uint32_t c = 0; c < k.copies; ++c) {
            ext.src = k.src;
            ext.flits = k.flits;
            ext.inject = c == 0;
            if (k.copies > 1) {
                one_dest[0] = (*k.dests)[c];
                ext.dests = &one_dest;
            } else {
                ext.dests = k.dests;
            }
            const Cycle send = k.send + Cycle{c} * k.flits;
            sc_core::sc_time delay = sc_core::sc_time::from_value(send * period_ps) - base;
            gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
            (*socket)->b_transport(gp, delay);
            if (gp.get_response_status() != tlm::TLM_OK_RESPONSE)
                throw Error("LT chip: the NoC refused a packet from node " + std::to_string(k.src));
            for (const auto& d : ext.deliveries) {
                last = std::max(last, d.at);
                if (k.to_host) {
                    if (k.axon >= counts.size())
                        throw Error("LT chip: output spike from neuron " + std::to_string(k.axon) + " beyond the outputs");
                    host_out->inc();
                    ++counts[k.axon];
                    if (first_step < 0 || static_cast<int>(k.step) < first_step) {
                        first_step = static_cast<int>(k.step);
                        first.clear();
                    }
                    if (static_cast<int>(k.step) == first_step) first.emplace_back(k.axon, k.v);
                    continue;
                }
                const int pi = pe_at_node[d.node];
                if (pi < 0) throw Error("LT chip: a spike reached node " + std::to_string(d.node) + ", which holds no PE");
                // The node's network interface makes the axon id table-relative (docs/mapping.md).
                auto& pe = *pes[static_cast<std::size_t>(pi)];
                if (k.axon < pe.img.axon_first)
                    throw Error("LT chip: spike for axon " + std::to_string(k.axon) + " below the axon table of node " +
                                std::to_string(d.node) + " (first entry " + std::to_string(pe.img.axon_first) + ")");
                pe.arrivals.push_back({d.at, k.axon - pe.img.axon_first, k.step, seq++});
            }
        }
    }
    return last;
}

// LOAD / COMPUTE of the step's events at one PE, in arrival order, with the per-event costs of
// docs/pe.md: an event is accepted when the input FIFO has a slot (else, as the cycle-level tile,
// two cycles later at the earliest), LOAD pops it in max(arrival + 1, LOAD free), reads its axon
// entry (La) and issues its W words at load_words_per_cycle; COMPUTE starts with the first word
// (+ Ls) when free and takes sum_k ceil(valid_k / lanes) cycles; the word FIFO lets LOAD run at
// most word_fifo_depth words ahead of COMPUTE. The weights are accumulated by the sram kind's
// datapath (accumulate_word).
void LtChip::Impl::load_compute(LtPe& p) {
    auto& a = p.arrivals;
    if (a.empty()) return;
    std::sort(a.begin(), a.end(), [](const LtPe::Arrival& x, const LtPe::Arrival& y) {
        return x.at != y.at ? x.at < y.at : x.seq < y.seq;
    });
    const Cycle La = pe_cfg.axon.read_latency_cycles, Ls = pe_cfg.synapse.read_latency_cycles;
    const std::uint32_t D = pe_cfg.input_fifo_depth, depth = pe_cfg.word_fifo_depth, lwpc = pe_cfg.load_words_per_cycle;
    const std::uint32_t wpw = p.img.weights_per_word, N = p.img.neurons;
    std::uint64_t n_words = 0, n_syn = 0, n_busy = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto& e = a[i];
        if (i + 1 < a.size() && a[i + 1].axon < p.img.axon_base.size()) {
            // The next event's synapse row is fetched while this one is accumulated.
            const std::uint64_t* row = p.img.synapse.data() + p.img.axon_base[a[i + 1].axon];
            __builtin_prefetch(row);
            __builtin_prefetch(row + 8);
        }
        if (e.axon >= p.img.axon_base.size())
            throw Error("LT chip: spike event for axon " + std::to_string(e.axon) + " beyond the axon table");
        Cycle at = std::max(e.at, p.last_accept);
        while (!p.fifo_pops.empty() && p.fifo_pops.front() < at) p.fifo_pops.pop_front();
        if (p.fifo_pops.size() >= D) {
            const Cycle freed = p.fifo_pops[p.fifo_pops.size() - D] + 1;
            at = std::max(at + 2, freed);
            p.refusals->inc();
            while (!p.fifo_pops.empty() && p.fifo_pops.front() < at) p.fifo_pops.pop_front();
        }
        p.last_accept = at;
        const Cycle pop = std::max(at + 1, p.load_free);
        p.fifo_pops.push_back(pop);
        const std::uint32_t base = p.img.axon_base[e.axon], W = p.img.axon_words[e.axon];
        Cycle dsum = 0;
        std::uint32_t syn = 0;
        if (W == p.full_words) {
            dsum = p.full_compute;
            syn = N;
        } else {
            for (std::uint32_t k = 0; k < W; ++k) {
                const std::uint32_t valid = std::min(wpw, N - std::min(N, k * wpw));
                dsum += std::max<Cycle>(1, ceil_div(valid, pe_cfg.lanes));
                syn += valid;
            }
        }
        Cycle load_end = pop + La;
        if (W > 0) {
            load_end += ceil_div(W, lwpc);
            const Cycle start = std::max(pop + La + Ls, p.compute_free);
            p.compute_free = start + dsum;
            if (W > depth) {
                // LOAD issues word W-1 only after COMPUTE took word W-1-depth.
                const Cycle dbar = ceil_div(dsum, W);
                if (p.compute_free + 2 > (depth + 1) * dbar) load_end = std::max(load_end, p.compute_free + 2 - (depth + 1) * dbar);
            }
        }
        p.load_free = load_end;
        p.busy_until = std::max({p.busy_until, p.compute_free, p.load_free});
        // The event's arithmetic and actions.
        const std::uint32_t deliver = e.emit_step + 1 + static_cast<std::uint32_t>(p.layer.delay);
        auto& acc = p.acc_for(deliver);
        for (std::uint32_t k = 0; k < W; ++k) {
            const std::uint32_t first_n = k * wpw;
            const std::uint32_t valid = std::min(wpw, N - std::min(N, first_n));
            pe::accumulate_word(acc.data() + first_n, p.img.synapse[base + k], valid, p.img.weight_bits);
        }
        if (p.event_driven) {
            auto& t = p.touched[deliver % p.touched.size()];
            std::fill_n(t.begin(), std::min<std::size_t>(t.size(), std::size_t{W} * wpw), 1);
        }
        n_words += W;
        n_syn += syn;
        n_busy += dsum;
    }
    // The step's actions, counted once (the sram kind counts them event by event).
    const std::uint64_t n_events = a.size();
    p.events->inc(n_events);
    p.fifo_push->inc(n_events);
    p.fifo_pop->inc(n_events);
    p.axon->count(false, n_events);
    p.syn->count(false, n_words);
    if (p.event_driven) p.bits->count(true, n_words);
    p.wfifo_push->inc(n_words);
    p.words->inc(n_words);
    p.synops->inc(n_syn);
    p.acc_adds->inc(n_syn);
    p.accmem->count(false, n_syn);
    p.accmem->count(true, n_syn);
    p.busy->inc(n_busy);
    busy_total += n_busy;
    a.clear();
}

double LtChip::clock_mhz() const { return m_impl->timing.clock_mhz; }
std::uint64_t LtChip::now_cycle() const { return m_impl->now_cycle(); }
std::uint64_t LtChip::total_cycles() const { return m_impl->total_cycles; }
report::NocTotals LtChip::noc_totals() const { return m_impl->noc->totals(); }
double LtChip::pe_busy_fraction() const {
    const auto& I = *m_impl;
    if (I.pes.empty() || I.total_cycles == 0) return 0;
    double sum = 0;
    for (const auto& p : I.pes) sum += static_cast<double>(p->busy->value()) / static_cast<double>(I.total_cycles);
    return sum / static_cast<double>(I.pes.size());
}
std::uint64_t LtChip::pe_busy_cycles(std::uint32_t node) const {
    const auto& I = *m_impl;
    if (node >= I.pe_at_node.size() || I.pe_at_node[node] < 0) return 0;
    return I.pes[static_cast<std::size_t>(I.pe_at_node[node])]->busy->value();
}
std::uint64_t LtChip::syncs() const { return m_impl->syncs; }

}  // namespace spiketlm::chip::lt
