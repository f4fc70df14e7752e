#include "hw/pe/update_engine.h"

#include <algorithm>

#include "hw/pe/spike_out.h"
#include "sw/common/error.h"
#include "sw/stats/stats.h"

namespace spiketlm::pe {

UpdateEngine::UpdateEngine(const PeContext& ctx, const PeConfig& cfg, mem::Sram& state, mem::Sram& route)
    : m_path(ctx.path),
      m_cfg(cfg),
      m_mapped(ctx.mapped),
      m_image(ctx.image),
      m_layer(ctx.layer),
      m_noise_seed(ctx.noise_seed),
      m_env(ctx.env),
      m_state(state),
      m_route(route),
      m_to_host(routes_to_host(ctx.mapped, ctx.image)),
      m_neurons(ctx.image.neurons) {}

void UpdateEngine::frame_reset(std::uint64_t frame) {
    if (m_updating || !m_store.empty()) throw Error(m_path + ": frame reset while a timestep is still running");
    m_frame = frame;
    m_step = 0;
    std::fill(m_neurons.begin(), m_neurons.end(), snn::NeuronState{});
}

void UpdateEngine::start(std::uint32_t step, Cycle first_decision, std::int64_t* currents) {
    if (m_updating) throw Error(m_path + ": timestep " + std::to_string(step) + " started during an update");
    m_updating = true;
    m_step = step;
    m_next_neuron = 0;
    m_currents = currents;
    m_update_at = first_decision;
    m_env.request_tick(m_update_at);
}

std::uint32_t UpdateEngine::tick(Cycle now) {
    while (!m_store.empty() && m_store.front().ready <= now) {
        m_env.out_push(std::move(m_store.front().packet));
        m_store.pop_front();
    }
    return m_updating && now >= m_update_at ? update_group(now) : 0;
}

Cycle UpdateEngine::next_tick(Cycle now) const {
    Cycle next = kNever;
    if (!m_store.empty()) next = std::min(next, std::max(m_store.front().ready, now + 1));
    if (m_updating) next = std::min(next, std::max(m_update_at, now + 1));
    return next;
}

std::uint32_t UpdateEngine::update_group(Cycle now) {
    const std::uint32_t n0 = m_next_neuron;
    const std::uint32_t n1 = std::min(m_image.neurons, n0 + m_cfg.update_lanes);
    std::int64_t* acc = m_currents;
    // Decide the group on copies: it proceeds only if the NI can take all of its spikes.
    snn::NeuronState next[64];
    std::int32_t vfire[64];
    bool fired[64];
    std::uint32_t k = 0;
    for (std::uint32_t n = n0; n < n1; ++n) {
        const std::uint32_t j = n - n0;
        next[j] = m_neurons[n];
        fired[j] = false;
        if (next[j].done) continue;
        const std::uint32_t gid = m_image.first_neuron + n;
        const std::uint32_t noise = snn::needs_noise(m_layer.neuron)
                                        ? snn::noise_word(m_noise_seed, m_image.layer, gid, m_frame, m_step)
                                        : 0;
        vfire[j] = 0;
        fired[j] = snn::update_neuron(next[j], m_layer.neuron, acc[n], noise, vfire[j]);
        k += fired[j] ? 1 : 0;
    }
    if (k > m_env.out_credits()) {
        m_c.inj_stalls->inc();
        m_update_at = now + 1;
        return 0;
    }
    m_env.out_reserve(k);
    m_state.access(now, n0 / m_cfg.update_lanes, false);
    bool wrote = false;
    for (std::uint32_t n = n0; n < n1; ++n) {
        const std::uint32_t j = n - n0;
        const snn::NeuronState before = m_neurons[n];
        m_neurons[n] = next[j];
        acc[n] = 0;
        if (before.done) continue;
        wrote = true;
        m_c.updates->inc();
        const bool refractory = before.refractory > 0;
        m_c.mults->inc(decay_multiplies(m_layer.neuron, refractory));
        if (snn::needs_noise(m_layer.neuron) && !refractory) m_c.noise->inc();
        if (!fired[j]) continue;
        m_c.spikes->inc();
        const std::uint32_t gid = m_image.first_neuron + n;
        // STORE: one routing-table read per spike, in neuron order; the packet enters the NI
        // when the read data arrives.
        const Cycle ready = m_route.access(std::max(now, m_route_next), n, false);
        m_route_next = ready - m_cfg.route.read_latency_cycles;
        m_store.push_back({ready, spike_packet(m_mapped, m_image, m_layer, n, m_step, vfire[j], m_to_host)});
        m_env.spike({m_image.layer, gid, m_step, vfire[j], now});
    }
    if (wrote) m_state.access(now, n0 / m_cfg.update_lanes, true);
    m_next_neuron = n1;
    if (m_next_neuron < m_image.neurons) {
        m_update_at = now + 1;
        return n1 - n0;
    }
    m_updating = false;
    m_update_at = kNever;
    return n1 - n0;
}

}  // namespace spiketlm::pe
