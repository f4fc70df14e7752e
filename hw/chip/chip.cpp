#include "hw/chip/chip.h"

#include <algorithm>
#include <sstream>

#include "hw/chip/host_interface.h"
#include "hw/noc/mesh.h"
#include "hw/noc/noc_config.h"
#include "hw/pe/pe.h"
#include "hw/pe/pe_config.h"
#include "hw/sim/cycle_scheduler.h"
#include "sw/cfg/config.h"
#include "sw/common/error.h"
#include "sw/map/mapper.h"
#include "sw/snn/network.h"
#include "sw/stats/stats.h"

namespace spiketlm::chip {

using proto::kNever;

namespace {

// One mesh node's endpoint: its NI, its PE (if the mapper placed one here) and, at the host
// node, the host interface. Work happens in the commit phase, after the NI's evaluate of the
// same cycle (so the injection-queue space it sees is well defined).
class Tile final : public sc_core::sc_module, public sim::Clocked {
  public:
    Tile(sc_core::sc_module_name name, noc::NetworkInterface& ni) : sc_module(name), m_ni(ni) { use_commit(); }

    void evaluate(Cycle) override {}
    void commit(Cycle now) override {
        Cycle next = kNever;
        if (pe && pe->updating() && now >= m_update_at) {
            m_update_at = pe->update(now);
            if (m_update_at == kNever && on_update_done) on_update_done(now);
        }
        if (pe && pe->updating()) next = std::min(next, std::max(m_update_at, now + 1));
        // The spike buffer drains first, one packet per cycle; the host writes after it.
        if (pe && pe->has_packet()) {
            if (m_ni.can_inject()) {
                if (!m_ni.inject(pe->pop_packet())) throw Error("NI refused a packet it had room for (model bug)");
            }
            if (pe->has_packet()) next = std::min(next, now + 1);
            if (!pe->has_packet() && on_drained) on_drained(now);
        }
        if (host) next = std::min(next, host->inject(now));
        if (m_refused && pe) {
            const Cycle free = pe->next_slot_free(now);
            if (free != kNever && free <= now + 1) {
                m_refused = false;
                m_ni.resume_ejection();
            } else if (free != kNever) {
                next = std::min(next, free - 1);
            }
        }
        if (next != kNever) wake(next);
    }

    void start_update(std::uint32_t step, Cycle now) {
        m_update_at = pe->begin_update(step, now);
        wake(m_update_at);
    }
    void start_host(Cycle now) { wake(now + 1); }
    void refused(Cycle now) {
        m_refused = true;
        wake(now + 1);
    }

    pe::Pe* pe = nullptr;
    HostInterface* host = nullptr;
    std::function<void(Cycle)> on_update_done;
    std::function<void(Cycle)> on_drained;

  private:
    noc::NetworkInterface& m_ni;
    Cycle m_update_at = kNever;
    bool m_refused = false;
};

}  // namespace

// The timestep controller and everything the chip owns.
struct Chip::Impl final : public sim::Clocked {
    enum class State { idle, start_step, running, done };

    noc::NocConfig noc_cfg;
    pe::PeConfig pe_cfg;
    pe::ChipTiming timing;
    const snn::Network& net;
    const map::MappedNetwork& mapped;
    bool early_stop;
    std::unique_ptr<sim::CycleScheduler> sched;
    std::unique_ptr<noc::Mesh> mesh;
    std::vector<std::unique_ptr<Tile>> tiles;
    std::vector<std::unique_ptr<pe::Pe>> pes;
    std::unique_ptr<HostInterface> host;
    std::function<void(const ChipSpike&)> spike_cb;

    State state = State::idle;
    std::uint32_t step = 0;
    std::uint64_t frame = 0;
    Cycle frame_start = 0, frame_end = 0, step_at = 0;
    FrameResult result;
    std::uint64_t total_cycles = 0;
    NocSummary noc;
    stats::Counter* c_cycles = nullptr;
    stats::Counter* c_steps = nullptr;
    stats::Counter* c_barriers = nullptr;
    stats::Histogram* h_frame_cycles = nullptr;

    Impl(const cfg::Config& c, const snn::Network& n, const map::MappedNetwork& m, bool es)
        : noc_cfg(noc::NocConfig::from(c)), pe_cfg(pe::PeConfig::from(c)), timing(pe::ChipTiming::from(c)), net(n),
          mapped(m), early_stop(es) {}

