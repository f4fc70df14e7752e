#include "hw/chip/tlm/chip_target.h"

#include <algorithm>
#include <cstring>

#include "hw/chip/tlm/memory_map.h"
#include "hw/pe/pe_config.h"
#include "hw/pe/pe_if.h"
#include "sw/cfg/config.h"
#include "sw/common/error.h"
#include "sw/snn/network.h"
#include "sw/snn/neuron.h"

namespace spiketlm::chip::tlm {

namespace M = tlm_map;
using ::tlm::tlm_response_status;

static_assert(sizeof(map::Route) == 8, "the routing window maps map::Route as two 32-bit words");
// Windows and DMI expose host memory as the bus's little-endian words.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the TLM target assumes a little-endian host");

// A resolved memory window of node `node`: `kind` and the first entry word `word` (32-bit words).
struct ChipTarget::Window {
    enum Kind { axon_base, axon_words, route, state, synapse, set_table } kind;
    std::uint32_t node = 0;
    map::PeImage* img = nullptr;
    std::uint64_t word = 0;   // first 32-bit word of the access inside the window
    std::uint64_t words = 0;  // 32-bit words in the window
    bool writable = true;
    unsigned char* dmi = nullptr;  // contiguous storage (null: no DMI)
    std::uint64_t base = 0;        // window's first byte address
};

ChipTarget::ChipTarget(sc_core::sc_module_name name, const cfg::Config& config, const snn::Network& net,
                       const map::MappedNetwork& placement, stats::Registry& stats, bool early_stop,
                       std::uint64_t noise_seed)
    : sc_module(name), socket("socket"), irq("irq", false), m_live(placement) {
    const pe::PeConfig pc = pe::PeConfig::from(config);
    if (pc.kind != "sram")
        throw InputError(std::string(basename()) + ": the TLM target needs a PE kind that reads its memory images "
                         "live (sram); chip.pe.kind is '" + pc.kind + "'");
    m_chip = std::make_unique<Chip>("chip", config, net, m_live, stats, early_stop, noise_seed);
    // The memories come up zeroed at SRAM capacity: everything the chip runs comes through the socket.
    m_syn_capacity = pc.synapse.words;
    m_axon_capacity = pc.axon.words;
    auto fits = [&](std::uint64_t entries, std::uint64_t bytes, std::uint64_t window, const char* what) {
        if (entries * bytes > window)
            throw InputError(std::string(basename()) + ": " + what + " (" + std::to_string(entries) +
                             " entries) does not fit its " + std::to_string(window) + "-byte window (docs/tlm.md)");
    };
    fits(m_syn_capacity, 8, M::kSynapseWindow, "chip.pe.synapse_words");
    fits(m_axon_capacity, 4, M::kAxonWindow, "chip.pe.axon_entries");
    for (const auto& img : m_live.pes) {
        fits(img.routes.size(), 8, M::kRouteWindow, "a PE's routing table");
        fits(img.neurons, 16, M::kStateWindow, "a PE's neuron state");
    }
    if (m_live.dest_sets.size() * ((m_live.nodes() + 31) / 32) * 4 > M::kSetTableSize)
        throw InputError(std::string(basename()) + ": the destination-set table does not fit its window");
    for (auto& img : m_live.pes) {
        img.synapse.assign(m_syn_capacity, 0);
        img.axon_base.assign(m_axon_capacity, 0);
        img.axon_words.assign(m_axon_capacity, 0);
        std::fill(img.routes.begin(), img.routes.end(), map::Route{});
    }
    for (auto& s : m_live.dest_sets) s.clear();
    m_set_words = (m_live.nodes() + 31) / 32;
    m_node_pe.assign(m_live.nodes(), -1);
    for (std::size_t k = 0; k < m_live.pes.size(); ++k)
        if (m_live.pes[k].node < m_node_pe.size()) m_node_pe[m_live.pes[k].node] = static_cast<int>(k);
    m_timesteps = static_cast<std::uint32_t>(net.timesteps);
    m_outputs = static_cast<std::uint32_t>(net.outputs());
    m_last_layer = static_cast<std::uint32_t>(net.layers.size() - 1);
    m_word_latency = sc_core::sc_time(1e6 / m_chip->clock_mhz(), sc_core::SC_PS);
    m_chip->set_spike_callback([this](const ChipSpike& s) {
        if (s.layer == m_last_layer) m_out_building.push_back(s.step << M::kInputStepShift | s.neuron);
        if (m_user_spike) m_user_spike(s);
    });
    socket.register_b_transport(this, &ChipTarget::b_transport);
    socket.register_transport_dbg(this, &ChipTarget::transport_dbg);
    socket.register_get_direct_mem_ptr(this, &ChipTarget::get_direct_mem_ptr);
    SC_HAS_PROCESS(ChipTarget);
    SC_METHOD(irq_method);
    sensitive << m_irq_update;
    dont_initialize();
}

ChipTarget::~ChipTarget() = default;

void ChipTarget::irq_method() { irq.write(m_irq); }

void ChipTarget::b_transport(::tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    gp.set_response_status(access(gp, false));
    delay += m_word_latency * static_cast<double>(std::max<unsigned>(1, gp.get_data_length() / 4));
}

unsigned int ChipTarget::transport_dbg(::tlm::tlm_generic_payload& gp) {
    const auto st = access(gp, true);
    gp.set_response_status(st);
    return st == ::tlm::TLM_OK_RESPONSE ? gp.get_data_length() : 0;
}

bool ChipTarget::resolve(std::uint64_t addr, std::uint64_t len, Window& w) {
    auto fits = [&](std::uint64_t base, std::uint64_t bytes) { return addr >= base && addr + len <= base + bytes; };
    if (addr >= M::kSetTable && addr < M::kSetTable + M::kSetTableSize) {
        w.kind = Window::set_table;
        w.base = M::kSetTable;
        w.words = static_cast<std::uint64_t>(m_live.dest_sets.size()) * m_set_words;
        w.word = (addr - M::kSetTable) / 4;
        return fits(M::kSetTable, w.words * 4);
    }
    if (addr < M::kNodeBase) return false;
    const std::uint64_t node = (addr - M::kNodeBase) / M::kNodeStride;
    if (node >= m_live.nodes()) return false;
    w.node = static_cast<std::uint32_t>(node);
    w.img = pe_image(w.node);
    if (!w.img) return false;
    const std::uint64_t nb = M::node_base(w.node);
    const std::uint64_t off = addr - nb;
    struct Def {
        Window::Kind k;
        std::uint64_t at, span, words;
        bool writable;
        unsigned char* dmi;
    };
    auto* img = w.img;
    const Def defs[] = {
        {Window::axon_base, M::kAxonBase, M::kAxonWindow, img->axon_base.size(), true,
         reinterpret_cast<unsigned char*>(img->axon_base.data())},
        {Window::axon_words, M::kAxonWords, M::kAxonWindow, img->axon_words.size(), true,
         reinterpret_cast<unsigned char*>(img->axon_words.data())},
        {Window::route, M::kRoute, M::kRouteWindow, img->routes.size() * 2, true,
         reinterpret_cast<unsigned char*>(img->routes.data())},
        {Window::state, M::kState, M::kStateWindow, std::uint64_t{img->neurons} * 4, false, nullptr},
        {Window::synapse, M::kSynapse, M::kSynapseWindow, img->synapse.size() * 2, true,
         reinterpret_cast<unsigned char*>(img->synapse.data())},
    };
    for (const auto& d : defs)
        if (off >= d.at && off < d.at + d.span) {
            w.kind = d.k;
            w.base = nb + d.at;
            w.words = d.words;
            w.word = (off - d.at) / 4;
            w.writable = d.writable;
            w.dmi = d.dmi;
            return fits(w.base, d.words * 4);
        }
    return false;
}

tlm_response_status ChipTarget::access(::tlm::tlm_generic_payload& gp, bool debug) {
    const auto cmd = gp.get_command();
    if (cmd == ::tlm::TLM_IGNORE_COMMAND) return ::tlm::TLM_OK_RESPONSE;
    const std::uint64_t addr = gp.get_address();
    const unsigned len = gp.get_data_length();
    unsigned char* data = gp.get_data_ptr();
    const bool write = cmd == ::tlm::TLM_WRITE_COMMAND;
    if (gp.get_byte_enable_ptr()) return ::tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
    if (!data || len == 0 || len % 4 || addr % 4) return ::tlm::TLM_BURST_ERROR_RESPONSE;
    const unsigned sw = gp.get_streaming_width();
    auto word_in = [&](unsigned k) {
        std::uint32_t v;
        std::memcpy(&v, data + 4 * k, 4);
        return v;
    };
    auto word_out = [&](unsigned k, std::uint32_t v) { std::memcpy(data + 4 * k, &v, 4); };

    // Control block: single words, except bursts into the input queue (streaming width 4).
    if (addr < M::kControlEnd) {
        if (addr == M::kInputPush && write && sw == 4 && !debug) {
            for (unsigned k = 0; k < len / 4; ++k) {
                const auto st = reg_write(addr, word_in(k));
                if (st != ::tlm::TLM_OK_RESPONSE) return st;
            }
            return ::tlm::TLM_OK_RESPONSE;
        }
        if (len != 4 || sw < 4) return ::tlm::TLM_BURST_ERROR_RESPONSE;
        if (write) {
            if (debug) return ::tlm::TLM_COMMAND_ERROR_RESPONSE;  // debug writes have no side effects here
            return reg_write(addr, word_in(0));
        }
        std::uint32_t v = 0;
        const auto st = reg_read(addr, v);
        if (st == ::tlm::TLM_OK_RESPONSE) word_out(0, v);
        return st;
    }
    if (sw < len) return ::tlm::TLM_BURST_ERROR_RESPONSE;  // memories: contiguous accesses only
    if (addr >= M::kOutSpikes && addr < M::kOutSpikes + M::kOutSpikesSize) {
        if (write) return ::tlm::TLM_COMMAND_ERROR_RESPONSE;
        const std::uint64_t first = (addr - M::kOutSpikes) / 4;
        if (first + len / 4 > M::kOutSpikesSize / 4) return ::tlm::TLM_ADDRESS_ERROR_RESPONSE;
        for (unsigned k = 0; k < len / 4; ++k)
            word_out(k, first + k < m_out_spikes.size() ? m_out_spikes[first + k] : 0xFFFFFFFFu);
        return ::tlm::TLM_OK_RESPONSE;
    }
    if (addr >= M::kNodeBase && (addr - M::kNodeBase) % M::kNodeStride < M::kNodeInfoEnd) {
        const std::uint64_t node = (addr - M::kNodeBase) / M::kNodeStride;
        const std::uint64_t off = (addr - M::kNodeBase) % M::kNodeStride;
        if (node >= m_live.nodes() || off + len > M::kNodeInfoEnd) return ::tlm::TLM_ADDRESS_ERROR_RESPONSE;
        if (write) return ::tlm::TLM_COMMAND_ERROR_RESPONSE;
        const map::PeImage* img = pe_image(node);
        for (unsigned k = 0; k < len / 4; ++k) {
            std::uint32_t v = 0;
            if (img) {
                switch (off + 4 * k) {
                    case M::kNodePresent: v = 1; break;
                    case M::kNodeLayer: v = img->layer; break;
                    case M::kNodeFirstNeuron: v = img->first_neuron; break;
                    case M::kNodeNeurons: v = img->neurons; break;
                    case M::kNodeWeightBits: v = img->weight_bits; break;
                    case M::kNodeWeightsPerWord: v = img->weights_per_word; break;
                    case M::kNodeSynapseWords: v = static_cast<std::uint32_t>(img->synapse.size()); break;
                    case M::kNodeAxonEntries: v = static_cast<std::uint32_t>(img->axon_base.size()); break;
                    default: break;
                }
            }
            word_out(k, v);
        }
        return ::tlm::TLM_OK_RESPONSE;
    }
    Window w;
    if (!resolve(addr, len, w)) return ::tlm::TLM_ADDRESS_ERROR_RESPONSE;
    if (write && !w.writable) return ::tlm::TLM_COMMAND_ERROR_RESPONSE;
    if (m_chip->frame_running() && !debug) {
        m_error = M::kErrBusy;
        return ::tlm::TLM_GENERIC_ERROR_RESPONSE;
    }
    for (unsigned k = 0; k < len / 4; ++k) {
        const std::uint64_t i = w.word + k;
        if (w.kind == Window::set_table) {
            auto& set = m_live.dest_sets[i / m_set_words];
            const std::uint32_t first = static_cast<std::uint32_t>(i % m_set_words) * 32;
            if (write) {
                const std::uint32_t v = word_in(k);
                set.erase(std::remove_if(set.begin(), set.end(),
                                         [&](std::uint32_t n) { return n >= first && n < first + 32; }),
                          set.end());
                for (std::uint32_t b = 0; b < 32; ++b)
                    if (v >> b & 1u) set.push_back(first + b);
                std::sort(set.begin(), set.end());
            } else {
                std::uint32_t v = 0;
                for (auto n : set)
                    if (n >= first && n < first + 32) v |= 1u << (n - first);
                word_out(k, v);
            }
        } else if (w.kind == Window::state) {
            snn::NeuronState s;
            const auto* pe = m_chip->pe_at(w.node);
            std::uint32_t v = 0;
            if (pe && pe->peek_state(static_cast<std::uint32_t>(i / 4), s)) {
                const std::uint32_t f[4] = {static_cast<std::uint32_t>(s.i), static_cast<std::uint32_t>(s.v),
                                            s.refractory, s.done ? 1u : 0u};
                v = f[i % 4];
            }
            word_out(k, v);
        } else if (write) {
            std::memcpy(w.dmi + 4 * i, data + 4 * k, 4);
        } else {
            std::memcpy(data + 4 * k, w.dmi + 4 * i, 4);
        }
    }
    return ::tlm::TLM_OK_RESPONSE;
}

tlm_response_status ChipTarget::reg_read(std::uint64_t a, std::uint32_t& v) {
    switch (a) {
        case M::kId: v = M::kIdValue; break;
        case M::kStatus: v = m_state | (m_irq ? M::kStatusIrq : 0u); break;
        case M::kError: v = m_error; break;
        case M::kFrameCount: v = m_frame_count; break;
        case M::kFrameIndex: v = m_frame_index; break;
        case M::kInputCount: v = static_cast<std::uint32_t>(m_queue.size()); break;
        case M::kDecision: v = static_cast<std::uint32_t>(m_last.decision); break;
        case M::kFirstOutputStep: v = static_cast<std::uint32_t>(m_last.first_output_step); break;
        case M::kSteps: v = m_last.steps; break;
        case M::kCyclesLo: v = static_cast<std::uint32_t>(m_last.cycles); break;
        case M::kCyclesHi: v = static_cast<std::uint32_t>(m_last.cycles >> 32); break;
        case M::kOutSpikeCount: v = static_cast<std::uint32_t>(m_out_spikes.size()); break;
        case M::kNetInputs: v = m_live.inputs; break;
        case M::kNetOutputs: v = m_outputs; break;
        case M::kMesh: v = m_live.mesh_width | m_live.mesh_height << 16; break;
        case M::kTimesteps: v = m_timesteps; break;
        case M::kSets: v = static_cast<std::uint32_t>(m_live.dest_sets.size()); break;
        case M::kSetWords: v = m_set_words; break;
        case M::kCtrl:
        case M::kInputPush:
            return ::tlm::TLM_COMMAND_ERROR_RESPONSE;  // write-only
        default:
            return ::tlm::TLM_ADDRESS_ERROR_RESPONSE;
    }
    return ::tlm::TLM_OK_RESPONSE;
}

tlm_response_status ChipTarget::reg_write(std::uint64_t a, std::uint32_t v) {
    switch (a) {
        case M::kCtrl:
            if (v & M::kCtrlClearError) m_error = M::kErrNone;
            if (v & M::kCtrlClearInputs) m_queue.clear();
            if (v & M::kCtrlIrqAck) {
                m_irq = false;
                if (m_state == M::kStateDone) m_state = M::kStateIdle;
                m_irq_update.notify(sc_core::SC_ZERO_TIME);
            }
            if (v & M::kCtrlStart) return start();
            return ::tlm::TLM_OK_RESPONSE;
        case M::kFrameIndex:
            m_frame_index = v;
            return ::tlm::TLM_OK_RESPONSE;
        case M::kInputPush: {
            const encode::InputSpike s{v >> M::kInputStepShift, v & M::kInputIdMask};
            if (s.input >= m_live.inputs || (!m_queue.empty() && !(m_queue.back() < s))) {
                m_error = M::kErrBadInput;
                return ::tlm::TLM_GENERIC_ERROR_RESPONSE;
            }
            m_queue.push_back(s);
            return ::tlm::TLM_OK_RESPONSE;
        }
        case M::kId: case M::kStatus: case M::kError: case M::kFrameCount: case M::kInputCount:
        case M::kDecision: case M::kFirstOutputStep: case M::kSteps: case M::kCyclesLo: case M::kCyclesHi:
        case M::kOutSpikeCount: case M::kNetInputs: case M::kNetOutputs: case M::kMesh: case M::kTimesteps:
        case M::kSets: case M::kSetWords:
            return ::tlm::TLM_COMMAND_ERROR_RESPONSE;  // read-only
        default:
            return ::tlm::TLM_ADDRESS_ERROR_RESPONSE;
    }
}

// Everything the loaded contents could do to upset the model is refused here, so that a frame
// never meets a model exception: rows inside the synapse SRAM, routes to non-empty sets of the
// next layer's PEs (or, for the output layer, of the host alone) with axon ids they hold.
bool ChipTarget::images_consistent() const {
    const std::size_t sets = m_live.dest_sets.size();
    auto set_ok = [&](std::uint32_t id, std::uint32_t layer, std::uint64_t axon) {
        if (id >= sets || m_live.dest_sets[id].empty()) return false;
        for (auto n : m_live.dest_sets[id]) {
            if (layer == m_last_layer + 1) {
                if (n != m_live.host_node || axon >= m_outputs) return false;
                continue;
            }
            const map::PeImage* p = pe_image(n);
            if (!p || p->layer != layer || axon >= p->axon_base.size()) return false;
        }
        return true;
    };
    for (const auto& img : m_live.pes) {
        for (std::size_t a = 0; a < img.axon_base.size(); ++a)
            if (std::uint64_t{img.axon_base[a]} + img.axon_words[a] > img.synapse.size()) return false;
        for (const auto& r : img.routes)
            if (!set_ok(r.dest_set, img.layer + 1, r.axon)) return false;
    }
    return set_ok(m_live.input_dest_set, 0, m_live.inputs == 0 ? 0 : m_live.inputs - 1);
}

map::PeImage* ChipTarget::pe_image(std::uint64_t node) const {
    return node < m_node_pe.size() && m_node_pe[node] >= 0
               ? const_cast<map::PeImage*>(&m_live.pes[static_cast<std::size_t>(m_node_pe[node])])
               : nullptr;
}

tlm_response_status ChipTarget::start() {
    if (m_chip->frame_running()) {
        m_error = M::kErrBusy;
        return ::tlm::TLM_GENERIC_ERROR_RESPONSE;
    }
    if (!images_consistent()) {
        m_error = M::kErrBadImage;
        return ::tlm::TLM_GENERIC_ERROR_RESPONSE;
    }
    // Memories are not accessible during a frame: withdraw every DMI grant.
    socket->invalidate_direct_mem_ptr(0, ~std::uint64_t{0});
    m_running = std::move(m_queue);
    m_queue.clear();
    m_out_building.clear();
    m_irq = false;
    m_irq_update.notify(sc_core::SC_ZERO_TIME);
    m_state = M::kStateRunning;
    try {
        m_chip->start_frame(m_running, m_frame_index, [this](const FrameResult& r) { frame_done(r); });
    } catch (const Error&) {
        m_state = M::kStateIdle;
        m_error = M::kErrBadInput;
        return ::tlm::TLM_GENERIC_ERROR_RESPONSE;
    }
    ++m_frame_index;
    return ::tlm::TLM_OK_RESPONSE;
}

void ChipTarget::frame_done(const FrameResult& r) {
    m_last = r;
    m_out_spikes = m_out_building;
    ++m_frame_count;
    m_state = M::kStateDone;
    m_irq = true;
    m_irq_update.notify(sc_core::SC_ZERO_TIME);
}

bool ChipTarget::get_direct_mem_ptr(::tlm::tlm_generic_payload& gp, ::tlm::tlm_dmi& dmi) {
    Window w;
    const std::uint64_t addr = gp.get_address();
    if (m_chip->frame_running() || !resolve(addr - addr % 4, 4, w) || !w.dmi) return false;
    dmi.set_dmi_ptr(w.dmi);
    dmi.set_start_address(w.base);
    dmi.set_end_address(w.base + w.words * 4 - 1);
    dmi.allow_read_write();
    dmi.set_read_latency(m_word_latency);
    dmi.set_write_latency(m_word_latency);
    return true;
}

}  // namespace spiketlm::chip::tlm
