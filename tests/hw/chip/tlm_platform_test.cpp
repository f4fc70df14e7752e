// A small virtual platform: an initiator thread standing in for the CPU runs the host driver
// (hw/chip/tlm/host_driver.h) against the chip's TLM-2.0 target. The chip's memories come up
// zeroed, so everything it runs arrives through the socket; its decisions and spikes must equal
// the functional reference's (sw/snn, no SystemC) frame by frame, and decisions, steps and cycles
// those of Chip::run_frame (run in a forked child: its own elaboration). Bad accesses answer with
// the documented TLM response status. One elaboration per TEST_CASE (one process each).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <tuple>

#include <sys/wait.h>
#include <unistd.h>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "hw/chip/chip.h"

#include "hw/chip/tlm/chip_target.h"
#include "hw/chip/tlm/host_driver.h"
#include "hw/chip/tlm/memory_map.h"
#include "hw/chip/random_network.h"
#include "sw/cfg/config.h"
#include "sw/map/capacity.h"
#include "sw/map/mapper.h"
#include "sw/snn/network.h"
#include "sw/snn/reference.h"
#include "sw/stats/stats.h"

using namespace spiketlm;
namespace M = chip::tlm_map;

namespace {

snn::Network random_network(const std::vector<int>& sizes, snn::NeuronKind kind, std::uint64_t seed, int timesteps,
                            int wmax, std::int32_t theta) {
    std::mt19937_64 rng(seed);
    snn::Network net;
    net.name = "tlm";
    net.inputs = sizes[0];
    net.timesteps = timesteps;
    net.encoding.steps = timesteps / 2;
    net.seed = seed;
    for (std::size_t l = 1; l < sizes.size(); ++l) {
        snn::Layer L;
        L.name = "fc" + std::to_string(l);
        L.in = sizes[l - 1];
        L.out = sizes[l];
        L.weight_bits = 8;
        L.neuron = snn::NeuronParams::defaults(kind);
        L.neuron.theta = theta;
        if (kind == snn::NeuronKind::lif) L.neuron.refractory = 2;
        L.neuron.state_bits = 16;
        std::uniform_int_distribution<int> w(-wmax / 3, wmax);
        for (int k = 0; k < L.in * L.out; ++k) L.weights.push_back(w(rng));
        net.layers.push_back(L);
    }
    return net;
}

encode::SpikeTrain random_input(int inputs, int steps, double p, std::mt19937_64& rng) {
    encode::SpikeTrain t;
    std::bernoulli_distribution b(p);
    for (int s = 0; s < steps; ++s)
        for (int i = 0; i < inputs; ++i)
            if (b(rng)) t.push_back({static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(i)});
    return t;
}

const char* k_chip = R"(
chip:
  noc: {width: 4, height: 4}
  pe: {neurons: 16, synapse_words: 4096, axon_entries: 256}
)";

// The CPU: an initiator socket and one thread that runs `program` with the driver.
SC_MODULE(Cpu) {
    tlm_utils::simple_initiator_socket<Cpu> socket;
    std::function<void(Cpu&)> program;
    std::string error;  // an exception the program threw
    bool finished = false;
    SC_CTOR(Cpu) : socket("socket") {
        SC_THREAD(run);
        set_stack_size(1024 * 1024);
    }
    void run() {
        try {
            program(*this);
        } catch (const std::exception& e) {
            error = e.what();
        }
        finished = true;
        sc_core::sc_stop();
    }
    // One raw access; returns its response status (no throw).
    tlm::tlm_response_status raw(tlm::tlm_command cmd, std::uint64_t addr, void* data, unsigned len,
                                 unsigned streaming = 0, unsigned char* be = nullptr, unsigned be_len = 0) {
        tlm::tlm_generic_payload gp;
        gp.set_command(cmd);
        gp.set_address(addr);
        gp.set_data_ptr(static_cast<unsigned char*>(data));
        gp.set_data_length(len);
        gp.set_streaming_width(streaming ? streaming : len);
        gp.set_byte_enable_ptr(be);
        gp.set_byte_enable_length(be_len);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time d = sc_core::SC_ZERO_TIME;
        socket->b_transport(gp, d);
        return gp.get_response_status();
    }
};

