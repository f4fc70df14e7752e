#include "hw/mem/sram.h"

#include "sw/common/error.h"
#include "sw/stats/stats.h"

namespace spiketlm::mem {

void SramConfig::validate(const std::string& path) const {
    auto bad = [&](const std::string& what) { throw InputError("SRAM '" + path + "': " + what); };
    if (words == 0) bad("words must be at least 1");
    if (width_bits == 0 || width_bits > 1024) bad("width_bits must be in [1, 1024]");
    if (banks == 0 || banks > words) bad("banks must be in [1, words]");
    if (ports_per_bank == 0 || ports_per_bank > 4) bad("ports_per_bank must be in [1, 4]");
    if (read_latency_cycles == 0 || write_latency_cycles == 0) bad("latencies must be at least 1 cycle");
}

Sram::Sram(std::string path, const SramConfig& cfg, stats::Registry& stats, const std::string& group)
    : m_path(std::move(path)), m_cfg(cfg), m_banks(cfg.banks) {
    m_cfg.validate(m_path);
    // Geometry for the energy model (hw/power/energy_model.h, docs/energy.md).
    stats.add_component(m_path, m_cfg.energy_class, group,
                        {{"words", static_cast<double>(m_cfg.words)},
                         {"width_bits", static_cast<double>(m_cfg.width_bits)},
                         {"banks", static_cast<double>(m_cfg.banks)},
                         {"ports", static_cast<double>(m_cfg.ports_per_bank)}});
    m_reads = &stats.action(m_path, m_cfg.energy_class, "read", "word reads");
    m_writes = &stats.action(m_path, m_cfg.energy_class, "write", "word writes");
    m_conflicts = &stats.counter(m_path + ".bank_conflicts", "accesses", "accesses delayed because their bank's ports were taken");
    m_stall_cycles = &stats.counter(m_path + ".conflict_stall_cycles", "cycles", "cycles lost to bank conflicts");
}

std::uint64_t Sram::issue_cycle(std::uint64_t cycle, std::uint32_t addr) const {
    const Bank& b = m_banks[bank_of(addr)];
    if (cycle > b.cycle || b.used < m_cfg.ports_per_bank) return cycle > b.cycle ? cycle : b.cycle;
    return b.cycle + 1;
}

std::uint64_t Sram::access(std::uint64_t cycle, std::uint32_t addr, bool write) {
    if (addr >= m_cfg.words)
        throw Error("SRAM '" + m_path + "': address " + std::to_string(addr) + " beyond " + std::to_string(m_cfg.words) +
                    " words");
    Bank& b = m_banks[bank_of(addr)];
    if (cycle < b.cycle) cycle = b.cycle;  // the bank is already scheduled up to b.cycle
    std::uint64_t issue = cycle;
    if (cycle == b.cycle && b.used >= m_cfg.ports_per_bank) {
        issue = cycle + 1;
        m_conflicts->inc();
        m_stall_cycles->inc(1);
    }
    if (issue != b.cycle) {
        b.cycle = issue;
        b.used = 0;
    }
    ++b.used;
    (write ? m_writes : m_reads)->inc();
    return issue + (write ? m_cfg.write_latency_cycles : m_cfg.read_latency_cycles);
}

void Sram::count(bool write, std::uint64_t n) { (write ? m_writes : m_reads)->inc(n); }
void Sram::count_conflicts(std::uint64_t n) {
    m_conflicts->inc(n);
    m_stall_cycles->inc(n);
}

std::uint64_t Sram::conflicts() const { return m_conflicts->value(); }
std::uint64_t Sram::stall_cycles() const { return m_stall_cycles->value(); }

}  // namespace spiketlm::mem
