#include "traces/perfetto.h"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "sw/common/error.h"

namespace spiketlm::traces {

namespace {

using nlohmann::json;

constexpr int kChipPid = 0;
enum ChipTid { kFrameTid = 1, kStepTid = 2, kBarrierTid = 3 };
enum TileTid { kCounterTid = 0, kLoadTid = 1, kComputeTid = 2, kUpdateTid = 3, kNiTid = 10 };

struct Timed {
    std::uint64_t cycle;
    json ev;
};

}  // namespace

std::string perfetto_json(const Activity& a) {
    if (a.clock_mhz <= 0) throw Error("Perfetto trace: the activity has no clock frequency");
    const double mhz = a.clock_mhz;
    const std::uint32_t w = std::max<std::uint32_t>(a.mesh_width, 1);
    auto us = [mhz](std::uint64_t c) { return static_cast<double>(c) / mhz; };
    auto pid_of = [](std::uint32_t node) { return static_cast<int>(node) + 1; };
    auto xy = [w](std::uint32_t node) {
        return "(" + std::to_string(node % w) + "," + std::to_string(node / w) + ")";
    };

    json meta = json::array();
    auto name_process = [&](int pid, const std::string& name) {
        meta.push_back({{"name", "process_name"}, {"ph", "M"}, {"ts", 0}, {"pid", pid}, {"tid", 0},
                        {"args", {{"name", name}}}});
        meta.push_back({{"name", "process_sort_index"}, {"ph", "M"}, {"ts", 0}, {"pid", pid}, {"tid", 0},
                        {"args", {{"sort_index", pid}}}});
    };
    auto name_thread = [&](int pid, int tid, const std::string& name) {
        meta.push_back({{"name", "thread_name"}, {"ph", "M"}, {"ts", 0}, {"pid", pid}, {"tid", tid},
                        {"args", {{"name", name}}}});
        meta.push_back({{"name", "thread_sort_index"}, {"ph", "M"}, {"ts", 0}, {"pid", pid}, {"tid", tid},
                        {"args", {{"sort_index", tid}}}});
    };

    std::vector<Timed> ev;
    auto complete = [&](const std::string& name, const char* cat, int pid, int tid, std::uint64_t b, std::uint64_t e,
                        json args) {
        args["begin_cycle"] = b;
        args["end_cycle"] = e;
        ev.push_back({b, {{"name", name}, {"cat", cat}, {"ph", "X"}, {"ts", us(b)}, {"dur", (static_cast<double>(e) - static_cast<double>(b)) / mhz},
                          {"pid", pid}, {"tid", tid}, {"args", std::move(args)}}});
    };
    auto counter = [&](const std::string& name, int pid, std::uint64_t c, std::int64_t v) {
        ev.push_back({c, {{"name", name}, {"cat", "occupancy"}, {"ph", "C"}, {"ts", us(c)}, {"pid", pid},
                          {"tid", kCounterTid}, {"args", {{"value", v}}}}});
    };

    if (a.scopes & kScopeChip) {
        name_process(kChipPid, "chip");
        name_thread(kChipPid, kFrameTid, "frame");
        name_thread(kChipPid, kStepTid, "timestep");
        name_thread(kChipPid, kBarrierTid, "barrier");
        for (const auto& f : a.frames)
            complete("frame " + std::to_string(f.frame), "chip", kChipPid, kFrameTid, f.begin, f.end,
                     {{"frame", f.frame}});
        for (const auto& s : a.steps) {
            ev.push_back({s.start, {{"name", "step start"}, {"cat", "chip"}, {"ph", "i"}, {"s", "t"},
                                    {"ts", us(s.start)}, {"pid", kChipPid}, {"tid", kStepTid},
                                    {"args", {{"frame", s.frame}, {"step", s.step}, {"cycle", s.start}}}}});
            complete("step " + std::to_string(s.step), "chip", kChipPid, kStepTid, s.start, s.end,
                     {{"frame", s.frame}, {"step", s.step}});
            complete("barrier", "chip", kChipPid, kBarrierTid, s.barrier, s.end, {{"frame", s.frame}, {"step", s.step}});
        }
    }

    // Packets by source tile, each on the first NI lane free at its injection.
    std::map<std::uint32_t, int> lanes_of;
    {
        std::map<std::uint32_t, std::vector<std::uint64_t>> lane_end;  // per source: end cycle of each lane
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
            const std::string name = p.to_host ? "output -> host " + xy(p.dst) : "spike -> " + xy(p.dst);
            complete(name, "packet", pid_of(p.src), kNiTid + static_cast<int>(lane), p.injected, p.delivered,
                     {{"src", xy(p.src)}, {"dst", xy(p.dst)}, {"hops", p.hops}, {"flits", p.flits}});
        }
        for (const auto& [node, ends] : lane_end) lanes_of[node] = static_cast<int>(ends.size());
    }

