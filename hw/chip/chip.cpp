#include "hw/chip/chip.h"

#include <algorithm>
#include <sstream>

#include "hw/chip/host_interface.h"
#include "hw/chip/lt/lt_chip.h"
#include "hw/noc/mesh.h"
#include "hw/noc/noc_config.h"
#include "hw/chip/tile.h"
#include "hw/pe/pe_if.h"
#include "hw/pe/pe_config.h"
#include "hw/sim/cycle_scheduler.h"
#include "hw/sim/trace_sink.h"
#include "sw/cfg/config.h"
#include "sw/common/error.h"
#include "sw/map/mapper.h"
#include "sw/snn/network.h"
#include "sw/stats/stats.h"

namespace spiketlm::chip {

using proto::kNever;

// The timestep controller and everything the chip owns.
struct Chip::Impl final : public sim::Clocked {
    // resetting: frame reset running, step 0 starts when every PE is done;
    // running: a timestep is running, the barrier closes when the chip is done;
    // barrier: the done-tree and broadcast, the next step starts when it ends.
    enum class State { idle, resetting, running, barrier, done };

    noc::NocConfig noc_cfg;
    pe::PeConfig pe_cfg;
    pe::ChipTiming timing;
    const snn::Network& net;
    const map::MappedNetwork& mapped;
    bool early_stop;
    std::unique_ptr<sim::CycleScheduler> sched;
    std::unique_ptr<noc::Mesh> mesh;
    std::vector<std::unique_ptr<Tile>> tiles;
    std::vector<pe::ProcessingElement*> pes;
    std::unique_ptr<HostInterface> host;
    std::function<void(const ChipSpike&)> spike_cb;
    sim::TraceSink* trace = nullptr;

    State state = State::idle;
    std::uint32_t step = 0;
    std::uint64_t frame = 0;
    Cycle frame_start = 0, frame_end = 0;
    Cycle last_delivery = 0;  // cycle of the latest delivery (any node)
    FrameResult result;
    std::uint64_t total_cycles = 0;
    stats::Counter* c_cycles = nullptr;
    stats::Counter* c_steps = nullptr;
    stats::Counter* c_barriers = nullptr;
    stats::Histogram* h_frame_cycles = nullptr;

    Impl(const cfg::Config& c, const snn::Network& n, const map::MappedNetwork& m, bool es)
        : noc_cfg(noc::NocConfig::from(c)), pe_cfg(pe::PeConfig::from(c)), timing(pe::ChipTiming::from(c)), net(n),
          mapped(m), early_stop(es) {}

    // The output layer's membrane value from its payload word (fields.payload_bits, two's complement).
    std::uint32_t payload_bits = 32;
    std::int32_t payload_to_v(std::uint32_t w) const {
        if (payload_bits >= 32) return static_cast<std::int32_t>(w);
        const std::uint32_t sign = 1u << (payload_bits - 1);
        w &= (1u << payload_bits) - 1;
        return static_cast<std::int32_t>((w ^ sign)) - static_cast<std::int32_t>(sign);
    }

    // Something may have finished in cycle `now`: look at the done-tree in the next cycle.
    void poke(Cycle now) {
        if (state == State::resetting || state == State::running) wake(now + 1);
    }

    // The done-tree in cycle `now` (docs/pe.md, barrier): the host has written the step's
    // inputs, every packet was delivered in an earlier cycle, and every PE is done.
    bool chip_done(Cycle now) const {
        if (!host->done_injecting()) return false;
        if (!mesh->quiescent() || last_delivery >= now) return false;
        for (const auto* p : pes)
            if (!p->done(now)) return false;
        return true;
    }

    void start_step(Cycle now) {
        for (auto* p : pes) p->step_start(step, now);
        host->begin_step(step);
        tiles[mapped.host_node]->start_host(now);
        state = State::running;
        if (trace) trace->step_start(step, now);
    }

