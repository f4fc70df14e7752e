#include "sw/data/user_data.h"

#include <algorithm>
#include <filesystem>

#include "sw/common/error.h"
#include "sw/data/idx.h"
#include "sw/data/spike_list.h"
#include "sw/io/npz.h"

namespace spiketlm::data {

namespace {

namespace fs = std::filesystem;

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void set_classes(ImageSet& s, const std::string& what) {
    int top = 0;
    for (auto l : s.labels) top = std::max<int>(top, l);
    s.num_classes = static_cast<std::size_t>(std::max(2, top + 1));
    if (s.count() == 0) throw InputError(what + ": no images");
}

ImageSet load_idx_folder(const std::string& dir, const std::string& split) {
    const std::string prefix = split == "train" ? "train" : "t10k";
    auto find = [&](const std::string& stem) {
        for (const std::string& p : {dir + "/" + stem + ".gz", dir + "/" + stem})
            if (fs::exists(p)) return p;
        throw InputError("dataset folder '" + dir + "': missing file '" + dir + "/" + stem + "[.gz]' (the " + split +
                         " split of an IDX folder)");
    };
    const std::string images = find(prefix + "-images-idx3-ubyte");
    const std::string labels = find(prefix + "-labels-idx1-ubyte");
    const IdxArray img = read_idx_file(images, 3);
    const IdxArray lab = read_idx_file(labels, 1);
    if (img.dims[0] != lab.dims[0])
        throw InputError("count mismatch: '" + images + "' holds " + std::to_string(img.dims[0]) + " images but '" +
                         labels + "' holds " + std::to_string(lab.dims[0]) + " labels");
    if (img.dims[1] == 0 || img.dims[2] == 0) throw InputError("IDX file '" + images + "': zero image size");
    ImageSet s;
    s.name = dir + "/" + split;
    s.rows = img.dims[1];
    s.cols = img.dims[2];
    s.labels = lab.data;
    s.pixels.resize(img.data.size());
    for (std::size_t i = 0; i < img.data.size(); ++i) s.pixels[i] = static_cast<float>(img.data[i]) / 255.0f;
    set_classes(s, images);
    return s;
}

ImageSet from_npz(const std::string& path, const io::NpzArchive& z, const std::string& xk, const std::string& yk,
                  const std::string& split) {
    const auto& x = z.at(xk);
    const auto& y = z.at(yk);
    const std::string what = path + ": member '" + xk + "'";
    std::size_t n = x.shape.empty() ? 0 : x.shape[0], rows = 0, cols = 0;
    const auto& sh = x.shape;
    if (sh.size() == 2) {
        rows = 1;
        cols = sh[1];
    } else if (sh.size() == 3) {
        rows = sh[1];
        cols = sh[2];
    } else if (sh.size() == 4 && sh[3] == 1) {
        rows = sh[1];
        cols = sh[2];
    } else if (sh.size() == 4 && sh[1] == 1) {
        rows = sh[2];
        cols = sh[3];
    } else {
        throw InputError(what + " has shape " + x.shape_str() +
                         "; expected (N, H, W), (N, H, W, 1), (N, 1, H, W) or (N, features)");
    }
    if (y.shape.size() != 1 || y.shape[0] != n)
        throw InputError(path + ": member '" + yk + "' has shape " + y.shape_str() + "; expected (" +
                         std::to_string(n) + ",) to match '" + xk + "'");
    ImageSet s;
    s.name = path + "/" + split;
    s.rows = rows;
    s.cols = cols;
    const bool bytes = x.dtype == io::DType::i1 || x.dtype == io::DType::i2 || x.dtype == io::DType::i4 ||
                       x.dtype == io::DType::i8;
    if (bytes) {
        const auto v = x.to_int32(what);
        s.pixels.resize(v.size());
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (v[i] < 0 || v[i] > 255)
                throw InputError(what + ": integer pixel " + std::to_string(i) + " = " + std::to_string(v[i]) +
                                 " outside 0..255");
            s.pixels[i] = static_cast<float>(v[i]) / 255.0f;
        }
    } else {
        s.pixels = x.to_float();
        for (std::size_t i = 0; i < s.pixels.size(); ++i)
            if (!(s.pixels[i] >= 0.0f && s.pixels[i] <= 1.0f))
                throw InputError(what + ": pixel " + std::to_string(i) + " = " + std::to_string(s.pixels[i]) +
                                 " outside [0, 1] (store floats in [0, 1] or bytes 0..255)");
    }
    const auto labels = y.to_int32(path + ": member '" + yk + "'");
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] < 0 || labels[i] > 255)
            throw InputError(path + ": member '" + yk + "': label " + std::to_string(i) + " = " +
                             std::to_string(labels[i]) + " outside 0..255");
        s.labels.push_back(static_cast<std::uint8_t>(labels[i]));
    }
    set_classes(s, what);
    return s;
}

ImageSet load_npz_set(const std::string& path, const std::string& split) {
    if (!fs::exists(path)) throw InputError("dataset file '" + path + "' does not exist");
    const io::NpzArchive z = io::read_npz(path);
    const std::string xk = split == "train" ? "x_train" : "x_test", yk = split == "train" ? "y_train" : "y_test";
    if (z.count(xk) && z.count(yk)) return from_npz(path, z, xk, yk, split);
    if (z.count("images") && z.count("labels")) return from_npz(path, z, "images", "labels", split);
    std::string members;
    for (const auto& [k, v] : z) members += (members.empty() ? "" : ", ") + k;
    throw InputError(path + ": no '" + xk + "'/'" + yk + "' nor 'images'/'labels' members for the " + split +
                     " split (members: " + members + ")");
}

}  // namespace

bool is_dataset_path(const std::string& name) {
    return name.find('/') != std::string::npos || ends_with(name, ".npz") || (!name.empty() && fs::is_directory(name));
}

// A spike list as a dataset: spike counts per channel over the window (members inputs and steps
// are required), the same list for both splits.
ImageSet load_spike_list_set(const std::string& path, const std::string& split) {
    const io::NpzArchive z = io::read_npz(path);
    for (const char* k : {"inputs", "steps"})
        if (!z.count(k))
            throw InputError(path + ": a spike list used as a dataset needs the scalar member '" + std::string(k) +
                             "' (input size and window)");
    const auto inputs = static_cast<std::size_t>(z.at("inputs").to_double().at(0));
    const auto steps = static_cast<std::uint32_t>(z.at("steps").to_double().at(0));
    if (inputs < 1 || steps < 1) throw InputError(path + ": members 'inputs' and 'steps' must be >= 1");
    ImageSet s = spike_list_images(read_spike_list(path, inputs, steps - 1), inputs, steps);
    s.name = path + "/" + split;
    return s;
}

ImageSet load_user_split(const std::string& path, const std::string& split) {
    if (split != "train" && split != "test") throw InputError("unknown dataset split '" + split + "' (valid: train, test)");
    if (ends_with(path, ".npz") && is_spike_list_file(path)) return load_spike_list_set(path, split);
    if (ends_with(path, ".npz")) return load_npz_set(path, split);
    if (fs::is_directory(path)) return load_idx_folder(path, split);
    throw InputError("dataset path '" + path + "' is neither a folder of IDX files nor an .npz file");
}

}  // namespace spiketlm::data