// Platform RAM: a byte array with b_transport and DMI.
SC_MODULE(Ram) {
    tlm_utils::simple_target_socket<Ram> socket;
    std::vector<unsigned char> bytes;
    Ram(sc_core::sc_module_name n, std::size_t size) : sc_module(n), socket("socket"), bytes(size, 0) {
        socket.register_b_transport(this, &Ram::b_transport);
        socket.register_get_direct_mem_ptr(this, &Ram::dmi);
    }
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
        const auto a = gp.get_address();
        const auto len = gp.get_data_length();
        if (a + len > bytes.size() || gp.get_byte_enable_ptr() || gp.get_streaming_width() < len) {
            gp.set_response_status(a + len > bytes.size() ? tlm::TLM_ADDRESS_ERROR_RESPONSE : tlm::TLM_BURST_ERROR_RESPONSE);
            return;
        }
        if (gp.is_read()) std::memcpy(gp.get_data_ptr(), bytes.data() + a, len);
        if (gp.is_write()) std::memcpy(bytes.data() + a, gp.get_data_ptr(), len);
        delay += sc_core::sc_time(10, sc_core::SC_NS);
        gp.set_dmi_allowed(true);
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
    }
    bool dmi(tlm::tlm_generic_payload&, tlm::tlm_dmi& d) {
        d.set_dmi_ptr(bytes.data());
        d.set_start_address(0);
        d.set_end_address(bytes.size() - 1);
        d.allow_read_write();
        return true;
    }
};

// Interconnect: the chip at 0, the RAM at kRamBase (address translated both ways, DMI included).
constexpr std::uint64_t kRamBase = 0x1'0000'0000;
SC_MODULE(Bus) {
    tlm_utils::simple_target_socket<Bus> cpu;
    tlm_utils::simple_initiator_socket<Bus> to_chip, to_ram;
    SC_CTOR(Bus) : cpu("cpu"), to_chip("to_chip"), to_ram("to_ram") {
        cpu.register_b_transport(this, &Bus::b_transport);
        cpu.register_get_direct_mem_ptr(this, &Bus::dmi);
        to_chip.register_invalidate_direct_mem_ptr(this, &Bus::inval_chip);
        to_ram.register_invalidate_direct_mem_ptr(this, &Bus::inval_ram);
    }
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
        const auto a = gp.get_address();
        if (a >= kRamBase) {
            gp.set_address(a - kRamBase);
            to_ram->b_transport(gp, delay);
            gp.set_address(a);
        } else {
            to_chip->b_transport(gp, delay);
        }
    }
    bool dmi(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& d) {
        const auto a = gp.get_address();
        if (a < kRamBase) return to_chip->get_direct_mem_ptr(gp, d);
        gp.set_address(a - kRamBase);
        const bool ok = to_ram->get_direct_mem_ptr(gp, d);
        gp.set_address(a);
        d.set_start_address(d.get_start_address() + kRamBase);
        d.set_end_address(d.get_end_address() + kRamBase);
        return ok;
    }
    void inval_chip(sc_dt::uint64 a, sc_dt::uint64 b) { cpu->invalidate_direct_mem_ptr(a, b); }
    void inval_ram(sc_dt::uint64 a, sc_dt::uint64 b) { cpu->invalidate_direct_mem_ptr(a + kRamBase, b + kRamBase); }
};

struct Outcome {
    std::uint64_t frames = 0, spikes = 0, output_spikes = 0, mismatches = 0, cycle_mismatches = 0;
    std::string first_difference;
};

// What Chip::run_frame (the chip driving sc_start itself) gives per frame.
struct StandaloneFrame {
    std::int32_t decision, steps;
    std::uint64_t cycles;
};