    void poke(Cycle now) {
        if (state == State::running) wake(now + 1);
    }

    bool all_quiet(Cycle now, Cycle& retry) const {
        retry = kNever;
        if (!host->done_injecting()) return false;
        bool quiet = true;
        for (const auto& p : pes) {
            if (p->quiet(now)) continue;
            quiet = false;
            if (!p->updating() && p->busy_until() > now) retry = std::min(retry, p->busy_until());
        }
        if (!mesh->quiescent()) return false;
        return quiet;
    }

    void evaluate(Cycle now) override {
        switch (state) {
            case State::start_step: {
                step_at = now;
                for (std::size_t k = 0; k < tiles.size(); ++k)
                    if (tiles[k]->pe) tiles[k]->start_update(step, now);
                host->begin_step(step);
                tiles[mapped.host_node]->start_host(now);
                state = State::running;
                wake(now + 1);
                break;
            }
            case State::running: {
                Cycle retry;
                if (!all_quiet(now, retry)) {
                    // Deliveries, update ends and host progress poke us; PE pipelines we revisit.
                    if (retry != kNever) wake(retry);
                    break;
                }
                c_barriers->inc();
                const Cycle next = now + timing.barrier_cycles;
                ++result.steps;
                const bool last = step + 1 >= static_cast<std::uint32_t>(net.timesteps);
                if (last || (early_stop && host->output_in_step(step))) {
                    frame_end = next;
                    state = State::done;
                    break;
                }
                ++step;
                state = State::start_step;
                wake(next);
                break;
            }
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
    const sc_core::sc_time period(1e6 / I.timing.clock_mhz, sc_core::SC_PS);
    I.sched = std::make_unique<sim::CycleScheduler>("clock", period);
    I.mesh = std::make_unique<noc::Mesh>("noc", I.noc_cfg, *I.sched, stats);
    I.sched->attach(I);
    I.c_cycles = &stats.counter("chip.cycles", "cycles", "chip cycles over all frames");
    I.c_steps = &stats.counter("chip.timesteps", "steps", "timesteps simulated over all frames");
    I.h_frame_cycles = &stats.histogram("chip.frame_cycles", "cycles", "cycles per frame", 1000, 200);
    stats.add_component("chip.barrier", "barrier", "control");
    I.c_barriers = &stats.action("chip.barrier", "barrier", "sync", "timestep barriers (done-tree + broadcast)");

    for (std::uint32_t n = 0; n < I.noc_cfg.nodes(); ++n) {
        const std::string tname = "tile_" + std::to_string(n % I.noc_cfg.width) + "_" + std::to_string(n / I.noc_cfg.width);
        I.tiles.push_back(std::make_unique<Tile>(tname.c_str(), I.mesh->ni(n)));
        I.sched->attach(*I.tiles.back());
    }
    auto& imp = I;
    for (const auto& img : mapped.pes) {
        Tile& t = *I.tiles.at(img.node);
        pe::Pe::Port port;
        const std::uint32_t node = img.node;
        port.on_spike = [&imp, node](const pe::EmittedSpike& s) {
            ++imp.result.spikes_per_layer.at(s.layer);
            if (imp.spike_cb) imp.spike_cb({imp.frame, s.step, s.layer, s.neuron, node, s.cycle});
        };
        const std::string path = std::string(this->name()) + "." + t.name() + ".pe";
        I.pes.push_back(std::make_unique<pe::Pe>(path, I.pe_cfg, mapped, img, net.layers.at(img.layer), noise_seed,
                                                 stats, std::move(port)));
        t.pe = I.pes.back().get();
        t.on_update_done = [&imp](Cycle now) { imp.poke(now); };
        t.on_drained = [&imp](Cycle now) { imp.poke(now); };
    }
    {
        Tile& t = *I.tiles.at(mapped.host_node);
        noc::NetworkInterface& ni = I.mesh->ni(mapped.host_node);
        HostInterface::Port port;
        port.space = [&ni] { return ni.injection_space(); };
        port.send = [&ni](proto::SpikePacket&& p) {
            if (!ni.inject(std::move(p))) throw Error("host injected into a full NI queue (model bug)");
        };
        I.host = std::make_unique<HostInterface>(std::string(this->name()) + ".host", mapped,
                                                 static_cast<std::uint32_t>(net.outputs()),
                                                 I.timing.host_inject_per_cycle, stats, std::move(port));
        t.host = I.host.get();
    }
    for (std::uint32_t n = 0; n < I.noc_cfg.nodes(); ++n) {
        Tile* t = I.tiles[n].get();
        I.mesh->ni(n).set_eject_handler([&imp, t](const noc::Delivery& d) {
            const auto& p = d.packet;
            if (p.tag == pe::kSpikeToHost) {
                if (!t->host) throw Error("an output spike reached a node without the host interface");
                imp.host->deliver(p.timestep, p.src_neuron, p.payload.empty() ? 0 : static_cast<std::int32_t>(p.payload[0]));
            } else {
                if (!t->pe) throw Error("a spike reached node " + std::to_string(d.node) + ", which holds no PE");
                if (!t->pe->can_accept(d.now)) {
                    t->refused(d.now);
                    return false;
                }
                t->pe->accept(d.now, p.src_neuron, p.timestep);
            }
            ++imp.noc.deliveries;
            imp.noc.hops_sum += d.hops;
            imp.noc.latency_sum_cycles += d.now - d.injected;
            imp.poke(d.now);
            return true;
        });
    }
}

Chip::~Chip() = default;

void Chip::set_spike_callback(std::function<void(const ChipSpike&)> cb) { m_impl->spike_cb = std::move(cb); }

FrameResult Chip::run_frame(const encode::SpikeTrain& input, std::uint64_t frame_index) {
    Impl& I = *m_impl;
    for (std::size_t k = 1; k < input.size(); ++k)
        if (input[k].step < input[k - 1].step) throw InputError("input spike train is not sorted by step");
    for (const auto& s : input)
        if (s.input >= I.mapped.inputs)
            throw InputError("input spike for input " + std::to_string(s.input) + " beyond the network's " +
                             std::to_string(I.mapped.inputs) + " inputs");
    I.result = FrameResult{};
    I.result.spikes_per_layer.assign(I.net.layers.size(), 0);
    I.frame = frame_index;
    I.step = 0;
    Cycle start = I.sched->now();
    I.frame_start = start;
    Cycle reset = 1;
    std::uint64_t synops0 = 0;
    for (auto& p : I.pes) {
        synops0 += p->synops();
        p->begin_frame(frame_index, start);
        reset = std::max<Cycle>(reset, p->frame_reset_cycles());
    }
    I.host->begin_frame(&input);
    I.state = Impl::State::start_step;
    I.wake(start + reset);
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
    FrameResult r = I.result;
    r.cycles = I.frame_end - I.frame_start;
    r.first_output_step = I.host->first_output_step();
    r.decision = I.net.decode == snn::Decode::first_spike ? I.host->decide_first_spike() : I.host->decide_count();
    r.input_spikes = input.size();  // encoded (as the reference counts them); injected: host.input_spike
    for (auto& p : I.pes) r.synops += p->synops();
    r.synops -= synops0;
    I.total_cycles += r.cycles;
    I.c_cycles->inc(r.cycles);
    I.c_steps->inc(r.steps);
    I.h_frame_cycles->add(static_cast<double>(r.cycles));
    I.state = Impl::State::idle;
    return r;
}

double Chip::clock_mhz() const { return m_impl->timing.clock_mhz; }
std::uint64_t Chip::total_cycles() const { return m_impl->total_cycles; }
NocSummary Chip::noc_summary() const {
    NocSummary s = m_impl->noc;
    s.flit_hops = m_impl->mesh->link_flits();
    for (std::uint32_t n = 0; n < m_impl->noc_cfg.nodes(); ++n) s.packets += m_impl->mesh->ni(n).packets_injected();
    return s;
}
double Chip::pe_busy_fraction() const {
    const auto& I = *m_impl;
    if (I.pes.empty() || I.total_cycles == 0) return 0;
    double sum = 0;
    for (const auto& p : I.pes) sum += static_cast<double>(p->busy_cycles()) / static_cast<double>(I.total_cycles);
    return sum / static_cast<double>(I.pes.size());
}
std::uint64_t Chip::scheduler_evaluations() const { return m_impl->sched->evaluations(); }

}  // namespace spiketlm::chip
