#include "sw/common/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace spiketlm {

namespace {
bool g_quiet = false;
}

void Progress::set_quiet(bool quiet) { g_quiet = quiet; }

Progress::Progress(std::string label, std::uint64_t total, std::string unit)
    : m_label(std::move(label)), m_unit(std::move(unit)), m_total(total), m_tty(::isatty(2) != 0),
      m_start(std::chrono::steady_clock::now()), m_last_draw(m_start) {}

Progress::~Progress() {
    if (!m_finished && m_tty && !g_quiet) std::fputc('\n', stderr);
}

void Progress::update(std::uint64_t done) {
    if (g_quiet || m_total == 0) return;
    const auto now = std::chrono::steady_clock::now();
    const double el = std::chrono::duration<double>(now - m_start).count();
    const double rate = el > 0 ? static_cast<double>(done) / el : 0.0;
    const double eta = rate > 0 ? static_cast<double>(m_total - std::min(done, m_total)) / rate : 0.0;
    if (m_tty) {
        if (done < m_total && std::chrono::duration<double>(now - m_last_draw).count() < 0.2) return;
        m_last_draw = now;
        std::fprintf(stderr, "\r%s: %llu/%llu %s  %.1f %s/s  ETA %.0f s   ", m_label.c_str(),
                     static_cast<unsigned long long>(done), static_cast<unsigned long long>(m_total),
                     m_unit.c_str(), rate, m_unit.c_str(), eta);
        std::fflush(stderr);
    } else if (done >= m_next_plain || done == m_total) {
        std::fprintf(stderr, "%s: %llu/%llu %s (%.1f %s/s, ETA %.0f s)\n", m_label.c_str(),
                     static_cast<unsigned long long>(done), static_cast<unsigned long long>(m_total),
                     m_unit.c_str(), rate, m_unit.c_str(), eta);
        m_next_plain = done + std::max<std::uint64_t>(1, m_total / 10);
    }
}

void Progress::finish() {
    if (m_finished) return;
    m_finished = true;
    if (g_quiet) return;
    if (m_tty) std::fputc('\n', stderr);
}

}  // namespace spiketlm
