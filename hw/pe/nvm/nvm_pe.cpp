#include "hw/pe/nvm/nvm_pe.h"

#include <algorithm>

#include "hw/pe/spike_out.h"
#include "sw/common/error.h"
#include "sw/map/mapper.h"
#include "sw/nvm/nvm_config.h"
#include "sw/snn/network.h"
#include "sw/stats/stats.h"

namespace spiketlm::pe {

namespace {
Cycle ceil_div(Cycle a, Cycle b) { return (a + b - 1) / b; }

const bool registered = PeRegistry::add(
    "nvm", "NVM crossbar PE: rows driven per event, columns read and converted per step (docs/nvm.md)",
    [](const PeContext& c) -> std::unique_ptr<ProcessingElement> { return std::make_unique<NvmPe>(c); });
}  // namespace

namespace {
// Crossbars hold a dense layer's weight matrix; other layer kinds are refused up front.
const std::string& dense_only(const PeContext& ctx) {
    if (ctx.layer.kind != snn::LayerKind::dense || ctx.layer.has_recurrent())
        throw InputError(ctx.path + ": chip.pe.kind nvm maps dense layers only; layer '" + ctx.layer.name + "' is " +
                         (ctx.layer.has_recurrent() ? std::string("recurrent") : std::string(snn::to_string(ctx.layer.kind))) +
                         " (use chip.pe.kind sram)");
    return ctx.path;
}
}  // namespace

NvmPe::NvmPe(const PeContext& ctx)
    : m_path(dense_only(ctx)),
      m_cfg(ctx.config),
      m_mapped(ctx.mapped),
      m_image(ctx.image),
      m_layer(ctx.layer),
      m_noise_seed(ctx.noise_seed),
      m_env(ctx.env),
      m_xbar(ctx.config.nvm, nvm::seed_from(ctx.noise_seed), ctx.image.layer, static_cast<std::uint32_t>(ctx.layer.in),
             static_cast<std::uint32_t>(ctx.layer.out), ctx.layer.weights, ctx.image.first_neuron,
             std::max<std::uint32_t>(ctx.image.neurons, 1)),
      m_state(m_path + ".state_sram", state_sram_config(m_cfg), ctx.stats, ctx.layer.name),
      m_route(m_path + ".route_sram", m_cfg.route, ctx.stats, ctx.layer.name),
      m_neurons(ctx.image.neurons),
      m_rows(static_cast<std::size_t>(ctx.layer.delay) + 2),
      m_acc(ctx.image.neurons, 0) {
    if (m_image.neurons > m_cfg.capacity.neurons || m_image.routes.size() > m_cfg.route.words)
        throw InputError(m_path + ": the mapped image does not fit this PE's memories (remap for this chip)");
    if (m_cfg.event_driven_update)
        throw InputError("chip.pe.event_driven_update: the nvm PE kind has no event-driven update (the sram kind has)");
    m_to_host = routes_to_host(m_mapped, m_image);

    auto& stats = ctx.stats;
    const std::string& g = m_layer.name;
    const nvm::DeviceParams& d = m_cfg.nvm;
    const double g_mid = 0.5 * (d.g_min_us + d.g_max_us);
    stats.add_component(m_path + ".input_fifo", "fifo", g);
    stats.add_component(m_path + ".crossbar", "nvm_array", g,
                        {{"read_voltage_v", d.read_voltage_v},
                         {"g_mean_us", g_mid},
                         {"rows", double(d.rows)},
                         {"cols", double(d.cols)}});
    stats.add_component(m_path + ".adc", "nvm_adc", g, {{"bits", double(d.adc_bits)}});
    stats.add_component(m_path + ".shift_add", "adder", g);
    stats.add_component(m_path + ".neuron_unit", "neuron", g,
                        {{"state_bits", static_cast<double>(m_layer.neuron.state_bits)}, {"decay_bits", 12.0}});
    m_fifo_push = &stats.action(m_path + ".input_fifo", "fifo", "push", "spike events written");
    m_fifo_pop = &stats.action(m_path + ".input_fifo", "fifo", "pop", "spike events read by the row driver");
    m_row_act = &stats.action(m_path + ".crossbar", "nvm_array", "row_activation",
                              "(array, row) pairs driven for a timestep (driver/DAC)");
    m_col_read = &stats.action(m_path + ".crossbar", "nvm_array", "column_read",
                               "array columns read (current summed over the active rows)");
    // Programming (writing the weights) happens once before inference: an action priced by
    // nvm_array.program (write-verify pulses per cell x V_w^2 G t_w), which hw/power sums into the
    // programming energy on its own, never into the per-frame energy (docs/nvm.md, Energy); a
    // setup action, so that merged shards of one run count it once.
    m_program = &stats.setup_action(m_path + ".crossbar", "nvm_array", "program",
                                    "cells programmed once before inference (not in the inference energy)");
    m_adc_conv = &stats.action(m_path + ".adc", "nvm_adc", "conversion", "ADC conversions");
    m_shift_add = &stats.action(m_path + ".shift_add", "adder", "synop", "ADC results shift-added into neuron currents");
    m_updates = &stats.action(m_path + ".neuron_unit", "neuron", "update", "neuron datapath updates (not for done neurons)");
    m_mults = &stats.action(m_path + ".neuron_unit", "neuron", "multiply", "decay multiplies executed");
    m_noise = &stats.action(m_path + ".neuron_unit", "neuron", "noise_draw", "noise words hashed");
    m_spikes = &stats.action(m_path + ".neuron_unit", "neuron", "spike", "spikes emitted");
    m_events = &stats.counter(m_path + ".events", "events", "spike events accepted");
    m_synops = &stats.counter(m_path + ".synops", "operations", "synaptic operations (events x neurons held)");
    m_inj_stalls = &stats.counter(m_path + ".injection_stall_cycles", "cycles",
                                  "update-engine cycles lost because the NI injection queue had too few free slots");
    m_program->inc(m_image.neurons ? m_xbar.cells() : 0);
    // The group's arrays and cells (setup: once per chip), so that stats.csv gives the array
    // count and utilisation per PE: cells / (arrays x nvm.rows x nvm.cols).
    stats.setup_counter(m_path + ".crossbar.arrays", "arrays", "crossbar arrays holding this PE's columns")
        .inc(m_image.neurons ? m_xbar.arrays_built() : 0);
    stats.setup_counter(m_path + ".crossbar.cells", "cells", "cells of this PE's columns (array utilisation = cells / "
                                                             "(arrays x nvm.rows x nvm.cols))")
        .inc(m_image.neurons ? m_xbar.cells() : 0);
}

std::uint32_t NvmPe::node() const { return m_image.node; }
std::uint64_t NvmPe::synops() const { return m_synops->value(); }

void NvmPe::frame_reset(std::uint64_t frame, Cycle now) {
    if (m_updating || !m_store.empty()) throw Error(m_path + ": frame reset while a timestep is still running");
    m_frame = frame;
    m_update_step = 0;
    std::fill(m_neurons.begin(), m_neurons.end(), snn::NeuronState{});
    for (auto& r : m_rows) r.clear();
    const std::uint32_t r = static_cast<std::uint32_t>(ceil_div(std::max<std::uint32_t>(m_image.neurons, 1), m_cfg.update_lanes));
    for (std::uint32_t w = 0; w < r; ++w) m_state.access(now + w, w, true);
    m_fifo_pops.clear();
    m_busy_until = std::max(m_busy_until, now + r);
    m_load_free = std::max(m_load_free, now + r);
    m_env.request_tick(m_busy_until - 1);
}

bool NvmPe::in_ready(Cycle now) {
    while (!m_fifo_pops.empty() && m_fifo_pops.front() < now) m_fifo_pops.pop_front();
    const bool ok = m_fifo_pops.size() < m_cfg.input_fifo_depth;
    if (!ok) {
        // The head event pops in cycle front(): a slot frees after it.
        const Cycle w = std::max(m_fifo_pops.front(), now + 1);
        m_ready_wake = m_ready_wake > now ? std::min(m_ready_wake, w) : w;
        m_env.request_tick(m_ready_wake);
    }
    return ok;
}

void NvmPe::in_push(Cycle now, std::uint32_t axon, std::uint32_t emit_step) {
    if (axon >= static_cast<std::uint32_t>(m_layer.in))
        throw Error(m_path + ": spike event for row " + std::to_string(axon) + " beyond the layer's " +
                    std::to_string(m_layer.in) + " inputs");
    const std::uint32_t deliver = emit_step + 1 + static_cast<std::uint32_t>(m_layer.delay);
    if (deliver <= m_update_step && m_update_step > 0)
        throw Error(m_path + ": spike event for step " + std::to_string(deliver) + " arrived after that step's update");
    m_events->inc();
    m_fifo_push->inc();
    // Row driver: one event per cycle latches its row for the delivery step.
    const Cycle pop = std::max(now + 1, m_load_free);
    m_fifo_pops.push_back(pop);
    m_fifo_pop->inc();
    m_load_free = pop + 1;
    m_busy_cycles += 1;
    m_busy_until = std::max(m_busy_until, pop + 1);
    rows_for(deliver).push_back(axon);
    m_synops->inc(m_image.neurons);
    m_env.request_tick(m_busy_until - 1);
}

void NvmPe::step_start(std::uint32_t step, Cycle now) {
    if (m_updating) throw Error(m_path + ": timestep " + std::to_string(step) + " started during an update");
    m_updating = true;
    m_update_step = step;
    m_next_neuron = 0;
    auto& rows = rows_for(step);
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    nvm::ReadActions acts;
    if (m_image.neurons)
        m_xbar.read(rows, m_frame, step, m_image.first_neuron, m_image.neurons, m_acc.data(), &acts);
    rows.clear();
    m_row_act->inc(acts.row_activations);
    m_col_read->inc(acts.column_reads);
    m_adc_conv->inc(acts.adc_conversions);
    m_shift_add->inc(acts.accumulations);
    const Cycle convert = acts.conversion_rounds * static_cast<Cycle>(m_cfg.nvm.adc_cycles);
    m_busy_cycles += convert;
    m_update_at = now + convert + m_cfg.state.read_latency_cycles;
    m_env.request_tick(m_update_at);
}

void NvmPe::update_group(Cycle now) {
    const std::uint32_t n0 = m_next_neuron;
    const std::uint32_t n1 = std::min(m_image.neurons, n0 + m_cfg.update_lanes);
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
                                        ? snn::noise_word(m_noise_seed, m_image.layer, gid, m_frame, m_update_step)
                                        : 0;
        vfire[j] = 0;
        fired[j] = snn::update_neuron(next[j], m_layer.neuron, m_acc[n], noise, vfire[j]);
        k += fired[j] ? 1 : 0;
    }
    if (k > m_env.out_credits()) {
        m_inj_stalls->inc();
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
        m_acc[n] = 0;
        if (before.done) continue;
        wrote = true;
        m_updates->inc();
        const bool refractory = before.refractory > 0;
        m_mults->inc(decay_multiplies(m_layer.neuron, refractory));
        if (snn::needs_noise(m_layer.neuron) && !refractory) m_noise->inc();
        if (!fired[j]) continue;
        m_spikes->inc();
        const std::uint32_t gid = m_image.first_neuron + n;
        const Cycle ready = m_route.access(std::max(now, m_route_next), n, false);
        m_route_next = ready - m_cfg.route.read_latency_cycles;
        m_store.push_back({ready, spike_packet(m_mapped, m_image, m_layer, n, m_update_step, vfire[j], m_to_host)});
        m_env.spike({m_image.layer, gid, m_update_step, vfire[j], now});
    }
    if (wrote) m_state.access(now, n0 / m_cfg.update_lanes, true);
    m_next_neuron = n1;
    if (m_next_neuron < m_image.neurons) {
        m_update_at = now + 1;
        return;
    }
    m_updating = false;
    m_update_at = kNever;
}

void NvmPe::tick(Cycle now) {
    while (!m_store.empty() && m_store.front().ready <= now) {
        m_env.out_push(std::move(m_store.front().packet));
        m_store.pop_front();
    }
    if (m_updating && now >= m_update_at) update_group(now);
    if (m_ready_wake <= now) m_ready_wake = kNever;
    want_tick(now);
}

void NvmPe::want_tick(Cycle now) {
    Cycle next = kNever;
    if (!m_store.empty()) next = std::min(next, std::max(m_store.front().ready, now + 1));
    if (m_updating) next = std::min(next, std::max(m_update_at, now + 1));
    if (m_busy_until > now + 1) next = std::min(next, m_busy_until - 1);
    if (m_ready_wake != kNever) next = std::min(next, std::max(m_ready_wake, now + 1));
    if (next != kNever) m_env.request_tick(next);
}

bool NvmPe::done(Cycle now) const { return !m_updating && m_store.empty() && m_busy_until <= now; }

}  // namespace spiketlm::pe