// Runs the same frames through chip::Chip::run_frame in a forked child (its own SystemC
// elaboration) and returns its per-frame results through a pipe.
std::vector<StandaloneFrame> run_standalone(const snn::Network& net, const cfg::Config& c,
                                            const map::MappedNetwork& mapped, bool early_stop, int frames,
                                            double p_in, std::uint64_t seed) {
    int fd[2];
    REQUIRE(pipe(fd) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        int rc = 0;
        try {
            stats::Registry stats;
            chip::Chip chip("chip", c, net, mapped, stats, early_stop, net.seed);
            std::mt19937_64 rng(seed);
            for (int f = 0; f < frames; ++f) {
                const auto in = random_input(net.inputs, net.encoding.steps, p_in, rng);
                const auto r = chip.run_frame(in, static_cast<std::uint64_t>(f));
                const StandaloneFrame s{r.decision, static_cast<std::int32_t>(r.steps), r.cycles};
                if (write(fd[1], &s, sizeof s) != static_cast<ssize_t>(sizeof s)) rc = 1;
            }
        } catch (...) {
            rc = 1;
        }
        close(fd[1]);
        _exit(rc);
    }
    close(fd[1]);
    std::vector<StandaloneFrame> out;
    StandaloneFrame s;
    while (read(fd[0], &s, sizeof s) == static_cast<ssize_t>(sizeof s)) out.push_back(s);
    close(fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    return out;
}

// Builds the platform, loads the network through the socket and runs `frames` random frames,
// comparing each with the reference.
// `via_ram`: the images sit in a platform RAM behind an interconnect as a load list, and the
// driver copies them from there into the chip; otherwise the driver loads from its own copy.
Outcome run_platform(const snn::Network& net, bool early_stop, bool use_irq, bool use_dmi, bool via_ram, int frames,
                     double p_in, std::uint64_t seed) {
    cfg::Config c;
    c.load_string(k_chip, "chip.yaml");
    stats::Registry stats;
    const auto mapped = map::map_network(net, map::capacity_from(c), map::mesh_from(c));
    const auto standalone = run_standalone(net, c, mapped, early_stop, frames, p_in, seed);
    REQUIRE(standalone.size() == static_cast<std::size_t>(frames));
    chip::tlm::ChipTarget target("chip", c, net, mapped, stats, early_stop, net.seed);
    Cpu cpu("cpu");
    const auto list = chip::tlm::pack_load_list(chip::tlm::load_blocks(mapped, (mapped.nodes() + 31) / 32));
    std::unique_ptr<Ram> ram;
    std::unique_ptr<Bus> bus;
    if (via_ram) {
        ram = std::make_unique<Ram>("ram", 4 * list.size());
        std::memcpy(ram->bytes.data(), list.data(), 4 * list.size());  // left there by a boot loader
        bus = std::make_unique<Bus>("bus");
        cpu.socket.bind(bus->cpu);
        bus->to_chip.bind(target.socket);
        bus->to_ram.bind(ram->socket);
    } else {
        cpu.socket.bind(target.socket);
    }
    std::size_t blocks = 0;
    std::vector<snn::SpikeEvent> chip_spikes;
    target.set_spike_callback([&](const chip::ChipSpike& s) { chip_spikes.push_back({s.step, s.layer, s.neuron}); });
    snn::SimOptions opt;
    opt.early_stop = early_stop;
    snn::Reference ref(net, opt);
    Outcome o;
    std::uint32_t refused_start_error = 0;
    std::uint64_t dmi_bytes = 0, readback_mismatches = 0;
    cpu.program = [&](Cpu& self) {
        chip::tlm::HostDriver drv(*self.socket[0], use_irq ? &target.irq : nullptr,
                                  sc_core::sc_time(200, sc_core::SC_NS));
        // Before loading, the memories are blank: the chip refuses to start.
        std::uint32_t start = M::kCtrlStart;
        if (self.raw(tlm::TLM_WRITE_COMMAND, M::kCtrl, &start, 4) == tlm::TLM_GENERIC_ERROR_RESPONSE)
            refused_start_error = drv.read(M::kError);
        drv.write(M::kCtrl, M::kCtrlClearError);
        if (via_ram)
            blocks = drv.load_from_memory(kRamBase, use_dmi);
        else
            drv.load(mapped, use_dmi);
        dmi_bytes = drv.dmi_bytes();
        // Read back every synapse word through the bus.
        for (const auto& img : mapped.pes)
            for (std::size_t k = 0; k < img.synapse.size(); ++k) {
                const std::uint64_t a = M::node_base(img.node) + M::kSynapse + 8 * k;
                const std::uint64_t w = drv.read(a) | std::uint64_t{drv.read(a + 4)} << 32;
                readback_mismatches += w != img.synapse[k];
            }
        std::mt19937_64 rng(seed);
        for (int f = 0; f < frames; ++f) {
            const auto in = random_input(net.inputs, net.encoding.steps, p_in, rng);
            chip_spikes.clear();
            const auto got = drv.run_frame(in, static_cast<std::uint32_t>(f));
            snn::VectorSink sink;
            const auto rr = ref.run(in, static_cast<std::uint64_t>(f), &sink);
            std::vector<std::pair<std::uint32_t, std::uint32_t>> want_out, got_out = got.output_spikes;
            for (const auto& s : sink.spikes)
                if (s.layer + 1 == net.layers.size()) want_out.emplace_back(s.step, s.neuron);
            std::sort(got_out.begin(), got_out.end());
            std::sort(want_out.begin(), want_out.end());
            auto key = [](const snn::SpikeEvent& a, const snn::SpikeEvent& b) {
                return std::tie(a.step, a.layer, a.neuron) < std::tie(b.step, b.layer, b.neuron);
            };
            std::sort(chip_spikes.begin(), chip_spikes.end(), key);
            ++o.frames;
            o.spikes += sink.spikes.size();
            o.output_spikes += want_out.size();
            const bool same = got.decision == rr.decision && got.first_output_step == rr.first_output_step &&
                              got.steps == rr.steps && got_out == want_out && chip_spikes == sink.spikes &&
                              got.cycles == target.last_result().cycles && got.cycles > 0;
            const auto& sa = standalone[static_cast<std::size_t>(f)];
            if (sa.decision != got.decision || sa.steps != static_cast<std::int32_t>(got.steps) || sa.cycles != got.cycles)
                ++o.cycle_mismatches;
            if (!same && o.mismatches++ == 0)
                o.first_difference = "frame " + std::to_string(f) + ": platform decision " +
                                     std::to_string(got.decision) + ", " + std::to_string(got_out.size()) +
                                     " output spikes, steps " + std::to_string(got.steps) + "; reference " +
                                     std::to_string(rr.decision) + ", " + std::to_string(want_out.size()) + ", " +
                                     std::to_string(rr.steps);
        }
    };
    sc_core::sc_start();
    INFO(cpu.error);
    REQUIRE(cpu.finished);
    REQUIRE(cpu.error.empty());
    CHECK(refused_start_error == M::kErrBadImage);
    CHECK(readback_mismatches == 0);
    if (use_dmi) CHECK(dmi_bytes > 0);
    if (via_ram) CHECK(blocks == 4 * mapped.pes.size() + mapped.dest_sets.size());
    return o;
}

}  // namespace

