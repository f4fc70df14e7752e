#include "hw/pe/pe.h"

#include <algorithm>

#include "sw/common/error.h"
#include "sw/stats/stats.h"

namespace spiketlm::pe {

namespace {
Cycle ceil_div(Cycle a, Cycle b) { return (a + b - 1) / b; }

mem::SramConfig state_sram(const PeConfig& c) {
    // One state word holds the update_lanes neurons the engine handles in one cycle.
    mem::SramConfig s = c.state;
    s.words = static_cast<std::uint32_t>(ceil_div(c.capacity.neurons, c.update_lanes));
    s.width_bits = c.state.width_bits * c.update_lanes;
    return s;
}
}  // namespace

Pe::Pe(std::string path, const PeConfig& cfg, const map::MappedNetwork& mapped, const map::PeImage& image,
       const snn::Layer& layer, std::uint64_t noise_seed, stats::Registry& stats, Port port)
    : m_path(std::move(path)),
      m_cfg(cfg),
      m_mapped(mapped),
      m_image(image),
      m_layer(layer),
      m_noise_seed(noise_seed),
      m_port(std::move(port)),
      m_syn(m_path + ".synapse_sram", cfg.synapse, stats, layer.name),
      m_axon(m_path + ".axon_sram", cfg.axon, stats, layer.name),
      m_state(m_path + ".state_sram", state_sram(cfg), stats, layer.name),
      m_route(m_path + ".route_sram", cfg.route, stats, layer.name),
      m_neurons(image.neurons),
      m_acc(static_cast<std::size_t>(layer.delay) + 2, std::vector<std::int64_t>(image.neurons, 0)),
      m_word_pops(cfg.word_fifo_depth, 0) {
    if (image.neurons > cfg.capacity.neurons || image.synapse.size() > cfg.synapse.words ||
        image.axon_base.size() > cfg.axon.words || image.routes.size() > cfg.route.words)
        throw InputError(m_path + ": the mapped image does not fit this PE's memories (remap for this chip)");
    if (image.weights_per_word * image.weight_bits > cfg.synapse.width_bits)
        throw InputError(m_path + ": packed weights are wider than the synapse SRAM word");
    m_to_host = false;
    for (auto id : mapped.output_set_ids)
        if (!image.routes.empty() && image.routes.front().dest_set == id) m_to_host = true;

    const std::string& g = layer.name;
    stats.add_component(m_path + ".input_fifo", "fifo", g);
    stats.add_component(m_path + ".word_fifo", "fifo", g);
    stats.add_component(m_path + ".compute", "adder", g);
    stats.add_component(m_path + ".neuron_unit", "neuron", g);
    stats.add_component(m_path + ".spike_buffer", "fifo", g);
    m_spike_push = &stats.action(m_path + ".spike_buffer", "fifo", "push", "spike packets written by the update engine");
    m_spike_pop = &stats.action(m_path + ".spike_buffer", "fifo", "pop", "spike packets read into the NI");
    m_fifo_push = &stats.action(m_path + ".input_fifo", "fifo", "push", "spike events written");
    m_fifo_pop = &stats.action(m_path + ".input_fifo", "fifo", "pop", "spike events read by LOAD");
    m_wfifo_push = &stats.action(m_path + ".word_fifo", "fifo", "push", "synapse words written (and read once)");
    m_acc_adds = &stats.action(m_path + ".compute", "adder", "synop", "weights accumulated (one add each)");
    m_updates = &stats.action(m_path + ".neuron_unit", "neuron", "update", "neuron datapath updates");
    m_spikes = &stats.action(m_path + ".neuron_unit", "neuron", "spike", "spikes emitted (routing + packet build)");
    m_events = &stats.counter(m_path + ".events", "events", "spike events accepted");
    m_refusals = &stats.counter(m_path + ".fifo_full_refusals", "events", "deliveries refused because the input FIFO was full");
    m_synops = &stats.counter(m_path + ".synops", "operations", "synaptic operations");
    m_words = &stats.counter(m_path + ".synapse_words", "words", "synapse words processed");
}

std::uint32_t Pe::frame_reset_cycles() const {
    return static_cast<std::uint32_t>(ceil_div(std::max<std::uint32_t>(m_image.neurons, 1), m_cfg.update_lanes));
}

void Pe::begin_frame(std::uint64_t frame, Cycle now) {
    m_frame = frame;
    m_update_step = 0;
    std::fill(m_neurons.begin(), m_neurons.end(), snn::NeuronState{});
    for (auto& a : m_acc) std::fill(a.begin(), a.end(), 0);
    // Reset: one state-word write per cycle (update_lanes neurons each).
    for (std::uint32_t w = 0; w < frame_reset_cycles(); ++w) m_state.access(now + w, w, true);
    m_pending.clear();
    m_fifo_pops.clear();
}

std::vector<std::int64_t>& Pe::acc_for(std::uint32_t step) { return m_acc[step % m_acc.size()]; }

bool Pe::can_accept(Cycle now) {
    while (!m_fifo_pops.empty() && m_fifo_pops.front() < now) m_fifo_pops.pop_front();
    const bool ok = m_fifo_pops.size() + m_pending.size() < m_cfg.input_fifo_depth;
    if (!ok) m_refusals->inc();
    return ok;
}

Cycle Pe::next_slot_free(Cycle now) const {
    // Occupancy in cycle c: waiting events + scheduled events not popped before c.
    const std::size_t depth = m_cfg.input_fifo_depth;
    if (m_pending.size() >= depth) return proto::kNever;  // a slot frees only after the update
    const std::size_t allowed = depth - 1 - m_pending.size();  // scheduled events that may remain
    std::size_t live = 0;
    for (Cycle p : m_fifo_pops) live += p > now ? 1 : 0;  // still occupying in cycle now + 1
    if (live <= allowed) return now + 1;
    // The (live - allowed)-th pop after `now` must have happened.
    std::size_t need = live - allowed, seen = 0;
    for (Cycle p : m_fifo_pops)
        if (p > now && ++seen == need) return p + 1;
    return proto::kNever;
}

void Pe::accept(Cycle now, std::uint32_t axon, std::uint32_t emit_step) {
    if (axon >= m_image.axon_base.size())
        throw Error(m_path + ": spike event for axon " + std::to_string(axon) + " beyond the axon table (" +
                    std::to_string(m_image.axon_base.size()) + " entries)");
    m_events->inc();
    m_fifo_push->inc();
    const Event e{now, axon, emit_step};
    if (m_updating)
        m_pending.push_back(e);
    else
        schedule(e);
}

void Pe::schedule(const Event& e) {
    const Cycle pop = std::max({e.arrive + 1, m_load_free, m_update_end});
    m_fifo_pops.push_back(pop);
    m_fifo_pop->inc();
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
        if (m_words_seen >= depth) cand = std::max(cand, m_word_pops[m_words_seen % depth] + 1);
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
        const Cycle dur = std::max<Cycle>(1, ceil_div(valid, m_cfg.lanes));
        m_compute_free = start + dur;
        m_word_pops[m_words_seen % depth] = start;
        ++m_words_seen;
        m_busy_cycles += dur;
        const std::uint64_t word = m_image.synapse[base + k];
        for (std::uint32_t j = 0; j < valid; ++j)
            acc[first + j] += map::unpack_weight(word, j, m_image.weight_bits);
        m_synops->inc(valid);
        m_acc_adds->inc(valid);
        m_wfifo_push->inc();
        m_words->inc();
    }
    m_load_free = words ? last_issue + 1 : axon_ready;
    m_busy_until = std::max({m_busy_until, m_compute_free, m_load_free});
}

