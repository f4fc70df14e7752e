#include "traces/perfetto.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sw/common/error.h"

namespace spiketlm::traces {

namespace {

constexpr int kChipPid = 0;
enum ChipTid { kFrameTid = 1, kStepTid = 2, kBarrierTid = 3 };
enum TileTid { kCounterTid = 0, kLoadTid = 1, kComputeTid = 2, kUpdateTid = 3, kRouterTid = 4, kNiTid = 10 };

// Streams one event per line; numbers in their shortest round-trip form (deterministic).
class Writer {
  public:
    Writer(std::ostream& os, double mhz) : m_os(os), m_mhz(mhz) {}

    void meta(const char* what, int pid, int tid, const std::string& arg, const std::string& value) {
        begin(what, "M", pid, tid);
        m_os << ",\"ts\":0,\"args\":{\"" << arg << "\":" << value << "}}";
    }
    void complete(const std::string& name, const char* cat, int pid, int tid, std::uint64_t b, std::uint64_t e,
                  const std::string& args) {
        begin(name, "X", pid, tid);
        m_os << ",\"cat\":\"" << cat << "\",\"ts\":" << num(static_cast<double>(b) / m_mhz)
             << ",\"dur\":" << num((static_cast<double>(e) - static_cast<double>(b)) / m_mhz) << ",\"args\":{" << args
             << (args.empty() ? "" : ",") << "\"begin_cycle\":" << b << ",\"end_cycle\":" << e << "}}";
    }
    void instant(const std::string& name, const char* cat, int pid, int tid, std::uint64_t c, const std::string& args) {
        begin(name, "i", pid, tid);
        m_os << ",\"cat\":\"" << cat << "\",\"s\":\"t\",\"ts\":" << num(static_cast<double>(c) / m_mhz) << ",\"args\":{"
             << args << "}}";
    }
    void counter(const std::string& name, int pid, std::uint64_t c, std::int64_t v) {
        begin(name, "C", pid, kCounterTid);
        m_os << ",\"cat\":\"occupancy\",\"ts\":" << num(static_cast<double>(c) / m_mhz) << ",\"args\":{\"value\":" << v
             << "}}";
    }
    static std::string str(const std::string& s) { return nlohmann::json(s).dump(); }

  private:
    void begin(const std::string& name, const char* ph, int pid, int tid) {
        m_os << (m_first ? "\n" : ",\n") << "{\"name\":" << str(name) << ",\"ph\":\"" << ph << "\",\"pid\":" << pid
             << ",\"tid\":" << tid;
        m_first = false;
    }
    static std::string num(double v) {
        char buf[32];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        return std::string(buf, r.ptr);
    }
    std::ostream& m_os;
    double m_mhz;
    bool m_first = true;
};

std::string kv(const char* k, std::uint64_t v) { return std::string("\"") + k + "\":" + std::to_string(v); }
std::string kv(const char* k, const std::string& v) { return std::string("\"") + k + "\":" + Writer::str(v); }

}  // namespace

void write_perfetto(const Activity& a, std::ostream& os) {
    if (a.clock_mhz <= 0) throw Error("Perfetto trace: the activity has no clock frequency");
    const std::uint32_t w = std::max<std::uint32_t>(a.mesh_width, 1);
    auto pid_of = [](std::uint32_t node) { return static_cast<int>(node) + 1; };
    auto xy = [w](std::uint32_t node) {
        return "(" + std::to_string(node % w) + "," + std::to_string(node / w) + ")";
    };
    os << "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"generator\":\"spiketlm\",\"clock_mhz\":"
       << nlohmann::json(a.clock_mhz).dump()
       << ",\"time_unit\":\"ts and dur in microseconds: cycle / clock_mhz\",\"mesh\":\"" << a.mesh_width << "x"
       << a.mesh_height << "\"},\n\"traceEvents\":[";
    Writer out(os, a.clock_mhz);
    auto name_process = [&](int pid, const std::string& name) {
        out.meta("process_name", pid, 0, "name", Writer::str(name));
        out.meta("process_sort_index", pid, 0, "sort_index", std::to_string(pid));
    };
    auto name_thread = [&](int pid, int tid, const std::string& name) {
        out.meta("thread_name", pid, tid, "name", Writer::str(name));
        out.meta("thread_sort_index", pid, tid, "sort_index", std::to_string(tid));
    };

    // Packets by source tile, each on the first NI lane free at its injection.
    std::map<std::uint32_t, std::vector<std::uint64_t>> lane_end;  // per source: end cycle of each lane
    std::vector<int> lane_of(a.packets.size());
    {
        std::vector<std::size_t> order(a.packets.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
            return a.packets[x].injected < a.packets[y].injected;
        });
        for (std::size_t i : order) {
            const PacketLife& p = a.packets[i];
            auto& ends = lane_end[p.src];
            std::size_t lane = 0;
            while (lane < ends.size() && ends[lane] > p.injected) ++lane;
            if (lane == ends.size()) ends.push_back(0);
            ends[lane] = p.delivered;
            lane_of[i] = static_cast<int>(lane);
        }
    }

