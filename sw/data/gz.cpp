#include "sw/data/gz.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "sw/common/error.h"

namespace spiketlm::data {

namespace {

bool is_gzip(const std::string& raw) {
    return raw.size() >= 2 && static_cast<unsigned char>(raw[0]) == 0x1f &&
           static_cast<unsigned char>(raw[1]) == 0x8b;
}

// Whole file in one read (read_file's stream copy costs ~0.1 s on the 26 MB training images).
std::string slurp(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw InputError("cannot open '" + path + "': " + std::strerror(errno));
    std::string out;
    char buf[1 << 16];
    if (std::fseek(f, 0, SEEK_END) == 0) {
        const long size = std::ftell(f);
        if (size > 0) out.reserve(static_cast<std::size_t>(size));
        std::fseek(f, 0, SEEK_SET);
    }
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    const bool bad = std::ferror(f) != 0;
    std::fclose(f);
    if (bad) throw InputError("cannot read '" + path + "': read error");
    return out;
}

// Inflates every gzip member of `raw` (concatenated members are legal gzip) straight into the
// output buffer, sized from the trailer's ISIZE hint and grown if the hint is short.
std::string gunzip(const std::string& path, const std::string& raw) {
    std::size_t cap = raw.size() * 2 + (1 << 16);
    if (raw.size() >= 18) {
        const auto* t = reinterpret_cast<const unsigned char*>(raw.data() + raw.size() - 4);
        const std::uint32_t isize = t[0] | (t[1] << 8) | (t[2] << 16) | (std::uint32_t(t[3]) << 24);
        // Deflate cannot expand more than ~1032:1; a larger ISIZE is corrupt, not a size to allocate.
        if (isize <= raw.size() * 1032ull) cap = std::max<std::size_t>(cap, std::size_t{isize} + 1);
    }
    std::string out(cap, '\0');
    std::size_t used = 0;
    z_stream zs;
    std::memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw Error("zlib: inflateInit2 failed");
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
    zs.avail_in = static_cast<uInt>(raw.size());
    for (;;) {
        if (used == out.size()) out.resize(out.size() * 2);
        const std::size_t room = std::min<std::size_t>(out.size() - used, 1u << 30);
        zs.next_out = reinterpret_cast<Bytef*>(&out[used]);
        zs.avail_out = static_cast<uInt>(room);
        const int rc = inflate(&zs, Z_NO_FLUSH);
        used += room - zs.avail_out;
        if (rc == Z_STREAM_END) {
            if (zs.avail_in == 0) break;
            // Another member follows (or trailing garbage, which inflate rejects next round).
            if (inflateReset(&zs) != Z_OK) break;
            continue;
        }
        if (rc == Z_OK || (rc == Z_BUF_ERROR && zs.avail_out == 0)) continue;
        const std::string msg = zs.msg ? zs.msg : "";
        const std::size_t at = raw.size() - zs.avail_in;
        inflateEnd(&zs);
        if (rc == Z_BUF_ERROR)
            throw InputError("'" + path + "': truncated gzip stream (compressed data ends after " +
                             std::to_string(raw.size()) + " bytes, " + std::to_string(used) +
                             " bytes decompressed)");
        throw InputError("'" + path + "': corrupt gzip stream at compressed byte " + std::to_string(at) +
                         (msg.empty() ? "" : " (" + msg + ")"));
    }
    inflateEnd(&zs);
    out.resize(used);
    return out;
}

}  // namespace

std::string read_maybe_gzip(const std::string& path) {
    std::string raw = slurp(path);
    if (!is_gzip(raw)) return raw;
    return gunzip(path, raw);
}

std::string gzip_compress(const std::string& bytes) {
    z_stream zs;
    std::memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw Error("zlib: deflateInit2 failed");
    std::string out(deflateBound(&zs, static_cast<uLong>(bytes.size())), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    zs.avail_in = static_cast<uInt>(bytes.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&zs, Z_FINISH);
    const std::size_t n = out.size() - zs.avail_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) throw Error("zlib: deflate failed");
    out.resize(n);
    return out;
}

}  // namespace spiketlm::data
