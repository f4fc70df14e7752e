#include "hw/chip/tlm/host_driver.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "hw/chip/tlm/memory_map.h"
#include "sw/common/error.h"

namespace spiketlm::chip::tlm {

namespace M = tlm_map;

HostDriver::HostDriver(::tlm::tlm_fw_transport_if<>& bus, const sc_core::sc_signal<bool>* irq, sc_core::sc_time poll)
    : m_bus(bus), m_irq(irq), m_poll(poll) {}

::tlm::tlm_response_status HostDriver::transport(::tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data,
                                                 unsigned len, unsigned streaming_width) {
    ::tlm::tlm_generic_payload gp;
    gp.set_command(cmd);
    gp.set_address(addr);
    gp.set_data_ptr(data);
    gp.set_data_length(len);
    gp.set_streaming_width(streaming_width);
    gp.set_byte_enable_ptr(nullptr);
    gp.set_dmi_allowed(false);
    gp.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
    m_bus.b_transport(gp, m_local);
    ++m_transactions;
    const auto st = gp.get_response_status();
    if (st != ::tlm::TLM_OK_RESPONSE) {
        std::ostringstream os;
        os << "chip bus: " << (cmd == ::tlm::TLM_WRITE_COMMAND ? "write" : "read") << " of " << len << " bytes at 0x"
           << std::hex << addr << " answered " << gp.get_response_string();
        throw Error(os.str());
    }
    return st;
}

std::uint32_t HostDriver::read(std::uint64_t addr) {
    std::uint32_t v = 0;
    transport(::tlm::TLM_READ_COMMAND, addr, reinterpret_cast<unsigned char*>(&v), 4, 4);
    return v;
}

void HostDriver::write(std::uint64_t addr, std::uint32_t value) {
    transport(::tlm::TLM_WRITE_COMMAND, addr, reinterpret_cast<unsigned char*>(&value), 4, 4);
}

void HostDriver::write_block(std::uint64_t addr, const std::uint32_t* words, std::size_t n, bool use_dmi) {
    if (n == 0) return;
    const std::uint64_t bytes = 4 * static_cast<std::uint64_t>(n);
    if (use_dmi) {
        // The grant is used at once and not kept, so the driver needs no invalidation handling.
        ::tlm::tlm_generic_payload gp;
        gp.set_command(::tlm::TLM_WRITE_COMMAND);
        gp.set_address(addr);
        ::tlm::tlm_dmi dmi;
        if (m_bus.get_direct_mem_ptr(gp, dmi) && dmi.is_write_allowed() && dmi.get_start_address() <= addr &&
            addr + bytes - 1 <= dmi.get_end_address()) {
            std::memcpy(dmi.get_dmi_ptr() + (addr - dmi.get_start_address()), words, bytes);
            m_local += dmi.get_write_latency() * static_cast<double>(n);
            m_dmi_bytes += bytes;
            return;
        }
    }
    for (std::size_t k = 0; k < n; ++k) write(addr + 4 * k, words[k]);
}

void HostDriver::load(const map::MappedNetwork& m, bool use_dmi) {
    auto expect = [&](std::uint64_t addr, std::uint32_t want, const char* what) {
        const std::uint32_t got = read(addr);
        if (got != want)
            throw InputError(std::string("chip ") + what + " is " + std::to_string(got) + ", the mapped network needs " +
                             std::to_string(want));
    };
    expect(M::kId, M::kIdValue, "ID");
    expect(M::kMesh, m.mesh_width | m.mesh_height << 16, "mesh (width | height << 16)");
    expect(M::kNetInputs, m.inputs, "input count");
    expect(M::kSets, static_cast<std::uint32_t>(m.dest_sets.size()), "destination-set table size");
    for (const auto& img : m.pes) {
        const std::uint64_t nb = M::node_base(img.node);
        expect(nb + M::kNodePresent, 1, ("node " + std::to_string(img.node) + " PE").c_str());
        expect(nb + M::kNodeLayer, img.layer, "PE layer");
        expect(nb + M::kNodeFirstNeuron, img.first_neuron, "PE first neuron");
        expect(nb + M::kNodeNeurons, img.neurons, "PE neurons");
        if (read(nb + M::kNodeSynapseWords) < img.synapse.size() || read(nb + M::kNodeAxonEntries) < img.axon_base.size())
            throw InputError("node " + std::to_string(img.node) + ": the image does not fit the chip's memories");
    }
    for (const auto& b : load_blocks(m, read(M::kSetWords))) write_block(b.addr, b.words.data(), b.words.size(), use_dmi);
}

std::vector<LoadBlock> load_blocks(const map::MappedNetwork& m, std::uint32_t set_words) {
    // The memory map (docs/tlm.md) has no per-input destination sets nor axon-table offsets yet.
    if (!m.input_sets.empty())
        throw InputError("host driver: the mapped network sends inputs to different PE sets (sparse or conv2d first "
                         "layer), which the chip target's memory map cannot load yet");
    for (const auto& img : m.pes)
        if (img.axon_first != 0)
            throw InputError("host driver: the PE at node " + std::to_string(img.node) +
                             " has an axon table starting at id " + std::to_string(img.axon_first) +
                             " (sparse, conv2d or recurrent layers), which the chip target's memory map cannot load yet");
    std::vector<LoadBlock> out;
    for (const auto& img : m.pes) {
        const std::uint64_t nb = M::node_base(img.node);
        out.push_back({nb + M::kAxonBase, img.axon_base});
        out.push_back({nb + M::kAxonWords, img.axon_words});
        LoadBlock r{nb + M::kRoute, {}};
        for (const auto& e : img.routes) {
            r.words.push_back(e.dest_set);
            r.words.push_back(e.axon);
        }
        out.push_back(std::move(r));
        LoadBlock syn{nb + M::kSynapse, {}};
        for (std::uint64_t w : img.synapse) {
            syn.words.push_back(static_cast<std::uint32_t>(w));
            syn.words.push_back(static_cast<std::uint32_t>(w >> 32));
        }
        out.push_back(std::move(syn));
    }
    for (std::size_t s = 0; s < m.dest_sets.size(); ++s) {
        LoadBlock b{M::kSetTable + 4 * s * set_words, std::vector<std::uint32_t>(set_words, 0)};
        for (auto n : m.dest_sets[s]) {
            if (n / 32 >= set_words) throw InputError("destination set " + std::to_string(s) + " names node " +
                                                      std::to_string(n) + " beyond the chip's mesh");
            b.words[n / 32] |= 1u << (n % 32);
        }
        out.push_back(std::move(b));
    }
    out.erase(std::remove_if(out.begin(), out.end(), [](const LoadBlock& b) { return b.words.empty(); }), out.end());
    return out;
}

std::vector<std::uint32_t> pack_load_list(const std::vector<LoadBlock>& blocks) {
    std::vector<std::uint32_t> out;
    for (const auto& b : blocks) {
        out.push_back(static_cast<std::uint32_t>(b.addr));
        out.push_back(static_cast<std::uint32_t>(b.addr >> 32));
        out.push_back(static_cast<std::uint32_t>(b.words.size()));
        out.insert(out.end(), b.words.begin(), b.words.end());
    }
    out.insert(out.end(), {0u, 0u, 0u});
    return out;
}

std::vector<std::uint32_t> HostDriver::read_block(std::uint64_t addr, std::size_t n) {
    std::vector<std::uint32_t> v(n);
    if (n) {
        const unsigned len = static_cast<unsigned>(4 * n);
        transport(::tlm::TLM_READ_COMMAND, addr, reinterpret_cast<unsigned char*>(v.data()), len, len);
    }
    return v;
}

std::size_t HostDriver::load_from_memory(std::uint64_t list, bool use_dmi) {
    std::size_t blocks = 0;
    for (;;) {
        const auto h = read_block(list, 3);
        if (h[2] == 0) return blocks;
        const std::uint64_t addr = h[0] | std::uint64_t{h[1]} << 32;
        const auto words = read_block(list + 12, h[2]);
        write_block(addr, words.data(), words.size(), use_dmi);
        list += 12 + 4 * std::uint64_t{h[2]};
        ++blocks;
    }
}

DriverFrame HostDriver::run_frame(const encode::SpikeTrain& input, std::uint32_t frame_index) {
    write(M::kCtrl, M::kCtrlClearInputs);
    constexpr std::size_t kBurst = 64;  // input-queue bursts (streaming width 4: one FIFO address)
    std::vector<std::uint32_t> words;
    for (const auto& s : input) words.push_back(s.step << M::kInputStepShift | s.input);
    for (std::size_t k = 0; k < words.size(); k += kBurst) {
        const std::size_t n = std::min(kBurst, words.size() - k);
        transport(::tlm::TLM_WRITE_COMMAND, M::kInputPush, reinterpret_cast<unsigned char*>(words.data() + k),
                  static_cast<unsigned>(4 * n), 4);
    }
    write(M::kFrameIndex, frame_index);
    // Side effects happen at the current SystemC time: catch up with the annotated time first.
    sc_core::wait(m_local);
    m_local = sc_core::SC_ZERO_TIME;
    write(M::kCtrl, M::kCtrlStart);
    if (m_irq) {
        while (!m_irq->read()) sc_core::wait(m_irq->posedge_event());
    } else {
        while ((read(M::kStatus) & 3u) != M::kStateDone) {
            sc_core::wait(m_poll + m_local);
            m_local = sc_core::SC_ZERO_TIME;
        }
    }
    DriverFrame f;
    f.decision = static_cast<std::int32_t>(read(M::kDecision));
    f.first_output_step = static_cast<std::int32_t>(read(M::kFirstOutputStep));
    f.steps = read(M::kSteps);
    f.cycles = read(M::kCyclesLo) | std::uint64_t{read(M::kCyclesHi)} << 32;
    const std::uint32_t n = read(M::kOutSpikeCount);
    std::vector<std::uint32_t> out(n);
    if (n)
        transport(::tlm::TLM_READ_COMMAND, M::kOutSpikes, reinterpret_cast<unsigned char*>(out.data()), 4 * n, 4 * n);
    for (auto w : out) f.output_spikes.emplace_back(w >> M::kInputStepShift, w & M::kInputIdMask);
    write(M::kCtrl, M::kCtrlIrqAck);
    return f;
}

}  // namespace spiketlm::chip::tlm
