#pragma once
// Progress for long work: a self-updating line (rate, ETA) on a terminal, plain lines every
// ~10 % otherwise (CI logs stay short). Writes to stderr only.
#include <chrono>
#include <cstdint>
#include <string>

namespace spiketlm {

class Progress {
  public:
    Progress(std::string label, std::uint64_t total, std::string unit = "frames");
    ~Progress();
    void update(std::uint64_t done);
    void finish();
    // Disables all output (tests, --quiet).
    static void set_quiet(bool quiet);

  private:
    std::string m_label, m_unit;
    std::uint64_t m_total;
    std::uint64_t m_next_plain = 0;
    bool m_tty, m_finished = false;
    std::chrono::steady_clock::time_point m_start, m_last_draw;
};

}  // namespace spiketlm