    // Frame start and end, shared by run_frame and platform mode (start_frame).
    void begin(const encode::SpikeTrain& input, std::uint64_t frame_index) {
        for (std::size_t k = 1; k < input.size(); ++k)
            if (input[k].step < input[k - 1].step) throw InputError("input spike train is not sorted by step");
        for (const auto& s : input)
            if (s.input >= mapped.inputs)
                throw InputError("input spike for input " + std::to_string(s.input) + " beyond the network's " +
                                 std::to_string(mapped.inputs) + " inputs");
        result = FrameResult{};
        result.spikes_per_layer.assign(net.layers.size(), 0);
        frame = frame_index;
        step = 0;
        const Cycle start = sched->now();
        frame_start = start;
        synops0 = 0;
        mesh->reset_arbiters();  // every frame from the same NoC state (frame-parallel runs)
        host->begin_frame(&input);
        if (trace) trace->frame_begin(frame_index, start);
        state = State::resetting;
        for (auto* p : pes) {
            synops0 += p->synops();
            p->frame_reset(frame_index, start);  // each PE is done when its reset writes are
        }
    }

    FrameResult finish(const encode::SpikeTrain& input) {
        if (trace) trace->frame_end(frame, frame_end);
        FrameResult r = result;
        r.start_cycle = frame_start;
        r.cycles = frame_end - frame_start;
        r.first_output_step = host->first_output_step();
        r.decision = net.decode == snn::Decode::first_spike ? host->decide_first_spike() : host->decide_count();
        r.input_spikes = input.size();  // encoded (as the reference counts them); injected: host.input_spike
        for (auto* p : pes) r.synops += p->synops();
        r.synops -= synops0;
        total_cycles += r.cycles;
        c_cycles->inc(r.cycles);
        c_steps->inc(r.steps);
        h_frame_cycles->add(static_cast<double>(r.cycles));
        state = State::idle;
        return r;
    }

    std::uint64_t synops0 = 0;
    // Platform mode: the frame's input and who hears of its end (null: run_frame drives the clock).
    const encode::SpikeTrain* platform_input = nullptr;
    std::function<void(const FrameResult&)> on_frame_done;

    void evaluate(Cycle now) override {
        switch (state) {
            case State::resetting:
                if (chip_done(now)) start_step(now);
                break;
            case State::barrier:
                start_step(now);
                break;
            case State::running: {
                if (!chip_done(now)) break;  // PEs, deliveries and the host poke us
                c_barriers->inc();
                const Cycle next = now + timing.barrier_cycles;
                if (trace) trace->barrier(step, now, next);
                ++result.steps;
                const bool last = step + 1 >= static_cast<std::uint32_t>(net.timesteps);
                if (last || (early_stop && host->output_in_step(step))) {
                    frame_end = next;
                    state = State::done;
                    if (on_frame_done) wake(next);  // platform mode: report at the barrier's end
                    break;
                }
                ++step;
                state = State::barrier;
                wake(next);
                break;
            }
            case State::done:
                if (on_frame_done && now >= frame_end) {
                    auto done = std::move(on_frame_done);
                    on_frame_done = nullptr;
                    const FrameResult r = finish(*platform_input);
                    platform_input = nullptr;
                    done(r);
                }
                break;
            default:
                break;
        }
    }
};

Chip::Chip(sc_core::sc_module_name name, const cfg::Config& config, const snn::Network& net,
           const map::MappedNetwork& mapped, stats::Registry& stats, bool early_stop, std::uint64_t noise_seed)
    : sc_module(name), m_impl(std::make_unique<Impl>(config, net, mapped, early_stop)) {
    Impl& I = *m_impl;
    if (early_stop && net.decode != snn::Decode::first_spike)
        throw InputError("early stop needs first-spike decoding; the model decodes by spike count");
    if (mapped.mesh_width != I.noc_cfg.width || mapped.mesh_height != I.noc_cfg.height)
        throw InputError("the mapped network is for a " + std::to_string(mapped.mesh_width) + "x" +
                         std::to_string(mapped.mesh_height) + " mesh, the chip has " + std::to_string(I.noc_cfg.width) +
                         "x" + std::to_string(I.noc_cfg.height) + " (remap for this chip)");
    if (I.timing.barrier_cycles < 1) throw InputError("chip.barrier_cycles must be at least 1");
    if (I.noc_cfg.injection_queue_depth < I.pe_cfg.update_lanes)
        throw InputError("chip.noc.injection_queue_depth (" + std::to_string(I.noc_cfg.injection_queue_depth) +
                         ") must be at least chip.pe.update_lanes (" + std::to_string(I.pe_cfg.update_lanes) +
                         "): an update group claims an injection slot for each of its spikes at once");
    if (lt::enabled(config)) {  // the loosely-timed chip (docs/chip.md): same spikes, estimated cycles
        m_lt = std::make_unique<lt::LtChip>("lt", config, net, mapped, stats, early_stop, noise_seed);
        return;
    }
    const sc_core::sc_time period(1e6 / I.timing.clock_mhz, sc_core::SC_PS);
    I.sched = std::make_unique<sim::CycleScheduler>("clock", period);
    // The packet format's endpoint fields (docs/noc.md): axon ids up to the widest layer or input
    // vector, the timestep, and the output layer's membrane value as the payload word.
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
        I.payload_bits = fields.payload_bits;
    }
    I.mesh = std::make_unique<noc::Mesh>("noc", I.noc_cfg, *I.sched, stats, fields);
    I.sched->attach(I);
    I.c_cycles = &stats.counter("chip.cycles", "cycles", "chip cycles over all frames");
    I.c_steps = &stats.counter("chip.timesteps", "steps", "timesteps simulated over all frames");
    I.h_frame_cycles = &stats.histogram("chip.frame_cycles", "cycles", "cycles per frame", 1000, 200);
    stats.add_component("chip.barrier", "barrier", "control",
                        {{"mesh_width", static_cast<double>(I.noc_cfg.width)},
                         {"mesh_height", static_cast<double>(I.noc_cfg.height)}});
    I.c_barriers = &stats.action("chip.barrier", "barrier", "sync", "timestep barriers (done-tree + broadcast)");

