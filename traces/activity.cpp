#include "traces/activity.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "sw/common/error.h"

namespace spiketlm::traces {

const std::vector<std::string>& scope_names() {
    static const std::vector<std::string> names{"chip", "pe", "fifo", "ni", "packets", "hops"};
    return names;
}

unsigned parse_scopes(const std::vector<std::string>& names, const std::string& key) {
    const auto& known = scope_names();
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    if (names.empty()) throw InputError(key + " is empty: name at least one of " + list);
    unsigned mask = 0;
    for (const auto& n : names) {
        const auto it = std::find(known.begin(), known.end(), n);
        if (it == known.end()) throw InputError(key + ": unknown scope '" + n + "' (known: " + list + ")");
        mask |= 1u << (it - known.begin());
    }
    return mask;
}

const char* stage_name(PeStage s) {
    switch (s) {
        case PeStage::load: return "load";
        case PeStage::compute: return "compute";
        case PeStage::update: return "update";
        case PeStage::reset: return "reset";
        case PeStage::fifo_slot: return "fifo_slot";
    }
    return "?";
}

std::vector<std::uint32_t> Activity::active_nodes() const {
    std::set<std::uint32_t> s;
    for (const auto& i : pe) s.insert(i.node);
    for (const auto& q : queue) s.insert(q.node);
    for (const auto& p : packets) s.insert(p.src);
    for (const auto& h : hops) s.insert(h.router);
    return {s.begin(), s.end()};
}

ActivityRecorder::ActivityRecorder(unsigned scopes, std::uint64_t first_frame, std::uint64_t last_frame,
                                   double clock_mhz, std::uint32_t mesh_width, std::uint32_t mesh_height)
    : m_first(first_frame), m_last(last_frame) {
    if (last_frame < first_frame) throw InputError("trace window: the last frame is before the first");
    m_a.scopes = scopes;
    m_a.clock_mhz = clock_mhz;
    m_a.mesh_width = mesh_width;
    m_a.mesh_height = mesh_height;
}

void ActivityRecorder::frame_begin(std::uint64_t frame, std::uint64_t cycle) {
    m_on = frame >= m_first && frame <= m_last;
    if (has(kScopeChip)) m_a.frames.push_back({frame, cycle, 0});
}

void ActivityRecorder::frame_end(std::uint64_t frame, std::uint64_t cycle) {
    if (has(kScopeChip) && !m_a.frames.empty() && m_a.frames.back().frame == frame) m_a.frames.back().end = cycle;
    m_on = false;
}

void ActivityRecorder::step_start(std::uint32_t step, std::uint64_t cycle) {
    if (has(kScopeChip)) m_a.steps.push_back({m_a.frames.empty() ? 0 : m_a.frames.back().frame, step, cycle});
}

void ActivityRecorder::barrier(std::uint32_t step, std::uint64_t begin, std::uint64_t end) {
    if (!has(kScopeChip) || m_a.steps.empty() || m_a.steps.back().step != step) return;
    m_a.steps.back().barrier = begin;
    m_a.steps.back().end = end;
}

void ActivityRecorder::pe_interval(std::uint32_t node, PeStage stage, std::uint64_t begin, std::uint64_t end,
                                   std::uint32_t arg) {
    if (has(stage == PeStage::fifo_slot ? kScopeFifo : kScopePe)) m_a.pe.push_back({node, stage, begin, end, arg});
}

void ActivityRecorder::packet(std::uint32_t src, std::uint32_t dst, std::uint64_t injected, std::uint64_t delivered,
                              std::uint32_t hops, std::uint32_t flits, bool to_host) {
    if (has(kScopePackets)) m_a.packets.push_back({src, dst, injected, delivered, hops, flits, to_host});
}

void ActivityRecorder::hop(std::uint32_t router, unsigned port, std::uint32_t src, std::uint64_t injected,
                           std::uint64_t cycle) {
    if (has(kScopeHops)) m_a.hops.push_back({router, port, src, injected, cycle});
}

void ActivityRecorder::injection_queue(std::uint32_t node, std::uint64_t cycle, int delta) {
    if (has(kScopeNi)) m_a.queue.push_back({node, cycle, delta});
}

std::vector<Change> level_from_deltas(std::vector<std::pair<std::uint64_t, std::int64_t>> deltas) {
    std::stable_sort(deltas.begin(), deltas.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<Change> out;
    std::int64_t v = 0;
    for (std::size_t i = 0; i < deltas.size();) {
        const std::uint64_t c = deltas[i].first;
        for (; i < deltas.size() && deltas[i].first == c; ++i) v += deltas[i].second;
        if (out.empty() ? v != 0 : out.back().value != v) out.push_back({c, v});
    }
    return out;
}

void write_file_atomically(const std::string& path, const std::string& content) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f) throw Error("cannot write " + tmp);
        f << content;
        f.close();
        if (!f) throw Error("cannot write " + tmp + " (disk full?)");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw Error("cannot rename " + tmp + " to " + path + ": " + ec.message());
}

}  // namespace spiketlm::traces
