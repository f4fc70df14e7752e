#include "hw/pe/sram/sram_pe.h"

#include <algorithm>

#include "hw/sim/trace_sink.h"
#include "hw/pe/spike_out.h"
#include "hw/pe/sram/datapath.h"
#include "sw/common/error.h"
#include "sw/map/mapper.h"
#include "sw/snn/network.h"
#include "sw/stats/stats.h"

namespace spiketlm::pe {

namespace {
Cycle ceil_div(Cycle a, Cycle b) { return (a + b - 1) / b; }

const bool registered = PeRegistry::add(
    "sram", "SRAM PE: LOAD/COMPUTE/STORE pipeline with purpose-split SRAMs (docs/pe.md)",
    [](const PeContext& c) -> std::unique_ptr<ProcessingElement> { return std::make_unique<SramPe>(c); });
}  // namespace

SramPe::SramPe(const PeContext& ctx)
    : m_path(ctx.path),
      m_cfg(ctx.config),
      m_mapped(ctx.mapped),
      m_image(ctx.image),
      m_layer(ctx.layer),
      m_noise_seed(ctx.noise_seed),
      m_env(ctx.env),
      m_syn(m_path + ".synapse_sram", m_cfg.synapse, ctx.stats, ctx.layer.name),
      m_axon(m_path + ".axon_sram", m_cfg.axon, ctx.stats, ctx.layer.name),
      m_state(m_path + ".state_sram", state_sram_config(m_cfg), ctx.stats, ctx.layer.name),
      m_route(m_path + ".route_sram", m_cfg.route, ctx.stats, ctx.layer.name),
      m_accmem(m_path + ".acc_sram", acc_sram_config(m_cfg), ctx.stats, ctx.layer.name),
      m_neurons(ctx.image.neurons),
      m_acc(static_cast<std::size_t>(ctx.layer.delay) + 2, std::vector<std::int64_t>(ctx.image.neurons, 0)),
      m_word_pops(m_cfg.word_fifo_depth, 0),
      m_dp(ctx.layer),
      m_next(m_cfg.update_lanes) {
    // COMPUTE cycles of a word with `valid` weights (a table: no division per word).
    m_compute_cycles.resize(65);
    for (std::uint32_t v = 0; v <= 64; ++v) m_compute_cycles[v] = std::max<Cycle>(1, ceil_div(v, m_cfg.lanes));
    const auto& image = m_image;
    const auto& cfg = m_cfg;
    if (image.neurons > cfg.capacity.neurons || image.synapse.size() > cfg.synapse.words ||
        image.axon_base.size() > cfg.axon.words || image.routes.size() > cfg.route.words)
        throw InputError(m_path + ": the mapped image does not fit this PE's memories (remap for this chip)");
    if (image.weights_per_word * image.weight_bits > cfg.synapse.width_bits)
        throw InputError(m_path + ": packed weights are wider than the synapse SRAM word");
    if (static_cast<std::uint32_t>(m_layer.delay) + 2 > cfg.capacity.acc_slots)
        throw InputError(m_path + ": layer '" + m_layer.name + "' has delay " + std::to_string(m_layer.delay) +
                         ", which needs " + std::to_string(m_layer.delay + 2) + " accumulator slots; chip.pe.acc_slots is " +
                         std::to_string(cfg.capacity.acc_slots));
    m_to_host = routes_to_host(m_mapped, m_image);
    m_event_driven = cfg.event_driven_update && rest_is_fixed_point(m_layer.neuron);
    if (m_event_driven) {
        m_touched.assign(m_acc.size(), std::vector<std::uint8_t>(image.neurons, 0));
        m_bits = std::make_unique<mem::Sram>(m_path + ".activity_bits", activity_bits_sram(cfg), ctx.stats, ctx.layer.name);
    }

    m_c.emplace(ctx.stats, m_path, m_layer);
}

std::uint32_t SramPe::node() const { return m_image.node; }
std::uint64_t SramPe::synops() const { return m_c->synops->value(); }
std::uint64_t SramPe::busy_cycles() const { return m_c->busy_cycles->value(); }

std::uint32_t SramPe::frame_reset_cycles() const {
    return static_cast<std::uint32_t>(ceil_div(std::max<std::uint32_t>(m_image.neurons, 1), m_cfg.update_lanes));
}

void SramPe::frame_reset(std::uint64_t frame, Cycle now) {
    if (m_updating || !m_store.empty())
        throw Error(m_path + ": frame reset while a timestep is still running");
    m_frame = frame;
    m_update_step = 0;
    m_trace = m_env.trace_sink();
    std::fill(m_neurons.begin(), m_neurons.end(), snn::NeuronState{});
    for (auto& a : m_acc) std::fill(a.begin(), a.end(), 0);
    for (auto& t : m_touched) std::fill(t.begin(), t.end(), 0);
    // Reset: one state-word write per cycle (update_lanes neurons each), cycles now .. now + R - 1.
    const std::uint32_t r = frame_reset_cycles();
    for (std::uint32_t w = 0; w < r; ++w) m_state.access(now + w, w, true);
    if (m_trace)
        m_trace->pe_interval(m_image.node, sim::TraceSink::PeStage::reset, now, now + r, static_cast<std::uint32_t>(frame));
    m_fifo_pops.clear();
    m_busy_until = std::max(m_busy_until, now + r);
    m_load_free = std::max(m_load_free, now + r);
    m_env.request_tick(m_busy_until - 1);
}

std::vector<std::int64_t>& SramPe::acc_for(std::uint32_t step) { return m_acc[step % m_acc.size()]; }

bool SramPe::in_ready(Cycle now) {
    while (!m_fifo_pops.empty() && m_fifo_pops.front() < now) m_fifo_pops.pop_front();
    const bool ok = m_fifo_pops.size() < m_cfg.input_fifo_depth;
    if (!ok) {
        // Tick in the cycle before a slot frees, so the tile sees the ready signal rise.
        const Cycle f = next_slot_free(now);
        if (f != kNever) {
            const Cycle w = std::max(f - 1, now + 1);
            m_ready_wake = m_ready_wake > now ? std::min(m_ready_wake, w) : w;
            m_env.request_tick(m_ready_wake);
        }
    }
    return ok;
}

Cycle SramPe::next_slot_free(Cycle now) const {
    // Occupancy in cycle c: scheduled events not popped before c.
    const std::size_t allowed = m_cfg.input_fifo_depth - 1;  // events that may remain
    std::size_t live = 0;
    for (Cycle p : m_fifo_pops) live += p > now ? 1 : 0;  // still occupying in cycle now + 1
    if (live <= allowed) return now + 1;
    // The (live - allowed)-th pop after `now` must have happened.
    std::size_t need = live - allowed, seen = 0;
    for (Cycle p : m_fifo_pops)
        if (p > now && ++seen == need) return p + 1;
    return kNever;
}

void SramPe::in_push(Cycle now, std::uint32_t axon, std::uint32_t emit_step) {
    if (axon >= m_image.axon_base.size())
        throw Error(m_path + ": spike event for axon " + std::to_string(axon) + " beyond the axon table (" +
                    std::to_string(m_image.axon_base.size()) + " entries)");
    m_c->events->inc();
    m_c->fifo_push->inc();
    schedule(Event{now, axon, emit_step});
    m_env.request_tick(m_busy_until - 1);  // >= now + 1: LOAD pops no earlier than now + 1
}

void SramPe::schedule(const Event& e) {
    const Cycle pop = std::max({e.arrive + 1, m_load_free});
    m_fifo_pops.push_back(pop);
    m_c->fifo_pop->inc();
    const Cycle axon_ready = m_axon.access(pop, e.axon, false);
    const std::uint32_t base = m_image.axon_base[e.axon];
    const std::uint32_t words = m_image.axon_words[e.axon];
    const std::uint32_t deliver = e.emit_step + 1 + static_cast<std::uint32_t>(m_layer.delay);
    if (deliver <= m_update_step)
        throw Error(m_path + ": spike event for step " + std::to_string(deliver) + " arrived after that step's update");
    auto& acc = acc_for(deliver);
    const std::uint32_t wpw = m_image.weights_per_word;
    const std::uint32_t depth = m_cfg.word_fifo_depth;
    const std::uint32_t lat = m_cfg.synapse.read_latency_cycles;
    Cycle cand = axon_ready;
    Cycle last_issue = pop;
    for (std::uint32_t k = 0; k < words; ++k) {
        // Word FIFO credit: the word `depth` positions earlier must have been popped by COMPUTE.
        if (m_words_seen >= depth) cand = std::max(cand, m_word_pops[m_word_pos] + 1);
        if (cand < m_issue_cycle) cand = m_issue_cycle;
        if (cand == m_issue_cycle && m_issued_in_cycle >= m_cfg.load_words_per_cycle) ++cand;
        const Cycle ready = m_syn.access(cand, base + k, false);
        const Cycle issue = ready - lat;
        if (issue == m_issue_cycle) {
            ++m_issued_in_cycle;
        } else {
            m_issue_cycle = issue;
            m_issued_in_cycle = 1;
        }
        last_issue = issue;
        cand = issue;
        // COMPUTE: in order, ceil(valid lanes / lanes) cycles per word.
        const std::uint32_t first = k * wpw;
        const std::uint32_t valid = std::min(wpw, m_image.neurons - std::min(m_image.neurons, first));
        const Cycle start = std::max(ready, m_compute_free);
        const Cycle dur = m_compute_cycles[valid];
        m_compute_free = start + dur;
        m_word_pops[m_word_pos] = start;
        if (++m_word_pos == depth) m_word_pos = 0;
        ++m_words_seen;
        m_c->busy_cycles->inc(dur);
        accumulate_word(acc.data() + first, m_image.synapse[base + k], valid, m_image.weight_bits);
        if (m_event_driven) {
            // COMPUTE sets the word's lanes' activity bits (one bit-word write).
            std::fill_n(m_touched[deliver % m_touched.size()].begin() + first, valid, 1);
            m_bits->count(true, 1);
        }
        m_c->synops->inc(valid);
        m_c->acc_adds->inc(valid);
        m_accmem.count(false, valid);  // read-modify-write of each accumulator
        m_accmem.count(true, valid);
        m_c->wfifo_push->inc();
        m_c->words->inc();
        if (m_trace) m_trace->pe_interval(m_image.node, sim::TraceSink::PeStage::compute, start, start + dur, k);
    }
    m_load_free = words ? last_issue + 1 : axon_ready;
    if (m_trace) {
        m_trace->pe_interval(m_image.node, sim::TraceSink::PeStage::fifo_slot, e.arrive, pop + 1, e.axon);
        m_trace->pe_interval(m_image.node, sim::TraceSink::PeStage::load, pop, m_load_free, e.axon);
    }
    m_busy_until = std::max({m_busy_until, m_compute_free, m_load_free});
}

void SramPe::step_start(std::uint32_t step, Cycle now) {
    if (m_updating) throw Error(m_path + ": timestep " + std::to_string(step) + " started during an update");
    m_updating = true;
    m_update_step = step;
    m_next_neuron = 0;
    m_update_begin = now;
    m_cur_acc = &acc_for(step);
    if (m_event_driven) {
        // The engine scans the activity bits, one 64-neuron word per cycle alongside the
        // state-read pipeline, and visits only the groups with a live neuron.
        const std::uint32_t words = std::max<std::uint32_t>(1, (m_image.neurons + 63) / 64);
        m_scan_end = now + m_cfg.state.read_latency_cycles + words;
        m_bits->count(false, words);
        seek_live_group(now + m_cfg.state.read_latency_cycles);
        m_env.request_tick(m_update_at);
        return;
    }
    // The state-read pipeline fills before the first group is decided.
    m_update_at = now + m_cfg.state.read_latency_cycles;
    m_env.request_tick(m_update_at);
}

void SramPe::seek_live_group(Cycle earliest) {
    const auto& touched = m_touched[m_update_step % m_touched.size()];
    const std::uint32_t lanes = m_cfg.update_lanes, N = m_image.neurons;
    for (std::uint32_t n0 = m_next_neuron; n0 < N; n0 += lanes) {
        const std::uint32_t n1 = std::min(N, n0 + lanes);
        for (std::uint32_t n = n0; n < n1; ++n)
            if (touched[n] || !at_rest(m_neurons[n])) {
                m_next_neuron = n0;
                // Its activity-bit word is read in cycle begin + state_read_latency + n0 / 64.
                m_update_at = std::max(earliest, m_update_begin + m_cfg.state.read_latency_cycles + n0 / 64);
                return;
            }
    }
    m_next_neuron = N;
    m_update_at = m_scan_end - 1;  // the tick that ends the update (the scan's last cycle)
}

void SramPe::finish_update(Cycle now) {
    m_updating = false;
    m_update_at = kNever;
    if (m_trace)
        m_trace->pe_interval(m_image.node, sim::TraceSink::PeStage::update, m_update_begin, now + 1, m_update_step);
}

void SramPe::update_group(Cycle now) {
    if (m_next_neuron >= m_image.neurons) return finish_update(now);  // event-driven: scan over
    const std::uint32_t n0 = m_next_neuron;
    const std::uint32_t n1 = std::min(m_image.neurons, n0 + m_cfg.update_lanes);
    auto& acc = *m_cur_acc;
    // Decide the group on copies: it proceeds only if the NI can take all of its spikes.
    snn::NeuronState* next = m_next.data();
    std::int32_t vfire[64];
    bool fired[64];
    std::uint32_t k = 0;
    for (std::uint32_t n = n0; n < n1; ++n) {
        const std::uint32_t j = n - n0;
        next[j] = m_neurons[n];
        fired[j] = false;
        if (next[j].done) continue;
        fired[j] = m_dp.update(next[j], m_image, n, acc[n], m_noise_seed, m_frame, m_update_step, vfire[j]);
        k += fired[j] ? 1 : 0;
    }
    if (k > m_env.out_credits()) {
        m_c->inj_stalls->inc();
        m_update_at = now + 1;
        return;
    }
    m_env.out_reserve(k);
    m_state.access(now, n0 / m_cfg.update_lanes, false);
    bool wrote = false;
    for (std::uint32_t n = n0; n < n1; ++n) {
        const std::uint32_t j = n - n0;
        const snn::NeuronState before = m_neurons[n];
        m_neurons[n] = next[j];
        acc[n] = 0;
        m_accmem.count(false, 1);  // read for the update, cleared for a later step
        m_accmem.count(true, 1);
        if (before.done) continue;
        wrote = true;
        m_c->updates->inc();
        const bool refractory = before.refractory > 0;
        m_c->mults->inc(decay_multiplies(m_layer.neuron, refractory));
        if (snn::needs_noise(m_layer.neuron) && !refractory) m_c->noise->inc();
        if (!fired[j]) continue;
        m_c->spikes->inc();
        const std::uint32_t gid = m_image.first_neuron + n;
        // STORE: one routing-table read per spike, in neuron order; the packet enters the NI
        // when the read data arrives.
        const Cycle ready = m_route.access(std::max(now, m_route_next), n, false);
        m_route_next = ready - m_cfg.route.read_latency_cycles;
        m_store.push_back({ready, spike_packet(m_mapped, m_image, m_layer, n, m_update_step, vfire[j], m_to_host)});
        m_env.spike({m_image.layer, gid, m_update_step, vfire[j], now});
    }
    if (wrote) m_state.access(now, n0 / m_cfg.update_lanes, true);
    m_next_neuron = n1;
    if (m_event_driven) {
        // The group's activity bits: its slot's bits cleared, its rest bits rewritten.
        auto& touched = m_touched[m_update_step % m_touched.size()];
        std::fill(touched.begin() + n0, touched.begin() + n1, 0);
        m_bits->count(true, 1);
        seek_live_group(now + 1);
        if (m_next_neuron < m_image.neurons || m_update_at > now) return;
        return finish_update(now);
    }
    if (m_next_neuron < m_image.neurons) {
        m_update_at = now + 1;
        return;
    }
    finish_update(now);
}

void SramPe::tick(Cycle now) {
    while (!m_store.empty() && m_store.front().ready <= now) {
        m_env.out_push(std::move(m_store.front().packet));
        m_store.pop_front();
    }
    if (m_updating && now >= m_update_at) update_group(now);
    if (m_ready_wake <= now) m_ready_wake = kNever;
    want_tick(now);
}

void SramPe::want_tick(Cycle now) {
    Cycle next = kNever;
    if (!m_store.empty()) next = std::min(next, std::max(m_store.front().ready, now + 1));
    if (m_updating) next = std::min(next, std::max(m_update_at, now + 1));
    if (m_busy_until > now + 1) next = std::min(next, m_busy_until - 1);  // done rises after that tick
    if (m_ready_wake != kNever) next = std::min(next, std::max(m_ready_wake, now + 1));
    if (next != kNever) m_env.request_tick(next);
}

bool SramPe::done(Cycle now) const {
    return !m_updating && m_store.empty() && m_busy_until <= now;
}

}  // namespace spiketlm::pe
