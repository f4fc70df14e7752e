#pragma once
// A host driver for the chip's TLM-2.0 target (what firmware on a CPU would do), talking to it
// through an initiator's forward interface only: loads a mapped network into the chip's
// memories (word by word or through DMI) and runs frames (input queue, start, interrupt or
// status polling, decision and output spikes). Call it from an SC_THREAD (it waits). A response
// other than TLM_OK_RESPONSE throws Error naming the address. Memory map: docs/tlm.md.
#include <cstdint>
#include <vector>

#include <systemc>
#include <tlm>

#include "sw/encode/spike_train.h"
#include "sw/map/mapper.h"

namespace spiketlm::chip::tlm {

struct DriverFrame {
    int decision = -1;
    int first_output_step = -1;
    std::uint32_t steps = 0;
    std::uint64_t cycles = 0;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> output_spikes;  // (step, neuron), arrival order
};

// One contiguous write of a load: `words` from chip address `addr` on.
struct LoadBlock {
    std::uint64_t addr;
    std::vector<std::uint32_t> words;
};
// The writes that load `m`: per PE its axon table (bases, then word counts), routing table and
// synapse words, then the destination-set masks (`set_words` words each, register SET_WORDS).
std::vector<LoadBlock> load_blocks(const map::MappedNetwork& m, std::uint32_t set_words);
// A load list as a boot loader would leave it in memory for the firmware: per block the words
// addr_lo, addr_hi, n, then n data words; a block with n = 0 ends the list.
std::vector<std::uint32_t> pack_load_list(const std::vector<LoadBlock>& blocks);

class HostDriver {
  public:
    // `irq`: the chip's frame-done signal, or null to poll STATUS every `poll` interval.
    HostDriver(::tlm::tlm_fw_transport_if<>& bus, const sc_core::sc_signal<bool>* irq,
               sc_core::sc_time poll = sc_core::sc_time(1, sc_core::SC_US));

    std::uint32_t read(std::uint64_t addr);
    void write(std::uint64_t addr, std::uint32_t value);
    // Writes `words` 32-bit words from `addr` on: through DMI when `use_dmi` and the target grants
    // it, otherwise one b_transport per word.
    void write_block(std::uint64_t addr, const std::uint32_t* words, std::size_t n, bool use_dmi);

    // Loads every PE's axon table, synapse words and routing table and the destination-set table.
    // Checks the chip's shape registers against the image first (throws InputError on mismatch).
    void load(const map::MappedNetwork& m, bool use_dmi);
    // Loads from a load list (pack_load_list) at bus address `list`, e.g. in a platform RAM:
    // burst reads of each block from memory, writes into the chip (DMI when granted).
    // Returns the number of blocks.
    std::size_t load_from_memory(std::uint64_t list, bool use_dmi);
    // Reads n words from `addr` on in one burst.
    std::vector<std::uint32_t> read_block(std::uint64_t addr, std::size_t n);
    DriverFrame run_frame(const encode::SpikeTrain& input, std::uint32_t frame_index);

    std::uint64_t transactions() const { return m_transactions; }
    std::uint64_t dmi_bytes() const { return m_dmi_bytes; }

  private:
    ::tlm::tlm_response_status transport(::tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data,
                                         unsigned len, unsigned streaming_width);
    ::tlm::tlm_fw_transport_if<>& m_bus;
    const sc_core::sc_signal<bool>* m_irq;
    sc_core::sc_time m_poll;
    sc_core::sc_time m_local;  // annotated time not yet waited for
    std::uint64_t m_transactions = 0, m_dmi_bytes = 0;
};

}  // namespace spiketlm::chip::tlm
