#include "hw/noc/rtl/rtl_router.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <type_traits>

#include "hw/common/rtl_plugin.h"
#include "hw/noc/link.h"
#include "hw/sim/trace_sink.h"
#include "sw/common/error.h"
#include "sw/stats/stats.h"

namespace spiketlm::noc {

const RtlRouterLimits& RtlRouterLimits::compiled() {
    static const RtlRouterLimits l{SPIKETLM_RTL_ROUTER_VC_MAX, SPIKETLM_RTL_ROUTER_DEPTH_MAX,
                                   SPIKETLM_RTL_ROUTER_FLIT_W, SPIKETLM_RTL_ROUTER_NODES_MAX,
                                   SPIKETLM_RTL_ROUTER_TAG_W};
    return l;
}

namespace {

static_assert(SPIKETLM_RTL_ROUTER_FLIT_W == proto::kMaxFlitBits, "rtl/router.sv carries kMaxFlitBits per flit");
static_assert(SPIKETLM_RTL_ROUTER_TAG_W == 64, "the sideband tag is {hops 16, seq 16, packet 32}");
constexpr unsigned kFlitWords32 = SPIKETLM_RTL_ROUTER_FLIT_W / 32;

// 32-bit word `i` of a packed port (Verilator: uint8/16/32 up to 32 bits, uint64_t up to 64,
// VlWide above).
template <typename T>
std::uint32_t word(const T& port, unsigned i) {
    if constexpr (std::is_integral_v<T>) return static_cast<std::uint32_t>(static_cast<std::uint64_t>(port) >> (32 * i));
    else return port[i];
}
template <typename T>
void set_word(T& port, unsigned i, std::uint32_t v) {
    if constexpr (std::is_integral_v<T>) {
        const std::uint64_t mask = std::uint64_t{0xFFFFFFFFu} << (32 * i);
        port = static_cast<T>((static_cast<std::uint64_t>(port) & ~mask) | (std::uint64_t{v} << (32 * i)));
    } else {
        port[i] = v;
    }
}
template <typename T>
void clear(T& port, unsigned bits) {
    for (unsigned i = 0; i < (bits + 31) / 32; ++i) set_word(port, i, 0);
}
// 8-bit field `k` of a packed port.
template <typename T>
std::uint8_t byte(const T& port, unsigned k) {
    return static_cast<std::uint8_t>(word(port, k / 4) >> (8 * (k % 4)));
}
template <typename T>
void set_byte(T& port, unsigned k, std::uint8_t v) {
    const unsigned sh = 8 * (k % 4);
    const std::uint32_t w = word(port, k / 4);
    set_word(port, k / 4, (w & ~(0xFFu << sh)) | (std::uint32_t{v} << sh));
}

// Routing functions with an RTL implementation (rtl/router.sv route_fn): cfg_routing codes.
int routing_code(const std::string& name) {
    if (name == "xy") return 0;
    if (name == "yx") return 1;
    if (name == "west_first") return 2;
    return -1;
}

void fits(const char* key, std::uint64_t value, std::uint64_t max, const char* param) {
    if (value > max)
        throw InputError(std::string(key) + " = " + std::to_string(value) + " exceeds the rtl router's " + param +
                         " = " + std::to_string(max) + " (the size rtl/router.sv is Verilated with, rtl/verilate.cmake)");
}

// The model factory: the build's own model, or a plugin named by $SPIKETLM_RTL_ROUTER_MODEL (a
// mutant model built by scripts/rtl_mutant_check.py for the mutation check).
RouterModelFactory model_factory() {
    static const RouterModelFactory f = rtl::model_factory(
        "SPIKETLM_RTL_ROUTER_MODEL", kRouterModelFactorySymbol, static_cast<RouterModelFactory>(&spiketlm_make_router));
    return f;
}

const bool registered = RouterRegistry::add(
    "rtl", "rtl/router.sv Verilated and clocked by the mesh (docs/rtl.md): the timing of iq_wormhole",
    [](const RouterParams& p) -> std::unique_ptr<RouterIf> { return std::make_unique<RtlRouter>(p); });

}  // namespace

RtlRouter::RtlRouter(const RouterParams& p)
    : sc_core::sc_module(sc_core::sc_module_name(p.name.c_str())),
      m_id(p.id),
      m_cfg(p.cfg),
      m_st(p.cfg.stages()),
      m_shared(p.shared) {
    const NocConfig& cfg = p.cfg;
    m_model.reset(model_factory()(name()));
    const RtlRouterLimits& C = RtlRouterLimits::compiled();
    const RouterModelLimits L = m_model->limits();
    if (L.vcs != C.vcs || L.flit_bits != C.flit_bits || L.tag_bits != C.tag_bits)
        throw InputError(std::string(name()) + ": the router model has VC_MAX " + std::to_string(L.vcs) + ", FLIT_W " +
                         std::to_string(L.flit_bits) + ", TAG_W " + std::to_string(L.tag_bits) +
                         "; the build's port layout needs " + std::to_string(C.vcs) + ", " + std::to_string(C.flit_bits) +
                         ", " + std::to_string(C.tag_bits) + " (rtl/verilate.cmake)");
    const int code = routing_code(p.routing_name);
    if (code < 0)
        throw InputError("chip.noc.routing: routing function '" + p.routing_name +
                         "' has no implementation in the rtl router (rtl/router.sv: xy, yx, west_first)");
    fits("chip.noc.vcs", cfg.vcs, L.vcs, "VC_MAX");
    fits("chip.noc.buffer_depth", cfg.buffer_depth, L.depth, "DEPTH_MAX");
    fits("chip.noc.flit_width_bits", cfg.flit_width_bits, L.flit_bits, "FLIT_W");
    fits("chip.noc.width x chip.noc.height (nodes)", cfg.nodes(), L.nodes, "NODES_MAX");
    if (cfg.buffer_depth > 255) fits("chip.noc.buffer_depth", cfg.buffer_depth, 255, "8-bit credit count");

    if (cfg.rtl_trace) {
        std::filesystem::create_directories(cfg.rtl_trace_dir);
        m_vcd_path = (std::filesystem::path(cfg.rtl_trace_dir) / ("rtl-" + std::string(name()) + ".vcd")).string();
        m_model->trace_open(m_vcd_path.c_str());
    }
    auto& t = m_io;
    const proto::PacketFormat& fmt = m_shared.format;
    t.cfg_vcs = cfg.vcs;
    t.cfg_depth = cfg.buffer_depth;
    t.cfg_rc = m_st.rc;
    t.cfg_va = m_st.va;
    t.cfg_routing = static_cast<std::uint32_t>(code);
    t.cfg_width = cfg.width;
    t.cfg_nodes = cfg.nodes();
    t.cfg_x = p.id % cfg.width;
    t.cfg_y = p.id / cfg.width;
    t.cfg_id = p.id;
    t.cfg_node_bits = fmt.node_bits();
    t.cfg_dest_bits = fmt.dest_bits();
    t.cfg_links = 0;
    if (fmt.pos_dest() != 3 || fmt.pos_mcast() != 2)
        throw Error(std::string(name()) + ": the packet format moved the header fields rtl/router.sv reads");

    const std::string path = this->name();
    p.stats.add_component(path, "router");
    m_buffer_write = &p.stats.action(path, "router", "buffer_write", "flits written into input buffers");
    m_buffer_read = &p.stats.action(path, "router", "buffer_read", "flits read out of input buffers");
    m_crossbar = &p.stats.action(path, "router", "crossbar", "flit crossbar traversals (multicast copies count each)");
    m_arbitration = &p.stats.action(path, "router", "arbitration", "VC allocations and switch grants");
    apply_reset();
}

RtlRouter::~RtlRouter() {
    if (m_model) m_model->final();
}

void RtlRouter::apply_reset() {
    auto& t = m_io;
    t.in_valid = 0;
    clear(t.cr_in, 5 * RtlRouterLimits::compiled().vcs * 8);
    t.arb_reset = 0;
    t.rst_n = 0;
    t.clk = 0;
    m_model->eval(t);
    t.clk = 1;
    m_model->eval(t);
    t.rst_n = 1;
    t.clk = 0;
    m_model->eval(t);
    m_buffered = 0;
    m_next = 0;
}

void RtlRouter::connect_input(Port p, Link* l) { m_in[p] = l; }

void RtlRouter::connect_output(Port p, Link* l) {
    m_out[p] = l;
    m_io.cfg_links = m_io.cfg_links | (1u << p);
}

void RtlRouter::evaluate(Cycle now) {
    if (m_next < now) {
        // Asleep since m_next: only credits can have arrived (flits wake the router); clock them
        // into the idle model in the cycles they became visible.
        if (m_buffered)
            throw Error(std::string(name()) + ": the model holds flits but was not clocked in cycle " +
                        std::to_string(m_next) + " (rtl router scheduling bug)");
        for (;;) {
            Cycle t = proto::kNever;
            for (unsigned o = 0; o < kPorts; ++o)
                if (m_out[o]) t = std::min(t, m_out[o]->next_credit());
            if (t >= now) break;
            clock(std::max(t, m_next), false);
        }
        m_next = now;
    }
    clock(now, true);
    // A component keeps one pending wake-up (the earliest): ask again for the flits on the wire.
    Cycle next = m_buffered ? now + 1 : proto::kNever;
    for (unsigned p = 0; p < kPorts; ++p)
        if (m_in[p]) next = std::min(next, m_in[p]->next_flit());
    if (next != proto::kNever) wake(std::max(next, now + 1));
}

void RtlRouter::clock(Cycle c, bool live) {
    auto& t = m_io;
    const RtlRouterLimits& L = RtlRouterLimits::compiled();
    // Inputs of cycle c.
    t.in_valid = 0;
    t.in_head = 0;
    t.in_tail = 0;
    clear(t.cr_in, 5 * L.vcs * 8);
    unsigned arrived = 0;
    for (unsigned p = 0; p < kPorts; ++p) {
        if (!m_in[p] || !live) continue;
        proto::Flit f;
        if (!m_in[p]->recv_flit(c, f)) continue;
        if (f.vc >= m_cfg.vcs)
            throw Error(std::string(name()) + ": flit on VC " + std::to_string(f.vc) + " of input " + port_name(p) +
                        " beyond chip.noc.vcs");
        t.in_valid = static_cast<std::uint8_t>(t.in_valid | (1u << p));
        if (f.head()) t.in_head = static_cast<std::uint8_t>(t.in_head | (1u << p));
        if (f.tail()) t.in_tail = static_cast<std::uint8_t>(t.in_tail | (1u << p));
        for (unsigned w = 0; w < proto::kFlitWords; ++w) {
            set_word(t.in_bits, p * kFlitWords32 + 2 * w, static_cast<std::uint32_t>(f.bits[w]));
            set_word(t.in_bits, p * kFlitWords32 + 2 * w + 1, static_cast<std::uint32_t>(f.bits[w] >> 32));
        }
        set_word(t.in_tag, 2 * p, f.packet);
        set_word(t.in_tag, 2 * p + 1, std::uint32_t{f.seq} | (std::uint32_t{f.hops} << 16));
        set_byte(t.in_vc, p, f.vc);
        ++arrived;
        if (m_in[p]->recv_flit(c, f))
            throw Error(std::string(name()) + ": two flits visible in cycle " + std::to_string(c) + " on input " +
                        port_name(p) + " (a link carries one per cycle)");
    }
    for (unsigned o = 0; o < kPorts; ++o) {
        if (!m_out[o]) continue;
        std::uint8_t vc;
        while (m_out[o]->recv_credit(c, vc)) {
            if (vc >= m_cfg.vcs)
                throw Error(std::string(name()) + ": credit for VC " + std::to_string(vc) + " beyond chip.noc.vcs");
            const unsigned k = o * L.vcs + vc;
            set_byte(t.cr_in, k, static_cast<std::uint8_t>(byte(t.cr_in, k) + 1));
        }
    }
    t.clk = 0;
    m_model->eval(t);
    if (!m_vcd_path.empty()) m_model->trace_dump(2 * c);
    check_error(c);

    // Cycle c's work: the crossbar outputs and the credits of this cycle's grants.
    const std::uint32_t out_delay = m_st.sa + m_st.st;
    unsigned sent = 0;
    for (unsigned o = 0; o < kPorts; ++o) {
        if (!((t.out_valid >> o) & 1u)) continue;
        if (!live || !m_out[o])
            throw Error(std::string(name()) + ": the RTL sent a flit to output " + port_name(o) + " in cycle " +
                        std::to_string(c) + (m_out[o] ? " without a live cycle (rtl router scheduling bug)" : ", which has no link"));
        proto::Flit f;
        for (unsigned w = 0; w < proto::kFlitWords; ++w)
            f.bits[w] = std::uint64_t{word(t.out_bits, o * kFlitWords32 + 2 * w)} |
                        (std::uint64_t{word(t.out_bits, o * kFlitWords32 + 2 * w + 1)} << 32);
        f.packet = word(t.out_tag, 2 * o);
        const std::uint32_t hi = word(t.out_tag, 2 * o + 1);
        f.seq = static_cast<std::uint16_t>(hi);
        f.hops = static_cast<std::uint16_t>(hi >> 16);
        f.vc = byte(t.out_vc, o);
        f.flags = static_cast<std::uint8_t>((((t.out_head >> o) & 1u) ? proto::kHead : 0) |
                                            (((t.out_tail >> o) & 1u) ? proto::kTail : 0));
        if (f.head() && m_shared.trace) {
            const PacketRecord& rec = m_shared.packets[f.packet];
            m_shared.trace->hop(m_id, o, rec.packet.src, rec.injected, c + out_delay);
        }
        m_out[o]->send_flit(f, c, out_delay);
        ++sent;
    }
    for (unsigned p = 0; p < kPorts; ++p) {
        if (!((t.cr_out_valid >> p) & 1u)) continue;
        if (!m_in[p]) throw Error(std::string(name()) + ": the RTL returned a credit on input " + port_name(p) + ", which has no link");
        m_in[p]->send_credit(byte(t.cr_out_vc, p), c, m_st.sa);
    }
    if (arrived) m_buffer_write->inc(arrived);
    if (t.act_read) m_buffer_read->inc(t.act_read);
    if (sent) m_crossbar->inc(sent);
    if (t.act_arb) m_arbitration->inc(t.act_arb);
    if (t.act_read > m_buffered + arrived)
        throw Error(std::string(name()) + ": the RTL read more flits than it holds (cycle " + std::to_string(c) + ")");
    m_buffered = m_buffered + arrived - t.act_read;

    t.clk = 1;
    m_model->eval(t);
    ++m_model_cycles;
    if (!m_vcd_path.empty()) m_model->trace_dump(2 * c + 1);  // the clock-low values of cycle c at 2c, the edge at 2c + 1
    t.clk = 0;
    m_next = c + 1;
}

void RtlRouter::check_error(Cycle c) const {
    const auto& t = m_io;
    if (!t.err) return;
    const std::string where = std::string(name()) + " (rtl) in cycle " + std::to_string(c) + ": ";
    const std::string in = port_name(t.err_port);
    switch (t.err) {
    case 1:
        throw Error(where + "input buffer overflow on port " + in + " VC " + std::to_string(t.err_node) +
                    " (credit protocol violated)");
    case 2:
        throw Error(where + "protocol violation: body flit at the front of an idle VC on port " + in);
    case 3:
        throw Error(where + "packet for node " + std::to_string(t.err_node) + " outside the " + std::to_string(m_cfg.width) +
                    "x" + std::to_string(m_cfg.height) + " mesh");
    case 4:
        throw Error(where + "routing function '" + m_cfg.routing + "' sent a packet for node " +
                    std::to_string(t.err_node) + " to a port with no link (off the mesh)");
    default:
        throw Error(where + "multicast packet with an empty destination bitmask on port " + in);
    }
}

std::string RtlRouter::dump(Cycle /*now*/) const {
    std::ostringstream os;
    const RtlRouterLimits& L = RtlRouterLimits::compiled();
    for (unsigned p = 0; p < kPorts; ++p) {
        if (!m_in[p]) continue;
        for (unsigned v = 0; v < m_cfg.vcs; ++v) {
            const unsigned n = byte(m_io.vc_count, p * L.vcs + v);
            if (n) os << "  " << name() << " (rtl) in " << port_name(p) << " vc " << v << ": " << n << "/" << m_cfg.buffer_depth << " flits\n";
        }
    }
    return os.str();
}

void RtlRouter::reset() { apply_reset(); }

// The mesh calls this on an idle NoC at a frame start (docs/noc.md): one clock edge outside the
// cycle count with arb_reset high and no input, which changes nothing but the arbiter pointers
// (an empty router has no flit to move; credits still on a wire are clocked in later in their
// own cycles, as always).
void RtlRouter::reset_arbiters() {
    if (m_buffered != 0)
        throw Error(std::string(name()) + ": arbiters reset while the router holds flits (the NoC must be idle)");
    auto& t = m_io;
    t.in_valid = 0;
    clear(t.cr_in, 5 * RtlRouterLimits::compiled().vcs * 8);
    t.arb_reset = 1;
    t.clk = 0;
    m_model->eval(t);
    t.clk = 1;
    m_model->eval(t);
    t.arb_reset = 0;
    t.clk = 0;
    m_model->eval(t);
}

}  // namespace spiketlm::noc