Cycle Pe::begin_update(std::uint32_t step, Cycle now) {
    m_updating = true;
    m_update_step = step;
    m_next_neuron = 0;
    // The state-read pipeline fills before the first group is decided.
    return now + m_cfg.state.read_latency_cycles;
}

Cycle Pe::update(Cycle now) {
    if (!m_updating) return proto::kNever;
    const std::uint32_t n0 = m_next_neuron;
    const std::uint32_t n1 = std::min(m_image.neurons, n0 + m_cfg.update_lanes);
    auto& acc = acc_for(m_update_step);
    m_state.access(now, n0 / m_cfg.update_lanes, false);
    bool wrote = false;
    for (std::uint32_t n = n0; n < n1; ++n) {
        if (!m_neurons[n].done) {
            m_updates->inc();
            wrote = true;
        }
        const std::uint32_t gid = m_image.first_neuron + n;
        const std::uint32_t noise = snn::needs_noise(m_layer.neuron)
                                        ? snn::noise_word(m_noise_seed, m_image.layer, gid, m_frame, m_update_step)
                                        : 0;
        std::int32_t vfire = 0;
        const bool fired = snn::update_neuron(m_neurons[n], m_layer.neuron, acc[n], noise, vfire);
        acc[n] = 0;
        if (!fired) continue;
        m_spikes->inc();
        const map::Route& r = m_image.routes[n];
        m_route.access(now, n, false);
        proto::SpikePacket p;
        p.src = m_image.node;
        p.src_neuron = r.axon;
        p.timestep = m_update_step;
        const auto& set = m_mapped.dest_sets[r.dest_set];
        if (set.size() == 1)
            p.dst = set[0];
        else
            p.dests = set;
        p.tag = m_to_host ? kSpikeToHost : kSpikeToPe;
        if (m_to_host) p.payload.push_back(static_cast<std::uint32_t>(vfire));
        m_out.push_back(std::move(p));
        m_spike_push->inc();
        if (m_port.on_spike) m_port.on_spike({m_image.layer, gid, m_update_step, vfire, now});
    }
    if (wrote) m_state.access(now, n0 / m_cfg.update_lanes, true);
    m_next_neuron = n1;
    if (m_next_neuron < m_image.neurons) return now + 1;
    // Update complete: LOAD may start on the events that waited.
    m_updating = false;
    m_update_end = now + 1;
    m_busy_until = std::max(m_busy_until, m_update_end);
    std::vector<Event> pending;
    pending.swap(m_pending);
    for (const auto& e : pending) schedule(e);
    return proto::kNever;
}

std::uint64_t Pe::synops() const { return m_synops->value(); }

proto::SpikePacket Pe::pop_packet() {
    proto::SpikePacket p = std::move(m_out.front());
    m_out.pop_front();
    m_spike_pop->inc();
    return p;
}

bool Pe::quiet(Cycle now) const {
    return !m_updating && m_pending.empty() && m_out.empty() && m_busy_until <= now;
}

}  // namespace spiketlm::pe