    for (std::uint32_t n = 0; n < I.noc_cfg.nodes(); ++n) {
        const std::string tname = "tile_" + std::to_string(n % I.noc_cfg.width) + "_" + std::to_string(n / I.noc_cfg.width);
        I.tiles.push_back(std::make_unique<Tile>(tname.c_str(), I.mesh->ni(n), stats));
        I.sched->attach(*I.tiles.back());
    }
    auto& imp = I;
    for (const auto& img : mapped.pes) {
        Tile& t = *I.tiles.at(img.node);
        const std::uint32_t node = img.node;
        t.on_spike = [&imp, node](const pe::EmittedSpike& s) {
            ++imp.result.spikes_per_layer.at(s.layer);
            if (imp.spike_cb) imp.spike_cb({imp.frame, s.step, s.layer, s.neuron, node, s.cycle});
        };
        t.on_done = [&imp](Cycle now) { imp.poke(now); };
        const pe::PeContext ctx{std::string(t.name()) + ".pe", I.pe_cfg, mapped, img, net.layers.at(img.layer),
                                noise_seed, stats, t};
        t.set_pe(pe::PeRegistry::create(I.pe_cfg.kind, ctx), img.axon_first);
        I.pes.push_back(t.pe());
    }
    {
        Tile& t = *I.tiles.at(mapped.host_node);
        noc::NetworkInterface& ni = I.mesh->ni(mapped.host_node);
        HostInterface::Port port;
        port.space = [&t] { return std::size_t{t.out_credits()}; };
        port.send = [&ni](proto::SpikePacket&& p) {
            if (!ni.inject(std::move(p))) throw Error("host injected into a full NI queue (model bug)");
        };
        I.host = std::make_unique<HostInterface>(std::string(this->name()) + ".host", mapped,
                                                 static_cast<std::uint32_t>(net.outputs()),
                                                 I.timing.host_inject_per_cycle, stats, std::move(port));
        t.set_host(I.host.get());
    }
    for (std::uint32_t n = 0; n < I.noc_cfg.nodes(); ++n) {
        Tile* t = I.tiles[n].get();
        I.mesh->ni(n).set_eject_handler([&imp, t](const noc::Delivery& d) {
            const auto& p = d.packet;
            if (p.kind == proto::PacketKind::OutputSpike) {
                if (!t->host()) throw Error("an output spike reached a node without the host interface");
                if (p.payload.empty()) throw Error("an output spike arrived without its membrane value");
                imp.host->deliver(p.timestep, p.src_neuron, imp.payload_to_v(p.payload[0]));
            } else {
                if (!t->pe()) throw Error("a spike reached node " + std::to_string(d.node) + ", which holds no PE");
                if (!t->deliver_to_pe(d.now, p.src_neuron, p.timestep)) return false;
            }
            imp.last_delivery = d.now;
            if (imp.trace)
                imp.trace->packet(p.src, d.node, d.injected, d.now, d.hops, d.flits,
                                  p.kind == proto::PacketKind::OutputSpike);
            imp.poke(d.now);
            return true;
        });
    }
}