TEST_CASE("tlm platform: a LIF network loaded word by word and run on interrupts equals the reference", "[system]") {
    const auto net = random_network({40, 48, 32, 10}, snn::NeuronKind::lif, 21, 24, 60, 120);
    const Outcome o = run_platform(net, false, true, false, false, 40, 0.15, 1);
    INFO(o.first_difference);
    CHECK(o.frames == 40);
    CHECK(o.mismatches == 0);
    CHECK(o.cycle_mismatches == 0);  // decision, steps and cycles as Chip::run_frame
    CHECK(o.spikes > 400);
    CHECK(o.output_spikes > 40);
}

TEST_CASE("tlm platform: a ReL-PSP network copied from platform RAM into the chip through DMI and polled with early stop equals the reference", "[system]") {
    const auto net = random_network({50, 40, 10}, snn::NeuronKind::relpsp, 23, 40, 40, 600);
    const Outcome o = run_platform(net, true, false, true, true, 40, 0.05, 3);
    INFO(o.first_difference);
    CHECK(o.frames == 40);
    CHECK(o.mismatches == 0);
    CHECK(o.cycle_mismatches == 0);
    CHECK(o.output_spikes > 20);
}

TEST_CASE("tlm platform: bad accesses answer with their TLM response status", "[system]") {
    const auto net = random_network({20, 16, 10}, snn::NeuronKind::lif, 25, 16, 60, 120);
    cfg::Config c;
    c.load_string(k_chip, "chip.yaml");
    stats::Registry stats;
    const auto mapped = map::map_network(net, map::capacity_from(c), map::mesh_from(c));
    chip::tlm::ChipTarget target("chip", c, net, mapped, stats, false, net.seed);
    Cpu cpu("cpu");
    cpu.socket.bind(target.socket);
    std::vector<std::pair<std::string, tlm::tlm_response_status>> got;
    std::uint32_t err_busy = 0, err_input = 0, err_image = 0;
    int decision_after = -2;
    cpu.program = [&](Cpu& self) {
        using tlm::TLM_READ_COMMAND;
        using tlm::TLM_WRITE_COMMAND;
        std::uint32_t v = 0;
        std::uint64_t v64 = 0;
        std::uint16_t v16 = 0;
        const std::uint64_t n0 = M::node_base(mapped.pes[0].node);
        auto rec = [&](const std::string& what, tlm::tlm_response_status s) { got.emplace_back(what, s); };
        rec("read unmapped control offset", self.raw(TLM_READ_COMMAND, 0x01C, &v, 4));
        rec("read between windows", self.raw(TLM_READ_COMMAND, 0x0800'0000, &v, 4));
        rec("read beyond the mesh", self.raw(TLM_READ_COMMAND, M::node_base(16) + M::kSynapse, &v, 4));
        rec("read node without PE", self.raw(TLM_READ_COMMAND, M::node_base(15) + M::kSynapse, &v, 4));
        rec("read beyond the routing table", self.raw(TLM_READ_COMMAND, n0 + M::kRoute + 8 * 1000, &v, 4));
        rec("2-byte register read", self.raw(TLM_READ_COMMAND, M::kStatus, &v16, 2));
        rec("8-byte register read", self.raw(TLM_READ_COMMAND, M::kStatus, &v64, 8));
        rec("misaligned synapse read", self.raw(TLM_READ_COMMAND, n0 + M::kSynapse + 2, &v, 4));
        rec("streaming read of a memory", self.raw(TLM_READ_COMMAND, n0 + M::kSynapse, &v64, 8, 4));
        unsigned char be[4] = {0xff, 0, 0xff, 0};
        rec("byte enables", self.raw(TLM_WRITE_COMMAND, n0 + M::kSynapse, &v, 4, 4, be, 4));
        rec("write STATUS", self.raw(TLM_WRITE_COMMAND, M::kStatus, &v, 4));
        rec("write FRAME_COUNT", self.raw(TLM_WRITE_COMMAND, M::kFrameCount, &v, 4));
        rec("write node info", self.raw(TLM_WRITE_COMMAND, n0 + M::kNodeNeurons, &v, 4));
        rec("write state window", self.raw(TLM_WRITE_COMMAND, n0 + M::kState, &v, 4));
        rec("write output spikes", self.raw(TLM_WRITE_COMMAND, M::kOutSpikes, &v, 4));
        rec("read CTRL", self.raw(TLM_READ_COMMAND, M::kCtrl, &v, 4));
        v = 0xFFFFu;  // input id far beyond the 20 inputs
        rec("push input out of range", self.raw(TLM_WRITE_COMMAND, M::kInputPush, &v, 4));
        err_input = 0;
        self.raw(TLM_READ_COMMAND, M::kError, &err_input, 4);
        // After all that the chip still works: load, start, and poke the memories while it runs.
        chip::tlm::HostDriver drv(*self.socket[0], &target.irq);
        drv.write(M::kCtrl, M::kCtrlClearError);
        drv.load(mapped, true);
        drv.write(M::kInputPush, 0u << M::kInputStepShift | 3u);
        drv.write(M::kInputPush, 1u << M::kInputStepShift | 5u);
        drv.write(M::kCtrl, M::kCtrlStart);
        rec("synapse write while running", self.raw(TLM_WRITE_COMMAND, n0 + M::kSynapse, &v, 4));
        err_busy = drv.read(M::kError);
        rec("start while running", self.raw(TLM_WRITE_COMMAND, M::kCtrl, &(v = M::kCtrlStart), 4));
        while (!target.irq.read()) sc_core::wait(target.irq.posedge_event());
        decision_after = static_cast<int>(drv.read(M::kDecision));
        rec("read state after the frame", self.raw(TLM_READ_COMMAND, n0 + M::kState, &v, 4));
        drv.write(M::kCtrl, M::kCtrlIrqAck);
        // Inconsistent images are refused at start: a route to a missing set, a row past the SRAM.
        const std::uint32_t set0 = drv.read(n0 + M::kRoute);
        drv.write(n0 + M::kRoute, 9999);
        rec("start with a route to a missing set", self.raw(TLM_WRITE_COMMAND, M::kCtrl, &(v = M::kCtrlStart), 4));
        drv.write(n0 + M::kRoute, set0);
        drv.write(n0 + M::kAxonWords, 1u << 30);
        rec("start with an axon row past the SRAM", self.raw(TLM_WRITE_COMMAND, M::kCtrl, &(v = M::kCtrlStart), 4));
        err_image = drv.read(M::kError);
    };
    sc_core::sc_start();
    INFO(cpu.error);
    REQUIRE(cpu.error.empty());
    REQUIRE(cpu.finished);
    const std::vector<std::pair<std::string, tlm::tlm_response_status>> want = {
        {"read unmapped control offset", tlm::TLM_ADDRESS_ERROR_RESPONSE},
        {"read between windows", tlm::TLM_ADDRESS_ERROR_RESPONSE},
        {"read beyond the mesh", tlm::TLM_ADDRESS_ERROR_RESPONSE},
        {"read node without PE", tlm::TLM_ADDRESS_ERROR_RESPONSE},
        {"read beyond the routing table", tlm::TLM_ADDRESS_ERROR_RESPONSE},
        {"2-byte register read", tlm::TLM_BURST_ERROR_RESPONSE},
        {"8-byte register read", tlm::TLM_BURST_ERROR_RESPONSE},
        {"misaligned synapse read", tlm::TLM_BURST_ERROR_RESPONSE},
        {"streaming read of a memory", tlm::TLM_BURST_ERROR_RESPONSE},
        {"byte enables", tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE},
        {"write STATUS", tlm::TLM_COMMAND_ERROR_RESPONSE},
        {"write FRAME_COUNT", tlm::TLM_COMMAND_ERROR_RESPONSE},
        {"write node info", tlm::TLM_COMMAND_ERROR_RESPONSE},
        {"write state window", tlm::TLM_COMMAND_ERROR_RESPONSE},
        {"write output spikes", tlm::TLM_COMMAND_ERROR_RESPONSE},
        {"read CTRL", tlm::TLM_COMMAND_ERROR_RESPONSE},
        {"push input out of range", tlm::TLM_GENERIC_ERROR_RESPONSE},
        {"synapse write while running", tlm::TLM_GENERIC_ERROR_RESPONSE},
        {"start while running", tlm::TLM_GENERIC_ERROR_RESPONSE},
        {"read state after the frame", tlm::TLM_OK_RESPONSE},
        {"start with a route to a missing set", tlm::TLM_GENERIC_ERROR_RESPONSE},
        {"start with an axon row past the SRAM", tlm::TLM_GENERIC_ERROR_RESPONSE},
    };
    CHECK(got == want);
    CHECK(err_input == M::kErrBadInput);
    CHECK(err_busy == M::kErrBusy);
    CHECK(err_image == M::kErrBadImage);
    CHECK(decision_after >= -1);
    CHECK(decision_after < 10);
}

TEST_CASE("tlm platform: a mapped network with offset axon tables or per-input sets is refused before any access",
          "[unit]") {
    cfg::Config c;
    c.load_string(test::k_chip6x6, "chip.yaml");
    const auto mapped = map::map_network(test::mixed_network(5), map::capacity_from(c), map::mesh_from(c));
    REQUIRE(!mapped.input_sets.empty());
    CHECK_THROWS_WITH(chip::tlm::load_blocks(mapped, 4), Catch::Contains("sends inputs to different PE sets"));
    auto no_sets = mapped;
    no_sets.input_sets.clear();
    CHECK_THROWS_WITH(chip::tlm::load_blocks(no_sets, 4), Catch::Contains("has an axon table starting at id"));
}
