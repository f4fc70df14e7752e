#include "hw/pe/rtl/rtl_pe.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "hw/common/rtl_plugin.h"
#include "hw/pe/rtl/pe_core_io.h"
#include "hw/pe/spike_out.h"
#include "sw/common/error.h"
#include "sw/map/mapper.h"
#include "sw/snn/network.h"
#include "sw/stats/stats.h"

namespace spiketlm::pe {

const RtlPeLimits& RtlPeLimits::compiled() {
    static const RtlPeLimits l{SPIKETLM_RTL_NEURONS,  SPIKETLM_RTL_SYN_WORDS, SPIKETLM_RTL_AXONS,
                               SPIKETLM_RTL_ROUTES,   SPIKETLM_RTL_IN_MAX,    SPIKETLM_RTL_FIFO_MAX,
                               SPIKETLM_RTL_WFIFO_MAX, SPIKETLM_RTL_LWPC_MAX, SPIKETLM_RTL_LANES_MAX,
                               SPIKETLM_RTL_UPD_MAX,  SPIKETLM_RTL_LAT_MAX,   SPIKETLM_RTL_ACC_SLOTS,
                               SPIKETLM_RTL_ACC_W,    SPIKETLM_RTL_STQ_MAX,   SPIKETLM_RTL_RT_MAX};
    return l;
}

namespace {


// A configuration value that exceeds what the model was Verilated with: a config error naming
// the key.
void fits(const char* key, std::uint64_t value, std::uint64_t max, const char* param) {
    if (value > max)
        throw InputError(std::string(key) + " = " + std::to_string(value) + " exceeds the rtl PE's " + param + " = " +
                         std::to_string(max) + " (the size rtl/pe_core.sv is Verilated with, rtl/verilate.cmake)");
}

// The model factory: the build's own model, or a plugin named by $SPIKETLM_RTL_PE_MODEL (a mutant
// model built by scripts/rtl_mutant_check.py for the mutation check).
PeCoreFactory model_factory() {
    static const PeCoreFactory f = rtl::model_factory("SPIKETLM_RTL_PE_MODEL", kPeCoreFactorySymbol,
                                                      static_cast<PeCoreFactory>(&spiketlm_make_pe_core));
    return f;
}

const bool registered = PeRegistry::add(
    "rtl", "rtl/pe_core.sv Verilated and clocked by the tile (docs/rtl.md): the same timing contract as sram",
    [](const PeContext& c) -> std::unique_ptr<ProcessingElement> { return std::make_unique<RtlPe>(c); });

}  // namespace

RtlPe::RtlPe(const PeContext& ctx)
    : m_path(ctx.path),
      m_cfg(ctx.config),
      m_mapped(ctx.mapped),
      m_image(ctx.image),
      m_layer(ctx.layer),
      m_env(ctx.env),
      m_syn(m_path + ".synapse_sram", m_cfg.synapse, ctx.stats, ctx.layer.name),
      m_axon(m_path + ".axon_sram", m_cfg.axon, ctx.stats, ctx.layer.name),
      m_state(m_path + ".state_sram", state_sram_config(m_cfg), ctx.stats, ctx.layer.name),
      m_route(m_path + ".route_sram", m_cfg.route, ctx.stats, ctx.layer.name),
      m_accmem(m_path + ".acc_sram", acc_sram_config(m_cfg), ctx.stats, ctx.layer.name),
      m_c(ctx.stats, m_path, ctx.layer) {
    const auto& cfg = m_cfg;
    const auto& image = m_image;
    if (image.neurons > cfg.capacity.neurons || image.synapse.size() > cfg.synapse.words ||
        image.axon_base.size() > cfg.axon.words || image.routes.size() > cfg.route.words)
        throw InputError(m_path + ": the mapped image does not fit this PE's memories (remap for this chip)");
    if (image.weights_per_word * image.weight_bits > cfg.synapse.width_bits || cfg.synapse.width_bits > 64)
        throw InputError(m_path + ": packed weights are wider than the synapse SRAM word (the rtl PE reads 64-bit words)");
    if (static_cast<std::uint32_t>(m_layer.delay) + 2 > cfg.capacity.acc_slots)
        throw InputError(m_path + ": layer '" + m_layer.name + "' has delay " + std::to_string(m_layer.delay) +
                         ", which needs " + std::to_string(m_layer.delay + 2) + " accumulator slots; chip.pe.acc_slots is " +
                         std::to_string(cfg.capacity.acc_slots));
    if (cfg.event_driven_update)
        throw InputError("chip.pe.event_driven_update: the rtl PE kind has no event-driven update (the sram kind has)");
    const RtlPeLimits& L = RtlPeLimits::compiled();
    fits("chip.pe.neurons", cfg.capacity.neurons, L.neurons, "NEURONS");
    fits("chip.pe.synapse_words", cfg.synapse.words, L.synapse_words, "SYN_WORDS");
    fits("chip.pe.axon_entries", cfg.axon.words, L.axons, "AXONS");
    fits("chip.pe.route_entries", cfg.route.words, L.routes, "ROUTES");
    fits("chip.pe.input_fifo_depth", cfg.input_fifo_depth, L.fifo_max, "FIFO_MAX");
    fits("chip.pe.word_fifo_depth", cfg.word_fifo_depth, L.wfifo_max, "WFIFO_MAX");
    fits("chip.pe.load_words_per_cycle", cfg.load_words_per_cycle, L.lwpc_max, "LWPC_MAX");
    fits("chip.pe.lanes (weights accumulated per cycle, at most the weights per word)",
         std::min(cfg.lanes, image.weights_per_word), L.lanes_max, "LANES_MAX");
    fits("chip.pe.update_lanes", cfg.update_lanes, L.upd_max, "UPD_MAX");
    fits("chip.pe.synapse_read_latency", cfg.synapse.read_latency_cycles, L.lat_max, "LAT_MAX");
    fits("chip.pe.axon_read_latency", cfg.axon.read_latency_cycles, L.lat_max, "LAT_MAX");
    fits("chip.pe.state_read_latency", cfg.state.read_latency_cycles, L.lat_max, "LAT_MAX");
    fits("chip.pe.route_read_latency", cfg.route.read_latency_cycles, L.lat_max, "LAT_MAX");
    fits("chip.pe.acc_slots", cfg.capacity.acc_slots, L.acc_slots, "ACC_SLOTS");
    fits("chip.pe.acc_bits", cfg.capacity.acc_bits, L.acc_w, "ACC_W");
    fits("chip.pe.route_ports x routing banks", std::uint64_t{cfg.route.ports_per_bank} * cfg.route.banks, L.rt_max,
         "RT_MAX");
    m_to_host = routes_to_host(m_mapped, m_image);

    const PeConfig::Rtl& opt = m_cfg.rtl;
    m_model.reset(model_factory()(m_path.c_str()));
    if (opt.trace) {
        std::filesystem::create_directories(opt.trace_dir);
        m_vcd_path = (std::filesystem::path(opt.trace_dir) / ("rtl-" + m_path + ".vcd")).string();
        m_model->trace_open(m_vcd_path.c_str());
    }

    auto& t = m_io;
    const snn::NeuronParams& p = m_layer.neuron;
    t.cfg_neurons = image.neurons;
    t.cfg_fifo_depth = cfg.input_fifo_depth;
    t.cfg_wfifo_depth = cfg.word_fifo_depth;
    t.cfg_lwpc = cfg.load_words_per_cycle;
    t.cfg_lanes = cfg.lanes;
    t.cfg_upd_lanes = cfg.update_lanes;
    t.cfg_syn_banks = cfg.synapse.banks;
    t.cfg_syn_ports = cfg.synapse.ports_per_bank;
    t.cfg_syn_lat = cfg.synapse.read_latency_cycles;
    t.cfg_axon_lat = cfg.axon.read_latency_cycles;
    t.cfg_state_lat = cfg.state.read_latency_cycles;
    t.cfg_route_lat = cfg.route.read_latency_cycles;
    t.cfg_route_banks = cfg.route.banks;
    t.cfg_route_ports = cfg.route.ports_per_bank;
    t.cfg_wbits = image.weight_bits;
    t.cfg_wpw = image.weights_per_word;
    t.cfg_delay = static_cast<std::uint32_t>(m_layer.delay);
    t.cfg_state_bits = static_cast<std::uint32_t>(p.state_bits);
    t.cfg_theta = static_cast<std::uint32_t>(p.theta);
    t.cfg_bias = static_cast<std::uint32_t>(p.bias);
    t.cfg_vreset = static_cast<std::uint32_t>(p.v_reset);
    t.cfg_decay_i = static_cast<std::uint32_t>(p.decay_i);
    t.cfg_decay_v = static_cast<std::uint32_t>(p.decay_v);
    t.cfg_refractory = static_cast<std::uint32_t>(p.refractory);
    t.cfg_reset_to_value = p.reset == snn::ResetMode::to_value;
    t.cfg_single_spike = p.single_spike;
    t.cfg_noise_mode = p.noise == snn::NoiseMode::threshold ? 1 : p.noise == snn::NoiseMode::bernoulli ? 2 : 0;
    t.cfg_noise_bits = static_cast<std::uint32_t>(p.noise_bits);
    t.cfg_noise_shift = static_cast<std::uint32_t>(p.noise_shift);
    t.cfg_noise_seed = ctx.noise_seed;
    t.cfg_layer = image.layer;
    t.cfg_first_neuron = image.first_neuron;
    load_memories();
}

RtlPe::~RtlPe() {
    if (m_model) m_model->final();
}

void RtlPe::load_memories() {
    auto& t = m_io;
    auto edge = [&] {
        t.clk = 0;
        m_model->eval(t);
        t.clk = 1;
        m_model->eval(t);
    };
    t.rst_n = 0;
    t.ld_we = 1;
    auto write = [&](unsigned sel, std::uint32_t addr, std::uint64_t data) {
        t.ld_sel = sel;
        t.ld_addr = addr;
        t.ld_data = data;
        edge();
    };
    for (std::size_t k = 0; k < m_image.synapse.size(); ++k) write(0, static_cast<std::uint32_t>(k), m_image.synapse[k]);
    for (std::size_t a = 0; a < m_image.axon_base.size(); ++a)
        write(1, static_cast<std::uint32_t>(a), (std::uint64_t{m_image.axon_words[a]} << 32) | m_image.axon_base[a]);
    for (std::size_t n = 0; n < m_image.routes.size(); ++n)
        write(2, static_cast<std::uint32_t>(n),
              (std::uint64_t{m_image.routes[n].dest_set} << 32) | m_image.routes[n].axon);
    t.ld_we = 0;
    edge();  // synchronous reset
    t.rst_n = 1;
    t.clk = 0;
    m_model->eval(t);
}

std::uint32_t RtlPe::node() const { return m_image.node; }
std::uint64_t RtlPe::synops() const { return m_c.synops->value(); }
std::uint64_t RtlPe::busy_cycles() const { return m_c.busy_cycles->value(); }

RtlPe::Pending& RtlPe::pending_at(Cycle c) {
    if (c < m_next)
        throw Error(m_path + ": input for cycle " + std::to_string(c) + " after the model was clocked through cycle " +
                    std::to_string(m_next - 1) + " (rtl PE scheduling bug)");
    if (m_pending.empty() || m_pending.back().cycle < c) {
        Pending p;
        p.cycle = c;
        m_pending.push_back(std::move(p));
    }
    if (m_pending.back().cycle != c) throw Error(m_path + ": inputs out of cycle order (rtl PE scheduling bug)");
    return m_pending.back();
}

bool RtlPe::in_ready(Cycle now) {
    catch_up(now - 1);
    std::size_t same_cycle = 0;
    if (!m_pending.empty() && m_pending.back().cycle == now) same_cycle = m_pending.back().pushes.size();
    return same_cycle < RtlPeLimits::compiled().in_max && m_io.fifo_count + same_cycle < m_cfg.input_fifo_depth;
}

void RtlPe::in_push(Cycle now, std::uint32_t axon, std::uint32_t emit_step) {
    if (axon >= m_image.axon_base.size())
        throw Error(m_path + ": spike event for axon " + std::to_string(axon) + " beyond the axon table (" +
                    std::to_string(m_image.axon_base.size()) + " entries)");
    if (!in_ready(now)) throw Error(m_path + ": spike event pushed while the input FIFO was not ready (NI bug)");
    pending_at(now).pushes.emplace_back(axon, emit_step);
    m_c.events->inc();
    m_c.fifo_push->inc();
    m_env.request_tick(now + 1);
}

void RtlPe::frame_reset(std::uint64_t frame, Cycle now) {
    catch_up(now - 1);
    if (!m_io.done) throw Error(m_path + ": frame reset while a timestep is still running");
    Pending& p = pending_at(now);
    p.reset = true;
    p.frame = frame;
    m_env.request_tick(now + 1);
}

void RtlPe::step_start(std::uint32_t step, Cycle now) {
    catch_up(now - 1);
    if (m_io.upd_busy) throw Error(m_path + ": timestep " + std::to_string(step) + " started during an update");
    Pending& p = pending_at(now);
    p.start = true;
    p.step = step;
    m_env.request_tick(now + 1);
}

bool RtlPe::done(Cycle now) const {
    catch_up(now - 1);
    return m_io.done && (m_pending.empty() || m_pending.front().cycle > now);
}

void RtlPe::tick(Cycle now) {
    catch_up(now - 1);
    clock(now, true);
    if (!m_io.done || !m_pending.empty()) m_env.request_tick(now + 1);
}

void RtlPe::catch_up(Cycle last) const {
    if (last == kNever || (last + 1) == 0) return;  // before cycle 0
    while (m_next <= last) {
        const bool idle = m_io.done;
        const Cycle next_input = m_pending.empty() ? kNever : m_pending.front().cycle;
        if (idle && next_input > last) {
            m_next = last + 1;  // an idle model does not change: nothing to clock
            return;
        }
        if (idle && next_input > m_next) m_next = next_input;
        clock(m_next, false);
    }
}

void RtlPe::clock(Cycle c, bool live) const {
    auto& t = m_io;
    if (c < m_next) throw Error(m_path + ": cycle " + std::to_string(c) + " clocked twice (rtl PE scheduling bug)");
    if (c > m_next && !t.done)
        throw Error(m_path + ": the busy model skipped cycles " + std::to_string(m_next) + ".." + std::to_string(c - 1) +
                    " (rtl PE scheduling bug)");
    const RtlPeLimits& L = RtlPeLimits::compiled();
    // Inputs of cycle c.
    t.frame_reset = 0;
    t.step_start = 0;
    t.in_valid = 0;
    if (!m_pending.empty() && m_pending.front().cycle == c) {
        const Pending& p = m_pending.front();
        t.frame_reset = p.reset;
        t.frame_id = p.frame;
        t.step_start = p.start;
        t.step_in = p.step;
        for (std::size_t k = 0; k < p.pushes.size(); ++k) {
            t.in_valid |= 1u << k;
            t.in_axon[k] = p.pushes[k].first;
            t.in_step[k] = p.pushes[k].second;
        }
        m_pending.pop_front();
    }
    t.inj_credits = live ? m_env.out_credits() : 0;
    t.clk = 0;
    m_model->eval(t);

    // Cycle c's work, in the order of the sram kind's tick: packets into the NI, then the update.
    for (unsigned q = 0; q < L.rt_max; ++q) {
        if (!((t.pkt_valid >> q) & 1u)) continue;
        if (!live) throw Error(m_path + ": packet out in cycle " + std::to_string(c) + " without a tick (rtl PE scheduling bug)");
        const std::uint32_t n = t.pkt_neuron[q];
        const map::Route r{t.pkt_dest_set[q], t.pkt_axon[q]};
        if (n >= m_image.neurons || r.dest_set >= m_mapped.dest_sets.size())
            throw Error(m_path + ": the RTL sent a spike of neuron " + std::to_string(n) + " to destination set " +
                        std::to_string(r.dest_set) + " (out of range)");
        m_env.out_push(spike_packet(m_mapped, m_image, m_layer, r, static_cast<std::uint32_t>(t.upd_step),
                                    static_cast<std::int32_t>(t.pkt_vfire[q]), m_to_host));
    }
    if (t.act_route_reads) m_route.count(false, t.act_route_reads);
    if (t.act_route_conflict) m_route.count_conflicts(1);
    if (t.upd_stall) {
        if (!live) throw Error(m_path + ": update stalled in cycle " + std::to_string(c) + " without a tick (rtl PE scheduling bug)");
        m_c.inj_stalls->inc();
    }
    if (t.upd_decide) {
        if (!live) throw Error(m_path + ": update decided in cycle " + std::to_string(c) + " without a tick (rtl PE scheduling bug)");
        m_env.out_reserve(t.upd_reserve);
        const std::uint32_t word = t.upd_first / m_cfg.update_lanes;
        m_state.access(c, word, false);
        if (t.act_state_write) m_state.access(c, word, true);
        m_accmem.count(false, t.act_upd_group);
        m_accmem.count(true, t.act_upd_group);
        m_c.updates->inc(t.act_upd_updates);
        m_c.mults->inc(t.act_upd_mults);
        m_c.noise->inc(t.act_upd_noise);
        for (unsigned j = 0; j < L.upd_max; ++j) {
            if (!((static_cast<std::uint64_t>(t.fire_mask) >> j) & 1u)) continue;
            m_c.spikes->inc();
            m_env.spike({m_image.layer, static_cast<std::uint32_t>(m_image.first_neuron + t.upd_first + j),
                         static_cast<std::uint32_t>(t.upd_step),
                         static_cast<std::int32_t>(t.fire_v[j]), c});
        }
    }
    if (t.act_reset_write) m_state.access(c, t.act_reset_word, true);
    if (t.act_pop) {
        m_c.fifo_pop->inc();
        m_axon.count(false, 1);
    }
    if (t.act_words) {
        m_syn.count(false, t.act_words);
        m_c.words->inc(t.act_words);
        m_c.wfifo_push->inc(t.act_words);
    }
    if (t.act_syn_conflict) m_syn.count_conflicts(1);
    if (t.act_word_start) {
        m_c.synops->inc(t.act_word_valid);
        m_c.acc_adds->inc(t.act_word_valid);
        m_accmem.count(false, t.act_word_valid);
        m_accmem.count(true, t.act_word_valid);
    }
    if (t.act_compute_busy) m_c.busy_cycles->inc();

    t.clk = 1;
    m_model->eval(t);
    ++m_model_cycles;
    if (!m_vcd_path.empty()) {
        m_model->trace_dump(2 * c);
        t.clk = 0;
        m_model->eval(t);
        m_model->trace_dump(2 * c + 1);
    }
    m_next = c + 1;
    check_error(c);
}

void RtlPe::check_error(Cycle c) const {
    if (m_io.err)
        throw Error(m_path + ": the RTL PE flagged an internal overflow in cycle " + std::to_string(c) +
                    " (input FIFO, word FIFO or STORE queue beyond its size)");
}

}  // namespace spiketlm::pe
