#pragma once
// Address-event (AER) streams of DVS-style sensors and spiketlm's binary file format for them.
//
// File format "STLMAER" version 1 (all integers little-endian; docs/data.md):
//   header, 24 bytes:
//     0  char[7] "STLMAER"   magic
//     7  u8      1           version
//     8  u16     width       sensor width in pixels (>= 1)
//     10 u16     height      sensor height in pixels (>= 1)
//     12 i32     label       class label, -1 = none
//     16 u64     count       number of events
//   count event records, 16 bytes each:
//     0  u64 t_us            timestamp in microseconds, non-decreasing through the file
//     8  u16 x               0 <= x < width
//     10 u16 y               0 <= y < height
//     12 u8  polarity        1 = ON (brighter), 0 = OFF (darker)
//     13 u8[3] reserved      zero
//   The file ends right after the last record.
#include <cstdint>
#include <string>
#include <vector>

namespace spiketlm::data {

struct Event {
    std::uint64_t t_us;
    std::uint16_t x, y;
    bool on;
    bool operator==(const Event& o) const { return t_us == o.t_us && x == o.x && y == o.y && on == o.on; }
};

struct EventStream {
    std::uint16_t width = 0, height = 0;
    std::vector<Event> events;
    int label = -1;
};

inline constexpr std::size_t kAerHeaderBytes = 24;
inline constexpr std::size_t kAerEventBytes = 16;

// Throws InputError naming the file on: missing/empty file, truncated header, bad magic,
// unsupported version, zero width/height, event count not matching the file size (truncated
// or trailing bytes), coordinates outside the sensor, polarity not 0/1, non-zero reserved
// bytes, timestamps going backwards.
EventStream read_aer(const std::string& path);

// The N-MNIST / N-Caltech101 ".bin" format (Orchard et al. 2015), so recorded DVS datasets can
// be used directly: 5 bytes per event, big-endian bit fields
//   bits 39-32 x, 31-24 y, 23 polarity (1 = ON), 22-0 timestamp in us.
// A record with y == 240 is a timestamp-overflow marker (adds 2^13 us to every later timestamp,
// the convention of the dataset's reference reader) and is not an event. Events are stably
// sorted by time. Throws InputError naming the file on a missing/empty file, a size that is not
// a multiple of 5 (truncated), or an address outside width x height.
EventStream read_nmnist_bin(const std::string& path, std::uint16_t width = 34, std::uint16_t height = 34,
                            int label = -1);

// Validates the stream (same rules as read_aer; Error on violation) and writes it atomically
// (temp file + rename).
void write_aer(const std::string& path, const EventStream& stream);

}  // namespace spiketlm::data
