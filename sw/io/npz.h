#pragma once
// NumPy .npy / .npz files (format: numpy.lib.format, version 1.0 written; 1.0, 2.0 and 3.0 read).
// An .npz is a zip archive of `<name>.npy` members, stored (np.savez) or deflated
// (np.savez_compressed); both are read. Little-endian, C-order arrays of int8, int16, int32,
// int64, float32 and float64. Every error names the file and the member.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace spiketlm::io {

enum class DType { i1, i2, i4, i8, f4, f8 };
const char* descr(DType t);  // "|i1", "<i2", "<i4", ...
std::size_t dtype_size(DType t);

struct NpyArray {
    DType dtype = DType::f4;
    std::vector<std::size_t> shape;  // () for a scalar
    std::vector<unsigned char> data; // raw little-endian, C order

    std::size_t size() const;  // number of elements
    std::string shape_str() const;  // "(800, 784)"
    // Element access converted to the requested type (integers to float are exact up to 2^24).
    // to_int32 throws InputError on a float array or an int64 value outside int32 (`what` names
    // the member in the message).
    std::vector<std::int32_t> to_int32(const std::string& what) const;
    std::vector<float> to_float() const;
    std::vector<double> to_double() const;

    static NpyArray from_int16(std::vector<std::size_t> shape, const std::vector<std::int32_t>& values);
    static NpyArray from_int32(std::vector<std::size_t> shape, const std::vector<std::int32_t>& values);
    static NpyArray from_float(std::vector<std::size_t> shape, const std::vector<float>& values);
    static NpyArray from_double(std::vector<std::size_t> shape, const std::vector<double>& values);
};

// Serialises one array as a .npy v1.0 byte string, and parses one (`what` names it in errors).
std::string to_npy(const NpyArray& a);
NpyArray parse_npy(const std::string& bytes, const std::string& what);

// Arrays keyed by name (member name without ".npy").
using NpzArchive = std::map<std::string, NpyArray>;

// Writes an .npz (members stored, i.e. np.savez layout) atomically: temp file + rename.
void write_npz(const std::string& path, const NpzArchive& arrays);
// Reads every member; throws InputError naming the file (and member) on a corrupt archive, a
// member that is not a valid .npy, an unsupported dtype or Fortran order.
NpzArchive read_npz(const std::string& path);

}  // namespace spiketlm::io
