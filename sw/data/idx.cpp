#include "sw/data/idx.h"

#include <cstdio>

#include "sw/common/error.h"
#include "sw/common/fs.h"
#include "sw/data/gz.h"

namespace spiketlm::data {

namespace {

std::uint32_t be32(const unsigned char* p) {
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
           std::uint32_t(p[3]);
}

std::string dims_text(const std::vector<std::uint32_t>& dims) {
    std::string s;
    for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? "x" : "") + std::to_string(dims[i]);
    return s;
}

// Header of a decoded IDX file; the payload is bytes[header, header + total).
struct IdxView {
    std::vector<std::uint32_t> dims;
    std::size_t header = 0;
    std::uint64_t total = 0;
};

IdxView check_idx(const std::string& path, const std::string& bytes, std::size_t expected_ndims) {
    const std::string where = "IDX file '" + path + "'";
    if (bytes.empty()) throw InputError(where + ": file is empty");
    if (bytes.size() < 4)
        throw InputError(where + ": truncated header (" + std::to_string(bytes.size()) +
                         " bytes, need at least 4)");
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    if (p[0] != 0 || p[1] != 0) {
        char hex[16];
        std::snprintf(hex, sizeof hex, "%02x %02x", p[0], p[1]);
        throw InputError(where + ": bad magic (first two bytes " + hex +
                         ", an IDX file starts with 00 00)");
    }
    if (p[2] != 0x08) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", p[2]);
        throw InputError(where + ": unsupported data type " + hex +
                         " in magic (only 0x08 = unsigned byte)");
    }
    const std::size_t ndims = p[3];
    if (ndims != expected_ndims)
        throw InputError(where + ": wrong number of dimensions " + std::to_string(ndims) + " (expected " +
                         std::to_string(expected_ndims) + ")");
    const std::size_t header = 4 + 4 * ndims;
    if (bytes.size() < header)
        throw InputError(where + ": truncated header (" + std::to_string(bytes.size()) + " bytes, need " +
                         std::to_string(header) + ")");
    IdxView a;
    a.header = header;
    std::uint64_t total = 1;
    for (std::size_t i = 0; i < ndims; ++i) {
        a.dims.push_back(be32(p + 4 + 4 * i));
        total *= a.dims.back();
        if (total > (std::uint64_t(1) << 36))
            throw InputError(where + ": implausible dimensions " + dims_text(a.dims));
    }
    const std::uint64_t have = bytes.size() - header;
    if (have != total)
        throw InputError(where + ": size mismatch: header says " + dims_text(a.dims) + " = " +
                         std::to_string(total) + " bytes of data, file has " + std::to_string(have) +
                         (have < total ? " (short data)" : " (trailing bytes)"));
    a.total = total;
    return a;
}

}  // namespace

IdxArray read_idx_file(const std::string& path, std::size_t expected_ndims) {
    const std::string bytes = read_maybe_gzip(path);
    const IdxView v = check_idx(path, bytes, expected_ndims);
    IdxArray a;
    a.dims = v.dims;
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data()) + v.header;
    a.data.assign(p, p + v.total);
    return a;
}

ImageSet read_idx(const std::string& images_path, const std::string& labels_path,
                  const std::string& name) {
    const std::string img_bytes = read_maybe_gzip(images_path);
    const IdxView img = check_idx(images_path, img_bytes, 3);
    const IdxArray lab = read_idx_file(labels_path, 1);
    if (img.dims[1] == 0 || img.dims[2] == 0)
        throw InputError("IDX file '" + images_path + "': zero image size " +
                         std::to_string(img.dims[1]) + "x" + std::to_string(img.dims[2]));
    if (img.dims[0] != lab.dims[0])
        throw InputError("count mismatch: '" + images_path + "' holds " + std::to_string(img.dims[0]) +
                         " images but '" + labels_path + "' holds " + std::to_string(lab.dims[0]) +
                         " labels");
    ImageSet s;
    s.name = name;
    s.rows = img.dims[1];
    s.cols = img.dims[2];
    s.num_classes = 10;
    for (std::size_t i = 0; i < lab.data.size(); ++i)
        if (lab.data[i] >= s.num_classes)
            throw InputError("IDX file '" + labels_path + "': label out of range: item " + std::to_string(i) +
                             " has label " + std::to_string(lab.data[i]) + " (classes 0.." +
                             std::to_string(s.num_classes - 1) + ")");
    s.labels = lab.data;
    s.pixels.resize(img.total);
    float lut[256];
    for (int v = 0; v < 256; ++v) lut[v] = static_cast<float>(v) / 255.0f;
    const auto* px = reinterpret_cast<const unsigned char*>(img_bytes.data()) + img.header;
    for (std::size_t i = 0; i < img.total; ++i) s.pixels[i] = lut[px[i]];
    return s;
}

void write_idx_file(const std::string& path, const std::vector<std::uint32_t>& dims,
                    const std::vector<std::uint8_t>& data, bool gzip) {
    std::string out;
    out.reserve(4 + 4 * dims.size() + data.size());
    out += '\0';
    out += '\0';
    out += '\x08';
    out += static_cast<char>(dims.size());
    std::uint64_t total = 1;
    for (std::uint32_t d : dims) {
        total *= d;
        for (int sh = 24; sh >= 0; sh -= 8) out += static_cast<char>((d >> sh) & 0xff);
    }
    if (total != data.size())
        throw Error("write_idx_file('" + path + "'): dims " + dims_text(dims) + " need " +
                    std::to_string(total) + " bytes, got " + std::to_string(data.size()));
    out.append(reinterpret_cast<const char*>(data.data()), data.size());
    write_file_atomic(path, gzip ? gzip_compress(out) : out);
}

}  // namespace spiketlm::data