    for (std::uint32_t n : a.active_nodes()) {
        const int pid = pid_of(n);
        name_process(pid, "tile " + xy(n));
        if (a.scopes & kScopePe) {
            name_thread(pid, kLoadTid, "PE LOAD");
            name_thread(pid, kComputeTid, "PE COMPUTE");
            name_thread(pid, kUpdateTid, "update");
        }
        if (a.scopes & (kScopeFifo | kScopeNi)) name_thread(pid, kCounterTid, "occupancy");
        for (int l = 0; l < lanes_of[n]; ++l)
            name_thread(pid, kNiTid + l, l == 0 ? std::string("NI") : "NI " + std::to_string(l + 1));
    }
    for (const auto& i : a.pe) {
        const int pid = pid_of(i.node);
        switch (i.stage) {
            case PeStage::load: complete("LOAD", "pe", pid, kLoadTid, i.begin, i.end, {{"axon", i.arg}}); break;
            case PeStage::compute: complete("COMPUTE", "pe", pid, kComputeTid, i.begin, i.end, {{"word", i.arg}}); break;
            case PeStage::update:
                complete("update step " + std::to_string(i.arg), "pe", pid, kUpdateTid, i.begin, i.end, {{"step", i.arg}});
                break;
            case PeStage::reset: complete("reset", "pe", pid, kUpdateTid, i.begin, i.end, {{"frame", i.arg}}); break;
            case PeStage::fifo_slot: break;  // counters below
        }
    }
    for (std::uint32_t n : a.active_nodes()) {
        if (a.scopes & kScopeFifo) {
            std::vector<std::pair<std::uint64_t, std::int64_t>> d;
            for (const auto& i : a.pe)
                if (i.node == n && i.stage == PeStage::fifo_slot) {
                    d.push_back({i.begin, 1});
                    d.push_back({i.end, -1});
                }
            for (const auto& c : level_from_deltas(std::move(d))) counter("input FIFO", pid_of(n), c.cycle, c.value);
        }
        if (a.scopes & kScopeNi) {
            std::vector<std::pair<std::uint64_t, std::int64_t>> d;
            for (const auto& q : a.queue)
                if (q.node == n) d.push_back({q.cycle, q.delta});
            for (const auto& c : level_from_deltas(std::move(d)))
                counter("injection queue", pid_of(n), c.cycle, c.value);
        }
    }

    std::stable_sort(ev.begin(), ev.end(), [](const Timed& x, const Timed& y) { return x.cycle < y.cycle; });
    json events = std::move(meta);
    for (auto& t : ev) events.push_back(std::move(t.ev));
    json doc{{"traceEvents", std::move(events)},
             {"displayTimeUnit", "ns"},
             {"otherData",
              {{"generator", "spiketlm"},
               {"clock_mhz", a.clock_mhz},
               {"time_unit", "ts and dur in microseconds: cycle / clock_mhz"},
               {"mesh", std::to_string(a.mesh_width) + "x" + std::to_string(a.mesh_height)}}}};
    return doc.dump() + "\n";
}

}  // namespace spiketlm::traces
