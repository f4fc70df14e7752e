#include "sw/data/aer.h"

#include <algorithm>
#include <cstring>

#include "sw/common/error.h"
#include "sw/common/fs.h"

namespace spiketlm::data {

namespace {

constexpr char kMagic[7] = {'S', 'T', 'L', 'M', 'A', 'E', 'R'};
constexpr std::uint8_t kVersion = 1;

std::uint64_t le(const unsigned char* p, int bytes) {
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

void put(std::string& out, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

// Returns an empty string when the event is valid, else what is wrong with it.
std::string check_event(const EventStream& s, const Event& e, std::uint64_t prev_t, std::size_t i) {
    const std::string at = "event " + std::to_string(i) + ": ";
    if (e.x >= s.width || e.y >= s.height)
        return at + "address (" + std::to_string(e.x) + ", " + std::to_string(e.y) + ") outside the " +
               std::to_string(s.width) + "x" + std::to_string(s.height) + " sensor";
    if (e.t_us < prev_t)
        return at + "timestamp " + std::to_string(e.t_us) + " us goes backwards (previous " +
               std::to_string(prev_t) + " us)";
    return {};
}

}  // namespace

EventStream read_aer(const std::string& path) {
    const std::string bytes = read_file(path);
    const std::string where = "AER file '" + path + "'";
    if (bytes.empty()) throw InputError(where + ": file is empty");
    if (bytes.size() < kAerHeaderBytes)
        throw InputError(where + ": truncated header (" + std::to_string(bytes.size()) + " bytes, need " +
                         std::to_string(kAerHeaderBytes) + ")");
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    if (std::memcmp(p, kMagic, sizeof kMagic) != 0)
        throw InputError(where + ": bad magic (expected \"STLMAER\" at offset 0)");
    if (p[7] != kVersion)
        throw InputError(where + ": unsupported version " + std::to_string(p[7]) + " (supported: 1)");
    EventStream s;
    s.width = static_cast<std::uint16_t>(le(p + 8, 2));
    s.height = static_cast<std::uint16_t>(le(p + 10, 2));
    s.label = static_cast<std::int32_t>(static_cast<std::uint32_t>(le(p + 12, 4)));
    const std::uint64_t count = le(p + 16, 8);
    if (s.width == 0 || s.height == 0)
        throw InputError(where + ": bad header: sensor size " + std::to_string(s.width) + "x" +
                         std::to_string(s.height) + " (width and height must be >= 1)");
    if (s.label < -1) throw InputError(where + ": bad header: label " + std::to_string(s.label) + " (>= -1)");
    const std::uint64_t body = bytes.size() - kAerHeaderBytes;
    const bool truncated = count > body / kAerEventBytes;  // division: no overflow for huge counts
    if (truncated || body != count * kAerEventBytes) {
        const std::string got = std::to_string(body / kAerEventBytes) + " records" +
                                (body % kAerEventBytes ? " + " + std::to_string(body % kAerEventBytes) + " bytes" : "");
        throw InputError(where + ": event count mismatch: header says " + std::to_string(count) +
                         " events, the file holds " + got + (truncated ? " (truncated)" : " (trailing bytes)"));
    }
    s.events.resize(count);
    std::uint64_t prev_t = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
        const unsigned char* r = p + kAerHeaderBytes + i * kAerEventBytes;
        Event& e = s.events[i];
        e.t_us = le(r, 8);
        e.x = static_cast<std::uint16_t>(le(r + 8, 2));
        e.y = static_cast<std::uint16_t>(le(r + 10, 2));
        if (r[12] > 1)
            throw InputError(where + ": event " + std::to_string(i) + ": polarity " + std::to_string(r[12]) +
                             " (must be 0 = OFF or 1 = ON)");
        if (r[13] || r[14] || r[15])
            throw InputError(where + ": event " + std::to_string(i) + ": reserved bytes are not zero");
        e.on = r[12] == 1;
        const std::string bad = check_event(s, e, prev_t, i);
        if (!bad.empty()) throw InputError(where + ": " + bad);
        prev_t = e.t_us;
    }
    return s;
}

EventStream read_nmnist_bin(const std::string& path, std::uint16_t width, std::uint16_t height, int label) {
    const std::string bytes = read_file(path);
    const std::string where = "N-MNIST file '" + path + "'";
    if (bytes.empty()) throw InputError(where + ": file is empty");
    if (bytes.size() % 5 != 0)
        throw InputError(where + ": truncated: " + std::to_string(bytes.size()) +
                         " bytes is not a whole number of 5-byte events");
    if (width == 0 || height == 0) throw InputError(where + ": sensor size must be >= 1x1");
    EventStream s;
    s.width = width;
    s.height = height;
    s.label = label;
    s.events.reserve(bytes.size() / 5);
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    std::uint64_t offset = 0;
    bool sorted = true;
    for (std::size_t i = 0; i < bytes.size() / 5; ++i) {
        const unsigned char* r = p + 5 * i;
        if (r[1] == 240) {
            offset += 1u << 13;
            continue;
        }
        Event e;
        e.x = r[0];
        e.y = r[1];
        e.on = (r[2] & 0x80) != 0;
        e.t_us = offset + ((std::uint64_t(r[2] & 0x7f) << 16) | (std::uint64_t(r[3]) << 8) | r[4]);
        if (e.x >= width || e.y >= height)
            throw InputError(where + ": event " + std::to_string(i) + ": address (" + std::to_string(e.x) + ", " +
                             std::to_string(e.y) + ") outside the " + std::to_string(width) + "x" +
                             std::to_string(height) + " sensor");
        if (!s.events.empty() && e.t_us < s.events.back().t_us) sorted = false;
        s.events.push_back(e);
    }
    if (!sorted)
        std::stable_sort(s.events.begin(), s.events.end(),
                         [](const Event& a, const Event& b) { return a.t_us < b.t_us; });
    return s;
}

void write_aer(const std::string& path, const EventStream& s) {
    if (s.width == 0 || s.height == 0) throw Error("write_aer('" + path + "'): sensor size must be >= 1x1");
    if (s.label < -1) throw Error("write_aer('" + path + "'): label must be >= -1");
    std::string out;
    out.reserve(kAerHeaderBytes + s.events.size() * kAerEventBytes);
    out.append(kMagic, sizeof kMagic);
    out += static_cast<char>(kVersion);
    put(out, s.width, 2);
    put(out, s.height, 2);
    put(out, static_cast<std::uint32_t>(s.label), 4);
    put(out, s.events.size(), 8);
    std::uint64_t prev_t = 0;
    for (std::size_t i = 0; i < s.events.size(); ++i) {
        const Event& e = s.events[i];
        const std::string bad = check_event(s, e, prev_t, i);
        if (!bad.empty()) throw Error("write_aer('" + path + "'): " + bad);
        prev_t = e.t_us;
        put(out, e.t_us, 8);
        put(out, e.x, 2);
        put(out, e.y, 2);
        put(out, e.on ? 1 : 0, 1);
        put(out, 0, 3);
    }
    write_file_atomic(path, out);
}

}  // namespace spiketlm::data
