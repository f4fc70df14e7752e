#include "sw/io/npz.h"

#include <zip.h>

#include <cctype>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <sstream>

#include "sw/common/error.h"
#include "sw/common/fs.h"

namespace spiketlm::io {

const char* descr(DType t) {
    switch (t) {
        case DType::i1: return "|i1";
        case DType::i2: return "<i2";
        case DType::i4: return "<i4";
        case DType::i8: return "<i8";
        case DType::f4: return "<f4";
        case DType::f8: return "<f8";
    }
    return "?";
}

std::size_t dtype_size(DType t) {
    switch (t) {
        case DType::i1: return 1;
        case DType::i2: return 2;
        case DType::i4: return 4;
        case DType::i8: return 8;
        case DType::f4: return 4;
        case DType::f8: return 8;
    }
    return 0;
}

std::size_t NpyArray::size() const {
    std::size_t n = 1;
    for (auto d : shape) n *= d;
    return n;
}

std::string NpyArray::shape_str() const {
    std::string s = "(";
    for (std::size_t k = 0; k < shape.size(); ++k) s += (k ? ", " : "") + std::to_string(shape[k]);
    if (shape.size() == 1) s += ",";
    return s + ")";
}

namespace {

// The host is little-endian (x86-64, aarch64): raw copies are the .npy byte order.
template <class T>
T load(const unsigned char* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

template <class Out, class Conv>
std::vector<Out> convert(const NpyArray& a, Conv conv) {
    const std::size_t n = a.size(), es = dtype_size(a.dtype);
    std::vector<Out> out(n);
    const unsigned char* p = a.data.data();
    for (std::size_t k = 0; k < n; ++k, p += es) {
        switch (a.dtype) {
            case DType::i1: out[k] = conv(static_cast<double>(load<std::int8_t>(p)), load<std::int8_t>(p)); break;
            case DType::i2: out[k] = conv(static_cast<double>(load<std::int16_t>(p)), load<std::int16_t>(p)); break;
            case DType::i4: out[k] = conv(static_cast<double>(load<std::int32_t>(p)), load<std::int32_t>(p)); break;
            case DType::i8: out[k] = conv(static_cast<double>(load<std::int64_t>(p)), load<std::int64_t>(p)); break;
            case DType::f4: out[k] = conv(static_cast<double>(load<float>(p)), 0); break;
            case DType::f8: out[k] = conv(load<double>(p), 0); break;
        }
    }
    return out;
}

template <class T>
NpyArray make(DType t, std::vector<std::size_t> shape, const std::vector<T>& values) {
    NpyArray a;
    a.dtype = t;
    a.shape = std::move(shape);
    if (a.size() != values.size())
        throw Error("npy: " + std::to_string(values.size()) + " values do not fill shape " + a.shape_str());
    a.data.resize(values.size() * sizeof(T));
    if (!values.empty()) std::memcpy(a.data.data(), values.data(), a.data.size());
    return a;
}

}  // namespace

std::vector<std::int32_t> NpyArray::to_int32(const std::string& what) const {
    if (dtype == DType::f4 || dtype == DType::f8)
        throw InputError(what + ": dtype " + descr(dtype) + " where integer weights (|i1, <i2, <i4, <i8) are expected");
    return convert<std::int32_t>(*this, [&](double, std::int64_t v) {
        if (v < INT32_MIN || v > INT32_MAX)
            throw InputError(what + ": value " + std::to_string(v) + " does not fit int32");
        return static_cast<std::int32_t>(v);
    });
}

std::vector<float> NpyArray::to_float() const {
    return convert<float>(*this, [](double d, std::int64_t) { return static_cast<float>(d); });
}

std::vector<double> NpyArray::to_double() const {
    return convert<double>(*this, [](double d, std::int64_t) { return d; });
}

NpyArray NpyArray::from_int16(std::vector<std::size_t> shape, const std::vector<std::int32_t>& values) {
    std::vector<std::int16_t> v(values.size());
    for (std::size_t k = 0; k < values.size(); ++k) {
        if (values[k] < INT16_MIN || values[k] > INT16_MAX)
            throw Error("npy: value " + std::to_string(values[k]) + " does not fit int16");
        v[k] = static_cast<std::int16_t>(values[k]);
    }
    return make(DType::i2, std::move(shape), v);
}
NpyArray NpyArray::from_int32(std::vector<std::size_t> shape, const std::vector<std::int32_t>& values) {
    return make(DType::i4, std::move(shape), values);
}
NpyArray NpyArray::from_float(std::vector<std::size_t> shape, const std::vector<float>& values) {
    return make(DType::f4, std::move(shape), values);
}
NpyArray NpyArray::from_double(std::vector<std::size_t> shape, const std::vector<double>& values) {
    return make(DType::f8, std::move(shape), values);
}

std::string to_npy(const NpyArray& a) {
    std::string dict = std::string("{'descr': '") + descr(a.dtype) + "', 'fortran_order': False, 'shape': " +
                       a.shape_str() + ", }";
    // magic(6) + version(2) + header length(2) + dict + padding + '\n' is a multiple of 64.
    std::size_t total = 10 + dict.size() + 1;
    dict.append((64 - total % 64) % 64, ' ');
    dict += '\n';
    std::string out("\x93NUMPY\x01\x00", 8);
    out += static_cast<char>(dict.size() & 0xff);
    out += static_cast<char>((dict.size() >> 8) & 0xff);
    out += dict;
    out.append(reinterpret_cast<const char*>(a.data.data()), a.data.size());
    return out;
}

namespace {

// Finds the value text after 'key': in a .npy header dict.
std::string dict_value(const std::string& h, const std::string& key, const std::string& what) {
    const auto k = h.find("'" + key + "'");
    if (k == std::string::npos) throw InputError(what + ": .npy header has no '" + key + "' (header: " + h + ")");
    auto p = h.find(':', k);
    if (p == std::string::npos) throw InputError(what + ": malformed .npy header: " + h);
    ++p;
    while (p < h.size() && h[p] == ' ') ++p;
    if (p >= h.size()) throw InputError(what + ": malformed .npy header: " + h);
    std::size_t e;
    if (h[p] == '(') e = h.find(')', p) + 1;
    else if (h[p] == '\'' || h[p] == '"') e = h.find(h[p], p + 1) + 1;
    else e = h.find_first_of(",}", p);
    if (e == std::string::npos || e == 0) throw InputError(what + ": malformed .npy header: " + h);
    return h.substr(p, e - p);
}

}  // namespace

NpyArray parse_npy(const std::string& b, const std::string& what) {
    if (b.size() < 10 || b.compare(0, 6, "\x93NUMPY") != 0)
        throw InputError(what + ": not a .npy array (bad magic)");
    const unsigned major = static_cast<unsigned char>(b[6]);
    std::size_t hlen, hstart;
    if (major == 1) {
        hlen = static_cast<unsigned char>(b[8]) | (static_cast<std::size_t>(static_cast<unsigned char>(b[9])) << 8);
        hstart = 10;
    } else if (major == 2 || major == 3) {
        if (b.size() < 12) throw InputError(what + ": truncated .npy header");
        hlen = 0;
        for (int k = 3; k >= 0; --k) hlen = (hlen << 8) | static_cast<unsigned char>(b[8 + k]);
        hstart = 12;
    } else {
        throw InputError(what + ": unsupported .npy version " + std::to_string(major));
    }
    if (hstart + hlen > b.size()) throw InputError(what + ": truncated .npy header");
    const std::string h = b.substr(hstart, hlen);
    NpyArray a;
    std::string d = dict_value(h, "descr", what);
    if (d.size() >= 2) d = d.substr(1, d.size() - 2);
    if (d == "|i1") a.dtype = DType::i1;
    else if (d == "<i2") a.dtype = DType::i2;
    else if (d == "<i4") a.dtype = DType::i4;
    else if (d == "<i8") a.dtype = DType::i8;
    else if (d == "<f4") a.dtype = DType::f4;
    else if (d == "<f8") a.dtype = DType::f8;
    else
        throw InputError(what + ": unsupported dtype '" + d + "' (supported: |i1, <i2, <i4, <i8, <f4, <f8, little-endian)");
    const std::string fo = dict_value(h, "fortran_order", what);
    if (fo != "False")
        throw InputError(what + ": Fortran-order array (save with np.ascontiguousarray, C order)");
    const std::string sh = dict_value(h, "shape", what);
    if (sh.size() < 2 || sh.front() != '(') throw InputError(what + ": malformed shape " + sh);
    std::stringstream ss(sh.substr(1, sh.size() - 2));
    std::string tok;
    while (std::getline(ss, tok, ',')) {
        const auto f = tok.find_first_not_of(' ');
        if (f == std::string::npos) continue;
        tok = tok.substr(f, tok.find_last_not_of(' ') - f + 1);
        char* end = nullptr;
        const unsigned long long v = std::strtoull(tok.c_str(), &end, 10);
        if (tok.empty() || *end != '\0' || !std::isdigit(static_cast<unsigned char>(tok[0])))
            throw InputError(what + ": malformed shape " + sh);
        a.shape.push_back(static_cast<std::size_t>(v));
    }
    const std::size_t bytes = a.size() * dtype_size(a.dtype);
    const std::size_t have = b.size() - hstart - hlen;
    if (have != bytes)
        throw InputError(what + ": data has " + std::to_string(have) + " bytes, shape " + a.shape_str() + " " + d +
                         " needs " + std::to_string(bytes) + " (truncated or corrupt)");
    a.data.assign(b.begin() + static_cast<std::ptrdiff_t>(hstart + hlen), b.end());
    return a;
}

void write_npz(const std::string& path, const NpzArchive& arrays) {
    const std::filesystem::path target(path);
    std::random_device rd;
    const std::string tmp = (target.parent_path() / ("." + target.filename().string() + ".tmp" +
                                                     std::to_string(rd())))
                                .string();
    int err = 0;
    zip_t* z = zip_open(tmp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    if (!z) throw Error(path + ": cannot create zip (libzip error " + std::to_string(err) + ")");
    std::vector<std::string> buffers;  // must outlive zip_close
    buffers.reserve(arrays.size());
    const auto fail = [&](const std::string& what) {
        const std::string msg = path + ": " + what + ": " + zip_strerror(z);
        zip_discard(z);
        std::remove(tmp.c_str());
        throw Error(msg);
    };
    for (const auto& [name, a] : arrays) {
        buffers.push_back(to_npy(a));
        zip_source_t* src = zip_source_buffer(z, buffers.back().data(), buffers.back().size(), 0);
        if (!src) fail("member " + name);
        const zip_int64_t idx = zip_file_add(z, (name + ".npy").c_str(), src, ZIP_FL_ENC_UTF_8);
        if (idx < 0) {
            zip_source_free(src);
            fail("member " + name);
        }
        zip_set_file_compression(z, static_cast<zip_uint64_t>(idx), ZIP_CM_STORE, 0);
        zip_file_set_mtime(z, static_cast<zip_uint64_t>(idx), 1577836800, 0);  // fixed: reproducible bytes
    }
    if (zip_close(z) != 0) fail("writing");
    std::error_code ec;
    std::filesystem::rename(tmp, target, ec);
    if (ec) {
        std::remove(tmp.c_str());
        throw Error(path + ": cannot rename temporary file: " + ec.message());
    }
}

NpzArchive read_npz(const std::string& path) {
    const std::string bytes = read_file(path);
    zip_error_t zerr;
    zip_error_init(&zerr);
    zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &zerr);
    if (!src) throw InputError(path + ": cannot read: " + zip_error_strerror(&zerr));
    zip_t* z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
    if (!z) {
        const std::string msg = zip_error_strerror(&zerr);
        zip_source_free(src);
        zip_error_fini(&zerr);
        throw InputError(path + ": not a valid .npz (zip) archive: " + msg);
    }
    NpzArchive out;
    const auto fail = [&](const std::string& msg) {
        zip_discard(z);
        throw InputError(msg);
    };
    const zip_int64_t n = zip_get_num_entries(z, 0);
    for (zip_int64_t k = 0; k < n; ++k) {
        zip_stat_t st;
        if (zip_stat_index(z, static_cast<zip_uint64_t>(k), 0, &st) != 0) fail(path + ": corrupt zip entry " + std::to_string(k));
        const std::string member = st.name;
        const std::string what = path + " member " + member;
        if (member.size() < 4 || member.compare(member.size() - 4, 4, ".npy") != 0)
            fail(what + ": not a .npy member (an .npz holds only <name>.npy arrays)");
        zip_file_t* f = zip_fopen_index(z, static_cast<zip_uint64_t>(k), 0);
        if (!f) fail(what + ": cannot open: " + zip_strerror(z));
        std::string data(static_cast<std::size_t>(st.size), '\0');
        zip_int64_t got = 0;
        while (got < static_cast<zip_int64_t>(data.size())) {
            const zip_int64_t r = zip_fread(f, data.data() + got, data.size() - static_cast<std::size_t>(got));
            if (r <= 0) break;
            got += r;
        }
        // Read past the end so libzip checks the CRC.
        char extra;
        const zip_int64_t tail = zip_fread(f, &extra, 1);
        const std::string ferr = zip_error_strerror(zip_file_get_error(f));
        zip_fclose(f);
        if (got != static_cast<zip_int64_t>(data.size()) || tail != 0)
            fail(what + ": corrupt or truncated data (" + ferr + ")");
        try {
            out[member.substr(0, member.size() - 4)] = parse_npy(data, what);
        } catch (const InputError& e) {
            fail(e.what());
        }
    }
    zip_discard(z);
    return out;
}

}  // namespace spiketlm::io