    // Metadata: the chip, then every tile with activity.
    if (a.scopes & kScopeChip) {
        name_process(kChipPid, "chip");
        name_thread(kChipPid, kFrameTid, "frame");
        name_thread(kChipPid, kStepTid, "timestep");
        name_thread(kChipPid, kBarrierTid, "barrier");
    }
    const auto nodes = a.active_nodes();
    for (std::uint32_t n : nodes) {
        const int pid = pid_of(n);
        name_process(pid, "tile " + xy(n));
        if (a.scopes & kScopePe) {
            name_thread(pid, kLoadTid, "PE LOAD");
            name_thread(pid, kComputeTid, "PE COMPUTE");
            name_thread(pid, kUpdateTid, "update");
        }
        if (a.scopes & (kScopeFifo | kScopeNi)) name_thread(pid, kCounterTid, "occupancy");
        if (a.scopes & kScopeHops) name_thread(pid, kRouterTid, "router");
        const auto it = lane_end.find(n);
        const std::size_t lanes = it == lane_end.end() ? 0 : it->second.size();
        for (std::size_t l = 0; l < lanes; ++l)
            name_thread(pid, kNiTid + static_cast<int>(l), l == 0 ? std::string("NI") : "NI " + std::to_string(l + 1));
    }

    for (const auto& f : a.frames)
        out.complete("frame " + std::to_string(f.frame), "chip", kChipPid, kFrameTid, f.begin, f.end, kv("frame", f.frame));
    for (const auto& s : a.steps) {
        const std::string args = kv("frame", s.frame) + "," + kv("step", s.step);
        out.instant("step start", "chip", kChipPid, kStepTid, s.start, args + "," + kv("cycle", s.start));
        out.complete("step " + std::to_string(s.step), "chip", kChipPid, kStepTid, s.start, s.end, args);
        out.complete("barrier", "chip", kChipPid, kBarrierTid, s.barrier, s.end, args);
    }
    for (std::size_t i = 0; i < a.packets.size(); ++i) {
        const PacketLife& p = a.packets[i];
        const std::string name = p.to_host ? "output -> host " + xy(p.dst) : "spike -> " + xy(p.dst);
        out.complete(name, "packet", pid_of(p.src), kNiTid + lane_of[i], p.injected, p.delivered,
                     kv("src", xy(p.src)) + "," + kv("dst", xy(p.dst)) + "," + kv("hops", p.hops) + "," +
                         kv("flits", p.flits));
    }
    static const char* const k_port[] = {"local", "north", "east", "south", "west"};
    for (const auto& h : a.hops)
        out.instant(std::string("hop -> ") + (h.port < 5 ? k_port[h.port] : "?"), "hop", pid_of(h.router), kRouterTid,
                    h.cycle, kv("src", xy(h.src)) + "," + kv("injected", h.injected) + "," + kv("cycle", h.cycle));
    for (const auto& i : a.pe) {
        const int pid = pid_of(i.node);
        switch (i.stage) {
            case PeStage::load: out.complete("LOAD", "pe", pid, kLoadTid, i.begin, i.end, kv("axon", i.arg)); break;
            case PeStage::compute:
                out.complete("COMPUTE", "pe", pid, kComputeTid, i.begin, i.end, kv("word", i.arg));
                break;
            case PeStage::update:
                out.complete("update step " + std::to_string(i.arg), "pe", pid, kUpdateTid, i.begin, i.end,
                             kv("step", i.arg));
                break;
            case PeStage::reset: out.complete("reset", "pe", pid, kUpdateTid, i.begin, i.end, kv("frame", i.arg)); break;
            case PeStage::fifo_slot: break;  // counters below
        }
    }
    for (std::uint32_t n : nodes) {
        if (a.scopes & kScopeFifo) {
            std::vector<std::pair<std::uint64_t, std::int64_t>> d;
            for (const auto& i : a.pe)
                if (i.node == n && i.stage == PeStage::fifo_slot) {
                    d.push_back({i.begin, 1});
                    d.push_back({i.end, -1});
                }
            for (const auto& c : level_from_deltas(std::move(d))) out.counter("input FIFO", pid_of(n), c.cycle, c.value);
        }
        if (a.scopes & kScopeNi) {
            std::vector<std::pair<std::uint64_t, std::int64_t>> d;
            for (const auto& q : a.queue)
                if (q.node == n) d.push_back({q.cycle, q.delta});
            for (const auto& c : level_from_deltas(std::move(d)))
                out.counter("injection queue", pid_of(n), c.cycle, c.value);
        }
    }
    os << "\n]}\n";
}

std::string perfetto_json(const Activity& a) {
    std::ostringstream os;
    write_perfetto(a, os);
    return os.str();
}

void write_perfetto_file(const Activity& a, const std::string& path) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f) throw Error("cannot write " + tmp);
        write_perfetto(a, f);
        f.close();
        if (!f) throw Error("cannot write " + tmp + " (disk full?)");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw Error("cannot rename " + tmp + " to " + path + ": " + ec.message());
}

}  // namespace spiketlm::traces
