#include "traces/vcd.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

#include "sw/common/error.h"

namespace spiketlm::traces {

namespace {

struct Signal {
    std::string scope, name;
    unsigned width;  // 1: a wire (value > 0 is 1), else an integer
    std::vector<Change> changes;
};

// VCD identifier codes: printable ASCII 33..126, base 94.
std::string code_of(std::size_t i) {
    std::string s;
    do {
        s += static_cast<char>(33 + i % 94);
        i /= 94;
    } while (i);
    return s;
}

std::string binary(std::int64_t v) {
    if (v <= 0) return "0";
    std::string s;
    for (auto u = static_cast<std::uint64_t>(v); u; u >>= 1) s += (u & 1) ? '1' : '0';
    std::reverse(s.begin(), s.end());
    return s;
}

using Deltas = std::vector<std::pair<std::uint64_t, std::int64_t>>;

std::string shortest(double v) {  // round-trip exact, deterministic
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

}  // namespace

std::string vcd_text(const Activity& a) {
    if (a.clock_mhz <= 0) throw Error("VCD: the activity has no clock frequency");
    const double period_ps = 1e6 / a.clock_mhz;
    std::vector<Signal> sig;
    if (a.scopes & kScopeChip) {
        Signal frame{"chip", "frame", 32, {}}, step{"chip", "step", 32, {}};
        Deltas barrier;
        for (const auto& f : a.frames) frame.changes.push_back({f.begin, static_cast<std::int64_t>(f.frame)});
        for (const auto& s : a.steps) {
            step.changes.push_back({s.start, s.step});
            if (s.end > s.barrier) {
                barrier.push_back({s.barrier, 1});
                barrier.push_back({s.end, -1});
            }
        }
        sig.push_back(std::move(frame));
        sig.push_back(std::move(step));
        sig.push_back({"chip", "barrier", 1, level_from_deltas(std::move(barrier))});
    }
    const unsigned w = std::max<std::uint32_t>(a.mesh_width, 1);
    for (std::uint32_t n : a.active_nodes()) {
        const std::string scope = "tile_" + std::to_string(n % w) + "_" + std::to_string(n / w);
        auto stage_signal = [&](PeStage st, const char* name, unsigned width) {
            Deltas d;
            for (const auto& i : a.pe)
                if (i.node == n && i.stage == st && i.end > i.begin) {
                    d.push_back({i.begin, 1});
                    d.push_back({i.end, -1});
                }
            sig.push_back({scope, name, width, level_from_deltas(std::move(d))});
        };
        if (a.scopes & kScopePe) {
            stage_signal(PeStage::load, "load", 1);
            stage_signal(PeStage::compute, "compute", 1);
            stage_signal(PeStage::update, "update", 1);
            stage_signal(PeStage::reset, "reset", 1);
        }
        if (a.scopes & kScopeFifo) stage_signal(PeStage::fifo_slot, "input_fifo", 16);
        if (a.scopes & kScopeNi) {
            Deltas d;
            for (const auto& q : a.queue)
                if (q.node == n) d.push_back({q.cycle, q.delta});
            sig.push_back({scope, "injection_queue", 16, level_from_deltas(std::move(d))});
        }
    }

    std::ostringstream os;
    os << "$version spiketlm $end\n";
    os << "$comment time unit 1 ps; chip clock " << shortest(a.clock_mhz) << " MHz, one cycle = " << shortest(period_ps)
       << " ps: cycle c is at time round(c * " << shortest(period_ps) << ") $end\n";
    os << "$timescale 1 ps $end\n";
    std::string open;
    for (std::size_t i = 0; i < sig.size(); ++i) {
        if (sig[i].scope != open) {
            if (!open.empty()) os << "$upscope $end\n";
            os << "$scope module " << sig[i].scope << " $end\n";
            open = sig[i].scope;
        }
        os << "$var " << (sig[i].width == 1 ? "wire" : "integer") << " " << sig[i].width << " " << code_of(i) << " "
           << sig[i].name << " $end\n";
    }
    if (!open.empty()) os << "$upscope $end\n";
    os << "$enddefinitions $end\n";

    auto value = [&](std::size_t i, std::int64_t v) {
        if (sig[i].width == 1) return std::string(v > 0 ? "1" : "0") + code_of(i);
        return "b" + binary(v) + " " + code_of(i);
    };
    // Every change as (cycle, signal, value), in time order, then signal order.
    struct Ev {
        std::uint64_t cycle;
        std::size_t sig;
        std::int64_t v;
    };
    std::vector<Ev> ev;
    for (std::size_t i = 0; i < sig.size(); ++i)
        for (const auto& c : sig[i].changes) ev.push_back({c.cycle, i, c.value});
    std::stable_sort(ev.begin(), ev.end(), [](const Ev& x, const Ev& y) { return x.cycle < y.cycle; });
    std::uint64_t t0 = ev.empty() ? 0 : ev.front().cycle;
    if (!a.frames.empty()) t0 = std::min(t0, a.frames.front().begin);
    auto time_of = [&](std::uint64_t c) { return std::llround(static_cast<double>(c) * period_ps); };
    os << "#" << time_of(t0) << "\n$dumpvars\n";
    for (std::size_t i = 0; i < sig.size(); ++i) os << value(i, 0) << "\n";
    os << "$end\n";
    long long last_time = time_of(t0);
    for (const auto& e : ev) {
        const long long t = time_of(e.cycle);
        if (t != last_time) {
            os << "#" << t << "\n";
            last_time = t;
        }
        os << value(e.sig, e.v) << "\n";
    }
    return os.str();
}

}  // namespace spiketlm::traces
