#pragma once
// SRAM timing and access model: words × width, banks (low-order interleaved), ports per bank,
// read/write latency. Accesses are scheduled cycle by cycle by the owning pipeline stage; when
// every port of the addressed bank is taken in that cycle the access waits (a bank conflict,
// counted with the stall cycles). Reads and writes are action counters priced by the energy
// table (`<energy_class>.read`, `<energy_class>.write`); the component is registered with its
// geometry as attributes (words, width_bits, banks, ports = ports per bank), from which the
// `sram` energy model derives pJ per access and leakage (docs/energy.md). Plain C++: used inside
// SystemC processes.
#include <cstdint>
#include <string>
#include <vector>

namespace spiketlm::stats {
class Counter;
class Registry;
}  // namespace spiketlm::stats

namespace spiketlm::mem {

struct SramConfig {
    std::uint32_t words = 1024;
    std::uint32_t width_bits = 64;
    std::uint32_t banks = 1;
    std::uint32_t ports_per_bank = 1;
    std::uint32_t read_latency_cycles = 1;
    std::uint32_t write_latency_cycles = 1;
    std::string energy_class = "sram";
    void validate(const std::string& path) const;  // throws InputError naming the SRAM
    std::uint64_t capacity_bits() const { return std::uint64_t{words} * width_bits; }
};

class Sram {
  public:
    Sram(std::string path, const SramConfig& cfg, stats::Registry& stats, const std::string& group = "");

    // Issues an access at cycle `cycle` or, if the bank has no free port then, at the first later
    // cycle with one. Returns the cycle at which the access completes (read data available /
    // write done): issue cycle + latency. Accesses to one bank must be issued in non-decreasing
    // cycle order (the pipeline stages guarantee it).
    std::uint64_t access(std::uint64_t cycle, std::uint32_t addr, bool write);
    // Counts `n` accesses without scheduling them: for arrays whose ports the pipeline is built
    // to never exceed (the accumulators' read-modify-write), so only their energy matters.
    void count(bool write, std::uint64_t n);
    // Counts `n` bank conflicts (one stall cycle each) that a model outside this class resolved
    // (the RTL PE's arbiters): the same counters access() keeps.
    void count_conflicts(std::uint64_t n);
    // The cycle an access issued at `cycle` to `addr` would start (no side effects).
    std::uint64_t issue_cycle(std::uint64_t cycle, std::uint32_t addr) const;
    std::uint32_t bank_of(std::uint32_t addr) const { return addr % m_cfg.banks; }

    const SramConfig& config() const { return m_cfg; }
    const std::string& path() const { return m_path; }
    std::uint64_t conflicts() const;
    std::uint64_t stall_cycles() const;

  private:
    struct Bank {
        std::uint64_t cycle = 0;   // cycle of the latest issued access
        std::uint32_t used = 0;    // ports taken in that cycle
    };
    std::string m_path;
    SramConfig m_cfg;
    std::vector<Bank> m_banks;
    stats::Counter* m_reads;
    stats::Counter* m_writes;
    stats::Counter* m_conflicts;
    stats::Counter* m_stall_cycles;
};

}  // namespace spiketlm::mem