Chip::~Chip() = default;

void Chip::set_spike_callback(std::function<void(const ChipSpike&)> cb) {
    if (m_lt) return m_lt->set_spike_callback(std::move(cb));
    m_impl->spike_cb = std::move(cb);
}

void Chip::set_trace_sink(sim::TraceSink* sink) {
    if (m_lt) {
        if (sink) throw InputError("activity traces (trace.vcd, trace.perfetto) need the cycle-level chip (chip.timing: at)");
        return;
    }
    Impl& I = *m_impl;
    if (I.state != Impl::State::idle) throw Error("Chip::set_trace_sink: only between frames");
    I.trace = sink;
    for (std::uint32_t n = 0; n < I.noc_cfg.nodes(); ++n) {
        I.tiles[n]->set_trace_sink(sink);
        I.mesh->ni(n).set_trace_sink(sink);
    I.mesh->set_trace_sink(sink);
    }
}

FrameResult Chip::run_frame(const encode::SpikeTrain& input, std::uint64_t frame_index) {
    if (m_lt) return m_lt->run_frame(input, frame_index);
    Impl& I = *m_impl;
    I.begin(input, frame_index);
    I.sched->run_while_busy(kNever);
    if (I.state != Impl::State::done) {
        std::ostringstream os;
        os << "chip stalled in frame " << frame_index << " step " << I.step << " at cycle " << I.sched->now()
           << " (nothing left to do, the timestep never completed)\n"
           << I.mesh->dump_state(I.sched->now());
        throw Error(os.str());
    }
    // Let the clock reach the end of the last barrier so the next frame starts after it.
    if (I.sched->now() < I.frame_end) I.sched->run_until(I.frame_end);
    return I.finish(input);
}

void Chip::start_frame(const encode::SpikeTrain& input, std::uint64_t frame_index,
                       std::function<void(const FrameResult&)> on_done) {
    if (m_lt) throw InputError("platform mode (hw/chip/tlm) needs the cycle-level chip (chip.timing: at)");
    Impl& I = *m_impl;
    if (I.state != Impl::State::idle) throw Error("Chip::start_frame: a frame is running");
    I.sched->set_free_running();
    I.begin(input, frame_index);
    I.platform_input = &input;
    I.on_frame_done = std::move(on_done);
}

bool Chip::frame_running() const { return !m_lt && m_impl->state != Impl::State::idle; }

const pe::ProcessingElement* Chip::pe_at(std::uint32_t node) const {
    const Impl& I = *m_impl;
    if (m_lt) return nullptr;  // the LT chip has no PE objects
    return node < I.tiles.size() ? I.tiles[node]->pe() : nullptr;
}

double Chip::clock_mhz() const { return m_impl->timing.clock_mhz; }
std::uint64_t Chip::total_cycles() const { return m_lt ? m_lt->total_cycles() : m_impl->total_cycles; }
report::NocTotals Chip::noc_totals() const { return m_lt ? m_lt->noc_totals() : m_impl->mesh->totals(); }
double Chip::pe_busy_fraction() const {
    if (m_lt) return m_lt->pe_busy_fraction();
    const auto& I = *m_impl;
    if (I.pes.empty() || I.total_cycles == 0) return 0;
    double sum = 0;
    for (const auto* p : I.pes) sum += static_cast<double>(p->busy_cycles()) / static_cast<double>(I.total_cycles);
    return sum / static_cast<double>(I.pes.size());
}
std::uint64_t Chip::pe_busy_cycles(std::uint32_t node) const {
    if (m_lt) return m_lt->pe_busy_cycles(node);
    const pe::ProcessingElement* p = pe_at(node);
    return p ? p->busy_cycles() : 0;
}
std::uint64_t Chip::now_cycle() const { return m_lt ? m_lt->now_cycle() : m_impl->sched->now(); }
std::uint64_t Chip::scheduler_evaluations() const { return m_lt ? m_lt->syncs() : m_impl->sched->evaluations(); }

}  // namespace spiketlm::chip
