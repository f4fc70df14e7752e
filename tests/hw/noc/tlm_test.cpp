// TLM-2.0 entry: a loosely-timed initiator thread injects spikes with b_transport; a full
// injection queue blocks the caller instead of losing spikes.
#include <catch2/catch.hpp>

#include <tlm_utils/simple_initiator_socket.h>

#include "hw/noc/mesh.h"
#include "hw/noc/ni_tlm_target.h"
#include "hw/sim/cycle_scheduler.h"
#include "sw/stats/stats.h"
#include "tlm/spike_extension.h"

using namespace spiketlm;

namespace {
SC_MODULE(Host) {
    tlm_utils::simple_initiator_socket<Host> socket;
    int sent = 0, errors = 0;
    sc_core::sc_time done_at;
    SC_CTOR(Host) : socket("socket") { SC_THREAD(run); }
    void run() {
        for (int i = 0; i < 40; ++i) {
            tlm::tlm_generic_payload gp;
            auto* ext = new proto::SpikeExtension;
            ext->packet.src = 0;
            ext->packet.dst = 3;
            ext->packet.src_neuron = static_cast<std::uint32_t>(i);
            ext->packet.flits = 2;
            gp.set_extension(ext);  // freed with the payload
            gp.set_command(tlm::TLM_WRITE_COMMAND);
            sc_core::sc_time d = sc_core::SC_ZERO_TIME;
            socket->b_transport(gp, d);
            if (gp.get_response_status() == tlm::TLM_OK_RESPONSE) ++sent;
            else ++errors;
        }
        tlm::tlm_generic_payload bad;  // no spike extension
        bad.set_command(tlm::TLM_WRITE_COMMAND);
        sc_core::sc_time d = sc_core::SC_ZERO_TIME;
        socket->b_transport(bad, d);
        if (bad.get_response_status() == tlm::TLM_GENERIC_ERROR_RESPONSE) ++errors;
        done_at = sc_core::sc_time_stamp();
    }
};
}  // namespace

TEST_CASE("noc: TLM-2.0 b_transport injects spikes and blocks while the injection queue is full", "[system]") {
    sim::CycleScheduler sched("clk", sc_core::sc_time(1, sc_core::SC_NS));
    stats::Registry stats;
    noc::NocConfig cfg;
    cfg.width = cfg.height = 2;
    cfg.injection_queue_depth = 4;
    noc::Mesh mesh("noc", cfg, sched, stats);
    noc::NiTlmTarget target("ni0_tlm", mesh.ni(0));
    Host host("host");
    host.socket.bind(target.socket);
    std::vector<std::uint32_t> got;
    mesh.ni(3).set_eject_handler([&](const noc::Delivery& d) {
        got.push_back(d.packet.src_neuron);
        return true;
    });
    sched.run_until(2000);
    CHECK(host.sent == 40);
    CHECK(host.errors == 1);
    REQUIRE(got.size() == 40);
    std::vector<std::uint32_t> sorted = got;
    std::sort(sorted.begin(), sorted.end());
    for (std::uint32_t i = 0; i < 40; ++i) CHECK(sorted[i] == i);
    // the NI sends one flit per cycle; when the last b_transport returns, at most 4 (queue) + 2
    // (one in progress per VC) packets were not yet fully sent: (40 - 6) * 2 flit cycles passed
    CHECK(host.done_at >= sc_core::sc_time(68, sc_core::SC_NS));
    CHECK(mesh.quiescent());
    const auto t = mesh.totals();
    CHECK(t.packets == 40);
    CHECK(t.deliveries == 40);
    CHECK(t.hops_sum == 80);
    CHECK(t.flit_hops == 160);
    CHECK(t.latency_sum_cycles >= 40 * noc::zero_load_latency(cfg, 2, 2));
}
