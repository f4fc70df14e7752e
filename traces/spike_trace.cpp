#include "traces/spike_trace.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <tuple>

#include "sw/common/error.h"
#include "sw/common/fs.h"

namespace spiketlm::traces {

namespace {
constexpr char kMagic[8] = {'S', 'P', 'K', 'T', 'R', 'C', '0', '1'};
constexpr std::size_t kRecordBytes = 28;
constexpr std::size_t kCountOffset = 8;

void put32(char* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
void put64(char* p, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
std::uint32_t get32(const char* p) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    return v;
}
std::uint64_t get64(const char* p) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    return v;
}
std::string describe(const SpikeRecord& r) {
    return "frame " + std::to_string(r.frame) + " step " + std::to_string(r.step) + " layer " +
           std::to_string(r.layer) + " neuron " + std::to_string(r.neuron);
}
}  // namespace

bool SpikeRecord::operator<(const SpikeRecord& o) const {
    return std::tie(frame, step, layer, neuron) < std::tie(o.frame, o.step, o.layer, o.neuron);
}

TraceWriter::TraceWriter(std::string path, std::string source)
    : m_path(std::move(path)), m_tmp(m_path + ".tmp." + std::to_string(::getpid())) {
    const std::filesystem::path p(m_path);
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
    m_out.open(m_tmp, std::ios::binary | std::ios::trunc);
    if (!m_out) throw Error("cannot write trace '" + m_tmp + "'");
    // header: magic, record count (patched on close), source length + source
    char hdr[20];
    std::memcpy(hdr, kMagic, 8);
    put64(hdr + 8, 0);
    put32(hdr + 16, static_cast<std::uint32_t>(source.size()));
    m_out.write(hdr, sizeof hdr);
    m_out.write(source.data(), static_cast<std::streamsize>(source.size()));
}

TraceWriter::~TraceWriter() {
    if (!m_closed) {
        m_out.close();
        std::error_code ec;
        std::filesystem::remove(m_tmp, ec);
    }
}

void TraceWriter::add(const SpikeRecord& r) {
    char b[kRecordBytes];
    put32(b, r.frame);
    put32(b + 4, r.step);
    put32(b + 8, r.layer);
    put32(b + 12, r.neuron);
    put32(b + 16, static_cast<std::uint32_t>(r.pe));
    put64(b + 20, r.cycle);
    m_out.write(b, sizeof b);
    ++m_count;
}

void TraceWriter::close() {
    if (m_closed) return;
    char c[8];
    put64(c, m_count);
    m_out.seekp(static_cast<std::streamoff>(kCountOffset));
    m_out.write(c, 8);
    m_out.close();
    if (!m_out) throw Error("writing trace '" + m_tmp + "' failed");
    std::error_code ec;
    std::filesystem::rename(m_tmp, m_path, ec);
    if (ec) throw Error("cannot rename '" + m_tmp + "' to '" + m_path + "': " + ec.message());
    m_closed = true;
}

Trace read_trace(const std::string& path) {
    const std::string data = read_file(path);
    if (data.size() < 20 || std::memcmp(data.data(), kMagic, 8) != 0)
        throw InputError("'" + path + "' is not a spiketlm spike trace (bad magic)");
    const std::uint64_t count = get64(data.data() + 8);
    const std::uint32_t src_len = get32(data.data() + 16);
    if (src_len > data.size() - 20) throw InputError("trace '" + path + "': header is truncated");
    const std::size_t body = data.size() - 20 - src_len;
    if (body % kRecordBytes != 0 || body / kRecordBytes != count)
        throw InputError("trace '" + path + "': header says " + std::to_string(count) + " records but the file holds " +
                         std::to_string(body / kRecordBytes) + (body % kRecordBytes ? " and a partial one" : "") +
                         " (truncated or corrupt)");
    Trace t;
    t.source.assign(data.data() + 20, src_len);
    t.records.resize(count);
    const char* p = data.data() + 20 + src_len;
    for (auto& r : t.records) {
        r.frame = get32(p);
        r.step = get32(p + 4);
        r.layer = get32(p + 8);
        r.neuron = get32(p + 12);
        r.pe = static_cast<std::int32_t>(get32(p + 16));
        r.cycle = get64(p + 20);
        p += kRecordBytes;
    }
    return t;
}

std::string to_csv(const Trace& t) {
    std::string out = "frame,step,layer,neuron,pe,cycle\n";
    for (const auto& r : t.records) {
        out += std::to_string(r.frame) + "," + std::to_string(r.step) + "," + std::to_string(r.layer) + "," +
               std::to_string(r.neuron) + "," + (r.pe < 0 ? std::string() : std::to_string(r.pe)) + "," +
               (r.cycle == SpikeRecord::kNoCycle ? std::string() : std::to_string(r.cycle)) + "\n";
    }
    return out;
}

namespace {
void require_cycles(const std::vector<SpikeRecord>& recs, const std::string& name) {
    for (const auto& r : recs)
        if (r.cycle == SpikeRecord::kNoCycle)
            throw InputError("trace '" + name + "' has no cycle for its spike at " + describe(r) +
                             ": a timing comparison needs traces of timed runs (`spiketlm run`), not of the "
                             "functional reference");
}
}  // namespace

DiffResult diff(std::vector<SpikeRecord> a, std::vector<SpikeRecord> b, const std::string& na, const std::string& nb,
                bool timing) {
    if (timing) {
        require_cycles(a, na);
        require_cycles(b, nb);
    }
    // Cycle breaks ties so that repeated records pair up the same way every time.
    const auto order = [](const SpikeRecord& x, const SpikeRecord& y) {
        return std::tie(x.frame, x.step, x.layer, x.neuron, x.cycle) < std::tie(y.frame, y.step, y.layer, y.neuron, y.cycle);
    };
    std::sort(a.begin(), a.end(), order);
    std::sort(b.begin(), b.end(), order);
    const auto at_cycle = [timing](const SpikeRecord& x) {
        return timing ? " (cycle " + std::to_string(x.cycle) + ")" : std::string();
    };
    DiffResult r;
    std::size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
        if (i < a.size() && j < b.size() && a[i].same_spike(b[j])) {
            if (timing && a[i].cycle != b[j].cycle) {
                r.equal = false;
                r.cycle_difference = true;
                r.message = "first difference: the spike at " + describe(a[i]) + " is at cycle " +
                            std::to_string(a[i].cycle) + " in " + na + " but at cycle " + std::to_string(b[j].cycle) +
                            " in " + nb + " (after " + std::to_string(r.compared) + " equal spikes)";
                return r;
            }
            ++i, ++j, ++r.compared;
            continue;
        }
        r.equal = false;
        if (j >= b.size() || (i < a.size() && a[i] < b[j]))
            r.message = "first difference: " + na + " has a spike at " + describe(a[i]) + at_cycle(a[i]) + " that " +
                        nb + " lacks";
        else
            r.message = "first difference: " + nb + " has a spike at " + describe(b[j]) + at_cycle(b[j]) + " that " +
                        na + " lacks";
        r.message += " (after " + std::to_string(r.compared) + " equal spikes; " + na + ": " +
                     std::to_string(a.size()) + " spikes, " + nb + ": " + std::to_string(b.size()) + ")";
        return r;
    }
    return r;
}

}  // namespace spiketlm::traces
