#include "sw/data/gz.h"

#include <zlib.h>

#include <cstring>

#include "sw/common/error.h"
#include "sw/common/fs.h"

namespace spiketlm::data {

namespace {

bool is_gzip(const std::string& raw) {
    return raw.size() >= 2 && static_cast<unsigned char>(raw[0]) == 0x1f &&
           static_cast<unsigned char>(raw[1]) == 0x8b;
}

// Inflates every gzip member of `raw` (concatenated members are legal gzip).
std::string gunzip(const std::string& path, const std::string& raw) {
    std::string out;
    // Most gzip trailers carry the uncompressed size (mod 2^32) of the last member: a good hint.
    if (raw.size() >= 18) {
        const auto* t = reinterpret_cast<const unsigned char*>(raw.data() + raw.size() - 4);
        const std::uint32_t isize = t[0] | (t[1] << 8) | (t[2] << 16) | (std::uint32_t(t[3]) << 24);
        if (isize < (1u << 30)) out.reserve(isize);
    }
    z_stream zs;
    std::memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw Error("zlib: inflateInit2 failed");
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
    zs.avail_in = static_cast<uInt>(raw.size());
    char buf[1 << 16];
    for (;;) {
        zs.next_out = reinterpret_cast<Bytef*>(buf);
        zs.avail_out = sizeof buf;
        const int rc = inflate(&zs, Z_NO_FLUSH);
        out.append(buf, sizeof buf - zs.avail_out);
        if (rc == Z_STREAM_END) {
            if (zs.avail_in == 0) break;
            // Another member follows (or trailing garbage, which zlib will reject below).
            if (inflateReset(&zs) != Z_OK) break;
            continue;
        }
        if (rc == Z_OK) continue;
        const std::string msg = zs.msg ? zs.msg : "";
        const std::size_t at = raw.size() - zs.avail_in;
        inflateEnd(&zs);
        if (rc == Z_BUF_ERROR)
            throw InputError("'" + path + "': truncated gzip stream (compressed data ends after " +
                             std::to_string(raw.size()) + " bytes, " +
                             std::to_string(out.size()) + " bytes decompressed)");
        throw InputError("'" + path + "': corrupt gzip stream at compressed byte " +
                         std::to_string(at) + (msg.empty() ? "" : " (" + msg + ")"));
    }
    inflateEnd(&zs);
    return out;
}

}  // namespace

std::string read_maybe_gzip(const std::string& path) {
    std::string raw = read_file(path);
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
